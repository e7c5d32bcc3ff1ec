import { fromBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AckOutcome, AckResponseSchema, FetchResponseSchema, ProduceBatchResponseSchema, SubscribeResponseSchema } from "../../../src/gen/ferry/v1/broker_pb.js";
import { encodeAckResponse, encodeFetchResponse, encodeProduceBatchResponse, encodeRecordBatchEvent } from "../../../src/server/record-encoding.js";

const record = fc.record({
  partition: fc.integer({ min: 0, max: 100_000 }),
  offset: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  appendTimeMs: fc.integer({ min: 0, max: 2 ** 45 }),
  attempt: fc.integer({ min: 0, max: 1000 }),
  value: fc.uint8Array({ maxLength: 300 }),
});

describe("delivery encoding", () => {
  it("property: a record batch decodes as the SubscribeResponse protobuf-es reads", () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 20 }), (rs) => {
        // the stored bytes are a Record with field 2 (value)
        const deliveries = rs.map((r) => ({
          partition: r.partition,
          attempt: r.attempt,
          record: { offset: r.offset, appendTimeMs: r.appendTimeMs, bytes: r.value.length > 0 ? Uint8Array.from([0x12, ...varint(r.value.length), ...r.value]) : new Uint8Array() },
        }));
        const decoded = fromBinary(SubscribeResponseSchema, encodeRecordBatchEvent(deliveries));
        expect(decoded.event.case).toBe("records");
        const got = decoded.event.case === "records" ? decoded.event.value.records : [];
        expect(got.map((c) => [c.partition, Number(c.offset), Number(c.appendTimeMs), c.attempt, [...(c.record?.value ?? [])]])).toEqual(
          rs.map((r) => [r.partition, r.offset, r.appendTimeMs, r.attempt, [...r.value]]),
        );
      }),
    );
  });

  it("encodes produce batch responses with packed positions", () => {
    const res = fromBinary(ProduceBatchResponseSchema, encodeProduceBatchResponse({ partitions: [0, 3, 200], offsets: [0, 2 ** 35, 7], appendTimeMs: 1_700_000_000_000, duplicates: 2 }));
    expect(res).toMatchObject({ partitions: [0, 3, 200], offsets: [0n, 2n ** 35n, 7n], appendTimeMs: 1_700_000_000_000n, duplicates: 2 });
  });

  it("encodes ack responses as packed outcomes", () => {
    expect(fromBinary(AckResponseSchema, encodeAckResponse([true, false, true])).outcomes).toEqual([AckOutcome.OK, AckOutcome.NOT_IN_FLIGHT, AckOutcome.OK]);
    expect(fromBinary(AckResponseSchema, encodeAckResponse([])).outcomes).toEqual([]);
    const many = Array.from({ length: 300 }, (_, i) => i % 3 === 0);
    expect(fromBinary(AckResponseSchema, encodeAckResponse(many)).outcomes).toHaveLength(300);
  });

  it("encodes fetch responses with their offsets", () => {
    const res = fromBinary(FetchResponseSchema, encodeFetchResponse(3, [{ offset: 2 ** 40, appendTimeMs: 5, bytes: Uint8Array.from([0x12, 1, 7]) }], 2 ** 40 + 1, 0, 2 ** 40 + 1));
    expect(res.records[0]).toMatchObject({ partition: 3, offset: 2n ** 40n, appendTimeMs: 5n });
    expect(res).toMatchObject({ nextOffset: 2n ** 40n + 1n, logStartOffset: 0n, logEndOffset: 2n ** 40n + 1n });
  });
});

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 128) {
    out.push((n & 127) | 128);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
