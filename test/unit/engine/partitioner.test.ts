import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { murmur2, partitionForKey } from "../../../src/engine/partitioner.js";

const vectors = (JSON.parse(readFileSync(new URL("../../murmur2-vectors.json", import.meta.url), "utf8")) as { vectors: { key: string; murmur2: number }[] }).vectors;

describe("murmur2 (Kafka's default partitioner)", () => {
  it.each(vectors)("hashes '$key' as Kafka does", ({ key, murmur2: expected }) => {
    expect(murmur2(Buffer.from(key))).toBe(expected);
  });

  it("maps keys to (hash & 0x7fffffff) % partitions", () => {
    for (const { key, murmur2: h } of vectors) {
      for (const n of [1, 3, 4, 12, 100]) expect(partitionForKey(Buffer.from(key), n)).toBe((h & 0x7fffffff) % n);
    }
  });

  it("covers every tail length", () => {
    const seen = new Set<number>();
    for (let len = 0; len < 9; len++) seen.add(murmur2(Buffer.alloc(len, 7)));
    expect(seen.size).toBe(9);
  });
});
