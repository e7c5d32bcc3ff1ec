import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { viewProduce, viewProduceBatch, viewRecord } from "../../../src/engine/wire-views.js";
import { InvalidArgumentError } from "../../../src/errors.js";
import { ProduceBatchRequestSchema, ProduceRequestSchema } from "../../../src/gen/ferry/v1/broker_pb.js";
import { RecordSchema } from "../../../src/gen/ferry/v1/common_pb.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("wire views", () => {
  it("read a batch without re-encoding its records", () => {
    const records = [
      create(RecordSchema, { key: enc("k1"), value: enc("v1"), headers: { h: enc("x") } }),
      create(RecordSchema, { value: enc("v2"), timestampMs: 5n }),
    ];
    const bytes = toBinary(ProduceBatchRequestSchema, create(ProduceBatchRequestSchema, { topic: "t", records, partition: 2, producerId: "p", firstSequence: 7n }));
    const view = viewProduceBatch(bytes);
    expect(view).toMatchObject({ topic: "t", partition: 2, producerId: "p", firstSequence: 7 });
    expect(view.records.map((r) => Buffer.from(r.key).toString())).toEqual(["k1", ""]);
    expect(view.records.map((r) => [...r.bytes])).toEqual(records.map((r) => [...toBinary(RecordSchema, r)]));
  });

  it("read a unary produce as a one-record batch; partition unset stays undefined", () => {
    const bytes = toBinary(ProduceRequestSchema, create(ProduceRequestSchema, { topic: "t", record: { key: enc("k"), value: enc("v") }, sequence: 3n, producerId: "p" }));
    const view = viewProduce(bytes);
    expect(view.partition).toBeUndefined();
    expect(view.records).toHaveLength(1);
    expect(view.firstSequence).toBe(3);
  });

  it("reject garbage and invalid header names as INVALID_ARGUMENT", () => {
    expect(() => viewProduceBatch(Uint8Array.from([0x12, 0x50, 1]))).toThrow(InvalidArgumentError);
    // Record with header entry {key: 0xff 0xfe (not UTF-8)}
    const badHeader = Uint8Array.from([0x1a, 0x04, 0x0a, 0x02, 0xff, 0xfe]);
    expect(() => viewRecord(badHeader)).toThrow(/header name is not valid UTF-8/);
    const badTopic = Uint8Array.from([0x0a, 0x02, 0xc3, 0x28]);
    expect(() => viewProduceBatch(badTopic)).toThrow(/topic is not valid UTF-8/);
  });
});
