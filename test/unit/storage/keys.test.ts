import { describe, expect, it } from "vitest";
import { offsetOfKey, partitionRange, recordKey } from "../../../src/storage/keys.js";
import { encodeChunk, MAX_CHUNK_BYTES, readChunk, splitIntoChunks } from "../../../src/storage/chunk-codec.js";
import type { StoredRecord } from "../../../src/storage/store.js";

describe("record keys", () => {
  it("round-trip offsets up to 2^53", () => {
    for (const offset of [0, 1, 255, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER]) {
      expect(offsetOfKey(recordKey(3, 9, offset))).toBe(offset);
    }
  });

  it("sort by topic, partition, then offset", () => {
    const keys = [recordKey(1, 0, 2 ** 32), recordKey(1, 0, 5), recordKey(2, 0, 0), recordKey(1, 1, 0), recordKey(1, 0, 6)];
    const sorted = [...keys].sort(Buffer.compare);
    expect(sorted).toEqual([recordKey(1, 0, 5), recordKey(1, 0, 6), recordKey(1, 0, 2 ** 32), recordKey(1, 1, 0), recordKey(2, 0, 0)]);
  });

  it("bound each partition's range", () => {
    const { start, end } = partitionRange(1, 0);
    expect(Buffer.compare(start, recordKey(1, 0, 0))).toBeLessThanOrEqual(0);
    expect(Buffer.compare(recordKey(1, 0, Number.MAX_SAFE_INTEGER), end)).toBeLessThan(0);
    expect(Buffer.compare(end, recordKey(1, 1, 0))).toBe(0);
  });
});

describe("record chunks", () => {
  it("keep the append time and each record's exact bytes", () => {
    const records = [Uint8Array.from([10, 3, 1, 2, 3]), new Uint8Array(0), Uint8Array.from([18, 1, 9])];
    const out: StoredRecord[] = [];
    expect(readChunk(40, encodeChunk(1_732_000_000_123, records), 41, 10, { bytes: 0, maxBytes: 1 << 20 }, out)).toBe(true);
    expect(out.map((r) => [r.offset, r.appendTimeMs, [...r.bytes]])).toEqual([
      [41, 1_732_000_000_123, []],
      [42, 1_732_000_000_123, [18, 1, 9]],
    ]);
  });

  it("stop at the record and byte limits, always taking one record", () => {
    const chunk = encodeChunk(1, [new Uint8Array(10), new Uint8Array(10), new Uint8Array(10)]);
    const byCount: StoredRecord[] = [];
    expect(readChunk(0, chunk, 0, 2, { bytes: 0, maxBytes: 1 << 20 }, byCount)).toBe(false);
    expect(byCount).toHaveLength(2);
    const byBytes: StoredRecord[] = [];
    readChunk(0, chunk, 0, 10, { bytes: 0, maxBytes: 5 }, byBytes);
    expect(byBytes).toHaveLength(1);
  });

  it("split large appends so no chunk outgrows the limit", () => {
    const big = Array.from({ length: 5 }, () => new Uint8Array(MAX_CHUNK_BYTES / 2));
    const chunks = splitIntoChunks(big);
    expect(chunks.map((c) => c.length)).toEqual([1, 1, 1, 1, 1]);
    expect(splitIntoChunks(Array.from({ length: 1000 }, () => new Uint8Array(100)))).toHaveLength(1);
  });
});
