import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { LmdbStore } from "../../src/storage/lmdb-store.js";
import { MemoryStore } from "../../src/storage/memory-store.js";
import type { Store, TopicMeta } from "../../src/storage/store.js";
import { tempDir } from "../helpers/broker.js";

interface Factory {
  readonly name: string;
  open(): Store;
  /** Reopens the same data after close, or undefined when the store cannot. */
  reopen(): Store | undefined;
  cleanup(): void;
}

function lmdbFactory(): Factory {
  const dir = tempDir("ferry-store-");
  return { name: "lmdb", open: () => new LmdbStore({ path: dir }), reopen: () => new LmdbStore({ path: dir }), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `--no-sync` commits on the calling thread (transactionSync) instead of lmdb's writer thread. */
function lmdbNoSyncFactory(): Factory {
  const dir = tempDir("ferry-store-nosync-");
  const make = (): Store => new LmdbStore({ path: dir, sync: false });
  return { name: "lmdb-nosync", open: make, reopen: make, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function memoryFactory(): Factory {
  return { name: "memory", open: () => new MemoryStore(), reopen: () => undefined, cleanup: () => undefined };
}

const topic: TopicMeta = { id: 7, name: "orders", partitions: 2, retentionMs: 0, retentionBytes: 0, createdAtMs: 1 };
const rec = (n: number): Uint8Array => Uint8Array.from([18, 1, n]);
const run = (partition: number, firstOffset: number, values: number[]) =>
  ({ kind: "records", topicId: 7, partition, firstOffset, appendTimeMs: 1000 + firstOffset, records: values.map(rec) }) as const;

describe.each([lmdbFactory, lmdbNoSyncFactory, memoryFactory])("store contract (%o)", (makeFactory) => {
  let factory: Factory;
  const opened: Store[] = [];
  const open = (): Store => {
    factory ??= makeFactory();
    const s = factory.open();
    opened.push(s);
    return s;
  };
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    factory?.cleanup();
    factory = undefined as unknown as Factory;
  });

  it("writes records atomically and reads them back in offset order", async () => {
    const store = open();
    await store.write([{ kind: "topic", meta: topic }, run(1, 0, [0, 1]), run(1, 2, [2])]);
    expect(store.loadTopics()).toEqual([topic]);
    expect(store.nextTopicId()).toBe(8);
    expect(store.partitionEnd(7, 1)).toBe(3);
    expect(store.partitionEnd(7, 0)).toBe(0);
    expect(store.partitionStart(7, 1, 3)).toBe(0);
    expect(store.readRecords(7, 1, 1, 10, 1 << 20).map((r) => [r.offset, r.appendTimeMs, [...r.bytes]])).toEqual([
      [1, 1000, [...rec(1)]],
      [2, 1002, [...rec(2)]],
    ]);
    expect(store.readRecords(7, 1, 0, 2, 1 << 20)).toHaveLength(2);
    expect(store.readRecords(7, 1, 0, 10, 1)).toHaveLength(1); // the first record always comes
    expect(store.readRecords(7, 0, 0, 10, 1 << 20)).toEqual([]);
  });

  it("keeps producer state, groups and offsets; deletes a group with its offsets", async () => {
    const store = open();
    const state = { producerId: "p", topicId: 7, partition: 0, runs: [{ firstSeq: 0, firstOffset: 5, count: 2 }], updatedAtMs: 9 };
    const group = { topicId: 7, group: "g", ackDeadlineMs: 1, maxAttempts: 2, backoffMinMs: 3, backoffMaxMs: 4, deadLetterTopic: "d", createdAtMs: 5 };
    await store.write([
      { kind: "producer", state },
      { kind: "group", meta: group },
      { kind: "groupOffset", topicId: 7, group: "g", partition: 0, offset: 3 },
      { kind: "groupOffset", topicId: 7, group: "g", partition: 1, offset: 4 },
    ]);
    expect(store.loadProducerStates()).toEqual([state]);
    expect(store.loadGroups()).toEqual([group]);
    expect(store.loadGroupOffsets(7, "g")).toEqual(new Map([[0, 3], [1, 4]]));
    await store.write([{ kind: "deleteGroup", topicId: 7, group: "g" }, { kind: "deleteProducer", producerId: "p", topicId: 7, partition: 0 }]);
    expect(store.loadGroups()).toEqual([]);
    expect(store.loadGroupOffsets(7, "g").size).toBe(0);
    expect(store.loadProducerStates()).toEqual([]);
  });

  it("removes a deleted topic's records in the background", async () => {
    const store = open();
    await store.write([{ kind: "topic", meta: topic }, run(0, 0, [0])]);
    await store.write([{ kind: "deleteTopic", meta: topic }]);
    expect(store.loadTopics()).toEqual([]);
    expect(store.pendingTopicDeletions()).toEqual([{ topicId: 7, partitions: 2 }]);
    await store.removeTopicRecords(7, 2);
    expect(store.readRecords(7, 0, 0, 10, 1 << 20)).toEqual([]);
    expect(store.pendingTopicDeletions()).toEqual([]);
    expect(store.nextTopicId()).toBe(8); // ids are never reused
  });

  it("reads from the middle of a run and across runs, within limits", async () => {
    const store = open();
    await store.write([run(0, 0, [0, 1, 2, 3]), run(0, 4, [4, 5]), run(0, 6, [6])]);
    expect(store.partitionEnd(7, 0)).toBe(7);
    expect(store.readRecords(7, 0, 2, 4, 1 << 20).map((r) => r.offset)).toEqual([2, 3, 4, 5]);
    expect(store.readRecords(7, 0, 5, 10, 1 << 20).map((r) => r.offset)).toEqual([5, 6]);
    expect(store.readRecords(7, 0, 3, 10, 3).map((r) => r.offset)).toEqual([3]);
    expect(store.readRecords(7, 0, 7, 10, 1 << 20)).toEqual([]);
  });

  it("trims appends older than a cutoff but never the newest", async () => {
    const store = open();
    // run(p, first, values) stamps appendTimeMs = 1000 + first
    await store.write([run(0, 0, [0, 1]), run(0, 2, [2]), run(0, 3, [3])]);
    expect(await store.trimBefore(7, 0, 1003)).toBe(3);
    expect(store.partitionStart(7, 0, 4)).toBe(3);
    expect(await store.trimBefore(7, 0, 99_999)).toBe(3);
    expect(store.partitionEnd(7, 0)).toBe(4);
    expect(store.readRecords(7, 0, 0, 10, 1 << 20).map((r) => r.offset)).toEqual([3]);
  });

  it("finds partition ends at large offsets without scanning and survives reopen", async () => {
    const store = open();
    await store.write([run(0, 2 ** 33, [1]), run(1, 0, [2])]);
    expect(store.partitionEnd(7, 0)).toBe(2 ** 33 + 1);
    await store.close();
    opened.splice(opened.indexOf(store), 1);
    const again = factory.reopen();
    if (!again) return; // the memory store has nothing to reopen
    opened.push(again);
    expect(again.partitionEnd(7, 0)).toBe(2 ** 33 + 1);
    expect(again.partitionEnd(7, 1)).toBe(1);
  });
});
