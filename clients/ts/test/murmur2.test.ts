import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { murmur2, partitionForKey } from "../src/murmur2.js";

const vectors = (JSON.parse(readFileSync(join(import.meta.dirname, "../../../test/murmur2-vectors.json"), "utf8")) as { vectors: { key: string; murmur2: number }[] }).vectors;

describe("murmur2 (Kafka's partitioner)", () => {
  it("has vectors to check", () => {
    expect(vectors.length).toBeGreaterThanOrEqual(6);
  });

  it.each(vectors)("murmur2($key) = $murmur2", ({ key, murmur2: expected }) => {
    expect(murmur2(Buffer.from(key, "utf8"))).toBe(expected);
  });

  it("maps a key to (hash & 0x7fffffff) % partitions", () => {
    for (const { key, murmur2: hash } of vectors) {
      for (const n of [1, 3, 4, 7, 100]) expect(partitionForKey(Buffer.from(key), n)).toBe((hash & 0x7fffffff) % n);
    }
  });

  it("agrees with a literal port of Kafka's Java code on keys of every length", () => {
    // The vectors leave out a 1-byte tail; this checks every tail length against a
    // line-by-line port of Utils.murmur2 with 32-bit wrap-around done in BigInt.
    const int = (x: bigint): bigint => BigInt.asIntN(32, x);
    const ushr = (x: bigint, n: bigint): bigint => BigInt.asUintN(32, x) >> n;
    const reference = (data: Uint8Array): number => {
      const m = 0x5bd1e995n;
      let h = int(BigInt(0x9747b28c) ^ BigInt(data.length));
      const length4 = Math.floor(data.length / 4);
      for (let i = 0; i < length4; i++) {
        const i4 = i * 4;
        let k = int(BigInt(data[i4]!) + (BigInt(data[i4 + 1]!) << 8n) + (BigInt(data[i4 + 2]!) << 16n) + (BigInt(data[i4 + 3]!) << 24n));
        k = int(k * m);
        k = int(k ^ ushr(k, 24n));
        k = int(k * m);
        h = int(h * m);
        h = int(h ^ k);
      }
      const rest = data.length % 4;
      const tail = data.length & ~3;
      if (rest >= 3) h = int(h ^ (BigInt(data[tail + 2]!) << 16n));
      if (rest >= 2) h = int(h ^ (BigInt(data[tail + 1]!) << 8n));
      if (rest >= 1) {
        h = int(h ^ BigInt(data[tail]!));
        h = int(h * m);
      }
      h = int(h ^ ushr(h, 13n));
      h = int(h * m);
      h = int(h ^ ushr(h, 15n));
      return Number(h);
    };
    for (const { key, murmur2: expected } of vectors) expect(reference(Buffer.from(key))).toBe(expected);
    let seed = 12345;
    const byte = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 0xff;
    for (let length = 0; length <= 40; length++) {
      const data = Uint8Array.from({ length }, byte);
      expect(murmur2(data), `length ${length}`).toBe(reference(data));
    }
  });
});
