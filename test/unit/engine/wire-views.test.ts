import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { viewAck, viewProduce, viewProduceBatch, viewRecord } from "../../../src/engine/wire-views.js";
import { InvalidArgumentError } from "../../../src/errors.js";
import { AckAction, AckRequestSchema, ProduceBatchRequestSchema, ProduceRequestSchema } from "../../../src/gen/ferry/v1/broker_pb.js";
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

  it("read an ack request as protobuf-es wrote it", () => {
    const bytes = toBinary(
      AckRequestSchema,
      create(AckRequestSchema, {
        topic: "t",
        group: "g",
        memberId: "m",
        items: [{ partition: 1, offset: 2n ** 40n }, { partition: 0, offset: 3n, action: AckAction.NACK, delayMs: 250n, reason: "boom" }, { offset: 4n, action: AckAction.EXTEND, extendMs: 9n }],
      }),
    );
    expect(viewAck(bytes)).toEqual({
      topic: "t",
      group: "g",
      memberId: "m",
      items: [
        { partition: 1, offset: 2 ** 40, action: 0, delayMs: 0, reason: "", extendMs: 0 },
        { partition: 0, offset: 3, action: 2, delayMs: 250, reason: "boom", extendMs: 0 },
        { partition: 0, offset: 4, action: 3, delayMs: 0, reason: "", extendMs: 9 },
      ],
    });
    expect(() => viewAck(Uint8Array.from([0x22, 0x05, 0x10]))).toThrow(/not a valid ferry.v1.AckRequest/);
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
