import { fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { encodeProduceBatch, type OutgoingRecord } from "../src/batch-encoder.js";
import { ProduceBatchRequestSchema } from "../src/gen/ferry/v1/broker_pb.js";

const b = (s: string): Uint8Array => Buffer.from(s, "utf8");

describe("encodeProduceBatch", () => {
  it("encodes what the generated schema decodes", () => {
    const records: OutgoingRecord[] = [
      { key: b("k1"), value: b("v".repeat(300)), headers: [[b("trace"), b("abc")], [b("empty"), new Uint8Array(0)]], timestampMs: 1_700_000_000_123 },
      { key: undefined, value: new Uint8Array(0), headers: undefined, timestampMs: 0 },
      { key: b("ключ"), value: b("значение"), headers: undefined, timestampMs: 0 },
    ];
    const bytes = encodeProduceBatch({ topic: b("orders"), records, partition: 0, producerId: b("p-1"), firstSequence: 2 ** 40 + 3 });
    const req = fromBinary(ProduceBatchRequestSchema, bytes);
    expect(req.topic).toBe("orders");
    expect(req.partition).toBe(0); // explicit partition 0 is present, not "unset"
    expect(req.producerId).toBe("p-1");
    expect(req.firstSequence).toBe(BigInt(2 ** 40 + 3));
    expect(req.records).toHaveLength(3);
    const [r0, r1, r2] = req.records;
    expect(Buffer.from(r0!.key).toString()).toBe("k1");
    expect(Buffer.from(r0!.value).toString()).toBe("v".repeat(300));
    expect(Object.keys(r0!.headers).sort()).toEqual(["empty", "trace"]);
    expect(Buffer.from(r0!.headers["trace"]!).toString()).toBe("abc");
    expect(r0!.timestampMs).toBe(1_700_000_000_123n);
    expect(r1!.key).toHaveLength(0);
    expect(r1!.value).toHaveLength(0);
    expect(Buffer.from(r2!.value).toString()).toBe("значение");
  });

  it("leaves producer id and sequence out of a plain batch", () => {
    const bytes = encodeProduceBatch({ topic: b("t"), records: [{ key: undefined, value: b("x"), headers: undefined, timestampMs: 0 }], partition: 7, producerId: new Uint8Array(0), firstSequence: 0 });
    const req = fromBinary(ProduceBatchRequestSchema, bytes);
    expect(req.partition).toBe(7);
    expect(req.producerId).toBe("");
    expect(req.firstSequence).toBe(0n);
  });
});
