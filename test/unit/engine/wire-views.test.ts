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
        items: [{ partition: 1, offset: 2n ** 40n, count: 250n }, { partition: 0, offset: 3n, action: AckAction.NACK, delayMs: 250n, reason: "boom" }, { offset: 4n, action: AckAction.EXTEND, extendMs: 9n }],
      }),
    );
    expect(viewAck(bytes)).toEqual({
      topic: "t",
      group: "g",
      memberId: "m",
      items: [
        { partition: 1, offset: 2 ** 40, action: 0, delayMs: 0, reason: "", extendMs: 0, count: 250 },
        { partition: 0, offset: 3, action: 2, delayMs: 250, reason: "boom", extendMs: 0, count: 0 },
        { partition: 0, offset: 4, action: 3, delayMs: 0, reason: "", extendMs: 9, count: 0 },
      ],
    });
    expect(() => viewAck(Uint8Array.from([0x22, 0x05, 0x10]))).toThrow(/not a valid ferry.v1.AckRequest/);
  });

  it("read every int64 width of an ack item as protobuf-es wrote it, negatives and unknown fields included", () => {
    const offsets = [0n, 127n, 128n, 2n ** 48n - 1n, 2n ** 49n, 2n ** 53n - 1n];
    const items = offsets.map((offset, i) => ({ partition: i, offset, delayMs: -1n - BigInt(i), extendMs: offset }));
    const known = toBinary(AckRequestSchema, create(AckRequestSchema, { topic: "t", items }));
    expect(viewAck(known).items).toEqual(
      offsets.map((offset, i) => ({ partition: i, offset: Number(offset), action: 0, delayMs: -1 - i, reason: "", extendMs: Number(offset), count: 0 })),
    );
    // an AckItem {offset 5, field 9 fixed64, field 10 string "x", field 11 fixed32, action 1}
    const item = [0x10, 0x05, 0x49, 1, 2, 3, 4, 5, 6, 7, 8, 0x52, 0x01, 0x78, 0x5d, 1, 2, 3, 4, 0x18, 0x01];
    expect(viewAck(Uint8Array.from([0x22, item.length, ...item])).items).toEqual([{ partition: 0, offset: 5, action: 1, delayMs: 0, reason: "", extendMs: 0, count: 0 }]);
  });

  it("reject an ack item offset beyond 2^53 and truncated items as INVALID_ARGUMENT", () => {
    const far = toBinary(AckRequestSchema, create(AckRequestSchema, { items: [{ offset: 2n ** 53n + 2n }] }));
    expect(() => viewAck(far)).toThrow(/offset 9007199254740994 is out of range/);
    expect(() => viewAck(Uint8Array.from([0x22, 0x02, 0x10, 0x80]))).toThrow(InvalidArgumentError); // varint cut short
    expect(() => viewAck(Uint8Array.from([0x22, 0x03, 0x2a, 0x05, 0x61]))).toThrow(/not a valid ferry.v1.AckRequest/); // reason cut short
    expect(() => viewAck(Uint8Array.from([0x22, 0x0b, 0x10, ...Array<number>(10).fill(0xff)]))).toThrow(/longer than 10 bytes|overruns/);
  });

  it("skip unknown fields of every wire type in records, headers and requests", () => {
    // fields 9-13: varint, fixed64, bytes, fixed32, and a group holding a varint
    const unknown = [0x48, 0x96, 0x01, 0x51, 1, 2, 3, 4, 5, 6, 7, 8, 0x5a, 0x02, 0x61, 0x62, 0x65, 1, 2, 3, 4, 0x6b, 0x08, 0x01, 0x6c];
    const header = [0x0a, 0x01, 0x68, ...unknown, 0x12, 0x01, 0x78]; // {key "h", unknown, value "x"}
    const record = [0x0a, 0x02, 0x6b, 0x31, ...unknown, 0x1a, header.length, ...header, 0x12, 0x01, 0x76];
    const request = [...unknown, 0x0a, 0x01, 0x74, 0x12, record.length, ...record, 0x18, 0x02];
    const view = viewProduceBatch(Uint8Array.from(request));
    expect(view).toMatchObject({ topic: "t", partition: 2 });
    expect(view.records.map((r) => Buffer.from(r.key).toString())).toEqual(["k1"]);
    expect([...view.records[0]!.bytes]).toEqual(record);
    expect(() => viewRecord(Uint8Array.from([0x0a, 0x05, 0x6b]))).toThrow(/not a valid ferry.v1.Record/); // key cut short
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
