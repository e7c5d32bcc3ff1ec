import { describe, expect, it } from "vitest";
import { offsetOfKey, partitionRange, recordKey } from "../../../src/storage/keys.js";
import { encodeStored, storedAppendTimeMs, storedRecordBytes } from "../../../src/storage/record-codec.js";

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

describe("stored record encoding", () => {
  it("keeps the append time and the exact record bytes", () => {
    const bytes = Uint8Array.from([10, 3, 1, 2, 3]);
    const stored = encodeStored(1_732_000_000_123, bytes);
    expect(storedAppendTimeMs(stored)).toBe(1_732_000_000_123);
    expect([...storedRecordBytes(stored)]).toEqual([...bytes]);
  });
});
