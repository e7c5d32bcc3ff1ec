import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LmdbStore } from "../../src/storage/lmdb-store.js";
import { tempDir } from "../helpers/broker.js";

describe("LmdbStore data directory", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("is a directory even when its name has a dot", async () => {
    const parent = tempDir("ferry-dotted-");
    dirs.push(parent);
    const path = join(parent, "ferry.d");
    const store = new LmdbStore({ path });
    await store.write([{ kind: "records", topicId: 1, partition: 0, firstOffset: 0, appendTimeMs: 5, records: [Uint8Array.from([18, 1, 7])] }]);
    await store.close();
    expect(readdirSync(path).sort()).toEqual(["data.mdb", "lock.mdb"]);
    expect(existsSync(`${path}-lock`)).toBe(false);
    const reopened = new LmdbStore({ path });
    expect(reopened.partitionEnd(1, 0)).toBe(1);
    await reopened.close();
  });
});

describe("LmdbStore durable commits (commit thread)", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  /** A durable store in a fresh directory (removed after the test). */
  const openStore = (): { path: string; store: LmdbStore } => {
    const path = tempDir("ferry-commit-thread-");
    dirs.push(path);
    return { path, store: new LmdbStore({ path }) };
  };
  const records = (firstOffset: number, count: number) =>
    ({ kind: "records", topicId: 1, partition: 0, firstOffset, appendTimeMs: 5, records: Array.from({ length: count }, (_, i) => Uint8Array.from([18, 1, (firstOffset + i) & 255])) }) as const;

  it("reads see a commit once it resolves, and close lets pending commits finish", async () => {
    const { path, store } = openStore();
    expect(store.readRecords(1, 0, 0, 10, 1 << 20)).toEqual([]); // holds a read snapshot from before the commit
    await store.write([records(0, 3)]);
    expect(store.readRecords(1, 0, 0, 10, 1 << 20).map((r) => [r.offset, r.bytes[2]])).toEqual([[0, 0], [1, 1], [2, 2]]);
    // 20 commits in flight, none awaited before close.
    const pending = Array.from({ length: 20 }, (_, i) => store.write([records(3 + i * 10, 10)]));
    await store.close();
    await Promise.all(pending);
    await expect(store.write([records(203, 1)])).rejects.toThrow(/closed/);
    const reopened = new LmdbStore({ path });
    expect(reopened.partitionEnd(1, 0)).toBe(203);
    await reopened.close();
  });

  it("keeps every byte through the commit arena's wrap-arounds, a large chunk, and a commit too big for it", async () => {
    const { store } = openStore();
    const record = (offset: number, size: number): Uint8Array => {
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i += 97) bytes[i] = (offset * 31 + i) & 255;
      bytes[size - 1] = offset & 255;
      return bytes;
    };
    const op = (firstOffset: number, count: number, size: number) =>
      ({ kind: "records", topicId: 1, partition: 0, firstOffset, appendTimeMs: 5, records: Array.from({ length: count }, (_, i) => record(firstOffset + i, size)) }) as const;
    // 40 MiB in commits of 256 KiB, 12 in flight at a time: the 8 MiB arena wraps around
    // several times while commits behind still hold their regions.
    let offset = 0;
    for (let round = 0; round < 14; round++) {
      const batch: Promise<void>[] = [];
      for (let c = 0; c < 12; c++, offset += 4) batch.push(store.write([op(offset, 4, 64 * 1024)]));
      await Promise.all(batch);
    }
    // A chunk larger than the commit thread's first copy buffer (256 KiB), from the arena.
    await store.write([op(offset, 1, 700 * 1024)]);
    offset += 1;
    // One commit of 9 MiB does not fit the arena: its chunks get buffers of their own.
    await store.write([op(offset, 9, 1024 * 1024 - 64)]);
    offset += 9;
    expect(store.partitionEnd(1, 0)).toBe(offset);
    for (let o = 0; o < offset; o += 1) {
      const [stored] = store.readRecords(1, 0, o, 1, 1);
      const size = o < offset - 10 ? 64 * 1024 : o === offset - 10 ? 700 * 1024 : 1024 * 1024 - 64;
      expect(stored?.offset).toBe(o);
      expect(Buffer.from(stored!.bytes).equals(Buffer.from(record(o, size)))).toBe(true);
    }
    await store.close();
  });

  it("a failed commit applies nothing, nor does any write after it until recover()", async () => {
    const { store } = openStore();
    expect(store.writeDepth).toBeGreaterThan(1);
    // LMDB refuses keys over its maximum size: this group's offset key is one.
    const tooLong = { kind: "groupOffset", topicId: 1, group: "g".repeat(4000), partition: 0, offset: 1 } as const;
    // The second write is handed over before the first one's failure is known.
    const failing = store.write([records(0, 2), tooLong]);
    const behind = store.write([records(2, 2)]);
    await expect(failing).rejects.toThrow(/key/i);
    await expect(behind).rejects.toThrow(/earlier commit failed/);
    expect(store.partitionEnd(1, 0)).toBe(0);
    await expect(store.write([records(0, 2)])).rejects.toThrow(/earlier commit failed/);
    store.recover();
    await store.write([records(0, 2)]);
    expect(store.partitionEnd(1, 0)).toBe(2);
    await store.close();
  });

  it("of commits posted back to back (one transaction for all queued), a bad one fails alone: those before it apply, those behind it do not", async () => {
    const { store } = openStore();
    const tooLong = { kind: "groupOffset", topicId: 1, group: "g".repeat(4000), partition: 0, offset: 1 } as const;
    // Posted back to back, so the commit thread finds them queued together.
    const outcomes = await Promise.allSettled([store.write([records(0, 2)]), store.write([records(2, 2), tooLong]), store.write([records(4, 2)])]);
    expect(outcomes.map((o) => (o.status === "fulfilled" ? "ok" : /earlier commit failed/.test(String(o.reason)) ? "skipped" : "failed"))).toEqual(["ok", "failed", "skipped"]);
    expect(store.partitionEnd(1, 0)).toBe(2);
    store.recover();
    await Promise.all([store.write([records(2, 2)]), store.write([records(4, 2)])]);
    expect(store.partitionEnd(1, 0)).toBe(6);
    await store.close();
  });
});
