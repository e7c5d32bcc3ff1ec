/**
 * The LMDB store: the only module that imports lmdb. One environment with two
 * databases: `records` (chunks of records from chunk-codec.ts under binary keys
 * from keys.ts: topic, partition, first offset)
 * and `meta` (ordered-binary array keys, msgpack values).
 */
import { mkdirSync } from "node:fs";
import { open, type Database, type RootDatabase } from "lmdb";
import { metaKeys, offsetOfKey, partitionRange, recordKey, type MetaKey } from "./keys.js";
import { chunkAppendTimeMs, chunkRecordCount, encodeChunk, readChunk, splitIntoChunks } from "./chunk-codec.js";
import type { GroupMeta, ProducerState, Store, StoredRecord, TopicMeta, WriteOp } from "./store.js";

export interface LmdbStoreOptions {
  /** The environment's folder; created if missing. */
  readonly path: string;
  /** fsync each commit before it resolves. @defaultValue true */
  readonly sync?: boolean;
}

/** Without fsync, commits holding at most this many record bytes run on the calling thread. */
const INLINE_COMMIT_MAX_BYTES = 64 * 1024;

function recordBytes(ops: readonly WriteOp[]): number {
  let bytes = 0;
  for (const op of ops) if (op.kind === "records") for (const r of op.records) bytes += r.length;
  return bytes;
}

/** How many records one background delete transaction removes. */
const DELETE_CHUNK_RECORDS = 10_000;

export class LmdbStore implements Store {
  private readonly env: RootDatabase;
  private readonly records: Database<Buffer, Buffer>;
  private readonly meta: Database<unknown, MetaKey>;
  private closing: Promise<void> | undefined;
  private readonly noSync: boolean;

  constructor(options: LmdbStoreOptions) {
    mkdirSync(options.path, { recursive: true });
    const sync = options.sync ?? true;
    this.noSync = !sync;
    // overlappingSync off: a commit resolves only after its fsync, so "written" means "on disk".
    // noSubdir false: lmdb-js takes a path with an extension ("ferry.d") for a file otherwise.
    this.env = open({ path: options.path, noSubdir: false, overlappingSync: false, noSync: !sync, maxDbs: 8 });
    this.records = this.env.openDB<Buffer, Buffer>({ name: "records", keyEncoding: "binary", encoding: "binary" });
    this.meta = this.env.openDB<unknown, MetaKey>({ name: "meta" });
  }

  loadTopics(): TopicMeta[] {
    const out: TopicMeta[] = [];
    for (const { value } of this.meta.getRange({ start: ["topic"], end: ["topic", "\uffff"] })) {
      out.push(value as TopicMeta);
    }
    return out;
  }

  nextTopicId(): number {
    const stored = this.meta.get(metaKeys.nextTopicId) as number | undefined;
    return stored ?? 1;
  }

  loadProducerStates(): ProducerState[] {
    const out: ProducerState[] = [];
    for (const { value } of this.meta.getRange({ start: ["producer"], end: ["producer", "\uffff"] })) {
      out.push(value as ProducerState);
    }
    return out;
  }

  loadGroups(): GroupMeta[] {
    const out: GroupMeta[] = [];
    for (const { value } of this.meta.getRange({ start: ["group"], end: ["group", Number.MAX_SAFE_INTEGER] })) {
      out.push(value as GroupMeta);
    }
    return out;
  }

  loadGroupOffsets(topicId: number, group: string): Map<number, number> {
    const out = new Map<number, number>();
    const start = metaKeys.groupOffset(topicId, group, 0);
    const end = metaKeys.groupOffset(topicId, group, 0x7fff_ffff);
    for (const { key, value } of this.meta.getRange({ start, end })) {
      out.set(key[3] as number, value as number);
    }
    return out;
  }

  partitionEnd(topicId: number, partition: number): number {
    // Reverse ranges exclude `end`: the 8-byte (topic, partition) prefix sorts just
    // below the partition's first key, so a chunk at offset 0 is included.
    const prefix = partitionRange(topicId, partition).start.subarray(0, 8);
    const last = recordKey(topicId, partition, Number.MAX_SAFE_INTEGER);
    for (const { key, value } of this.records.getRange({ start: last, end: prefix, reverse: true, limit: 1 })) {
      return offsetOfKey(key) + chunkRecordCount(value);
    }
    return 0;
  }

  partitionStart(topicId: number, partition: number, end: number): number {
    const { start, end: stop } = partitionRange(topicId, partition);
    for (const key of this.records.getKeys({ start, end: stop, limit: 1 })) return offsetOfKey(key);
    return end;
  }

  /** The key of the chunk holding `offset` (the last chunk starting at or before it). */
  private chunkKeyAtOrBefore(topicId: number, partition: number, offset: number): Buffer {
    const prefix = partitionRange(topicId, partition).start.subarray(0, 8);
    const at = recordKey(topicId, partition, offset);
    for (const key of this.records.getKeys({ start: at, end: prefix, reverse: true, limit: 2 })) {
      if (offsetOfKey(key) <= offset) return key;
    }
    return at;
  }

  readRecords(topicId: number, partition: number, fromOffset: number, maxRecords: number, maxBytes: number): StoredRecord[] {
    const out: StoredRecord[] = [];
    const { end } = partitionRange(topicId, partition);
    const budget = { bytes: 0, maxBytes };
    const start = this.chunkKeyAtOrBefore(topicId, partition, fromOffset);
    for (const { key, value } of this.records.getRange({ start, end })) {
      if (!readChunk(offsetOfKey(key), value, fromOffset, maxRecords, budget, out)) break;
      if (out.length >= maxRecords) break;
    }
    return out;
  }

  async write(ops: readonly WriteOp[]): Promise<void> {
    const apply = (): void => {
      for (const op of ops) this.apply(op);
    };
    // Without fsync a small commit is a few page writes: doing it here costs microseconds,
    // while handing it to lmdb's writer thread costs two thread hops (hundreds of µs). A
    // large one stays on the writer thread, which writes its pages in parallel with us.
    if (this.noSync && recordBytes(ops) <= INLINE_COMMIT_MAX_BYTES) this.env.transactionSync(apply);
    else await this.env.transaction(apply);
  }

  private apply(op: WriteOp): void {
    switch (op.kind) {
      case "records": {
        let offset = op.firstOffset;
        for (const chunk of splitIntoChunks(op.records)) {
          this.records.putSync(recordKey(op.topicId, op.partition, offset), encodeChunk(op.appendTimeMs, chunk) as Buffer);
          offset += chunk.length;
        }
        return;
      }
      case "topic":
        this.meta.putSync(metaKeys.topic(op.meta.name), op.meta);
        if (op.meta.id >= this.nextTopicId()) this.meta.putSync(metaKeys.nextTopicId, op.meta.id + 1);
        return;
      case "deleteTopic":
        this.meta.removeSync(metaKeys.topic(op.meta.name));
        this.meta.putSync(metaKeys.deletedTopic(op.meta.id), op.meta.partitions);
        return;
      case "producer":
        this.meta.putSync(metaKeys.producer(op.state.producerId, op.state.topicId, op.state.partition), op.state);
        return;
      case "deleteProducer":
        this.meta.removeSync(metaKeys.producer(op.producerId, op.topicId, op.partition));
        return;
      case "group":
        this.meta.putSync(metaKeys.group(op.meta.topicId, op.meta.group), op.meta);
        return;
      case "deleteGroup": {
        this.meta.removeSync(metaKeys.group(op.topicId, op.group));
        const start = metaKeys.groupOffset(op.topicId, op.group, 0);
        const end = metaKeys.groupOffset(op.topicId, op.group, 0x7fff_ffff);
        for (const key of this.meta.getKeys({ start, end })) this.meta.removeSync(key);
        return;
      }
      case "groupOffset":
        this.meta.putSync(metaKeys.groupOffset(op.topicId, op.group, op.partition), op.offset);
        return;
    }
  }

  async trimBefore(topicId: number, partition: number, cutoffMs: number): Promise<number> {
    const { start, end } = partitionRange(topicId, partition);
    const doomed: Buffer[] = [];
    let next: Buffer | undefined;
    for (const { key, value } of this.records.getRange({ start, end, limit: DELETE_CHUNK_RECORDS + 1 })) {
      if (chunkAppendTimeMs(value) >= cutoffMs) {
        next = key;
        break;
      }
      doomed.push(key);
    }
    // The newest chunk stays: it is what tells the partition's end offset after a restart.
    if (!next) next = doomed.pop();
    if (doomed.length > 0) {
      await this.env.transaction(() => {
        for (const key of doomed) this.records.removeSync(key);
      });
    }
    return next ? offsetOfKey(next) : this.partitionEnd(topicId, partition);
  }

  /** Deletes a deleted topic's records in chunks, then forgets the topic id. */
  async removeTopicRecords(topicId: number, partitions: number): Promise<void> {
    for (let p = 0; p < partitions; p++) {
      const { start, end } = partitionRange(topicId, p);
      for (;;) {
        const keys = [...this.records.getKeys({ start, end, limit: DELETE_CHUNK_RECORDS })];
        if (keys.length === 0) break;
        await this.env.transaction(() => {
          for (const key of keys) this.records.removeSync(key);
        });
      }
    }
    await this.env.transaction(() => {
      this.meta.removeSync(metaKeys.deletedTopic(topicId));
    });
  }

  /** Topics deleted before a restart whose records are not yet removed. */
  pendingTopicDeletions(): { topicId: number; partitions: number }[] {
    const out: { topicId: number; partitions: number }[] = [];
    for (const { key, value } of this.meta.getRange({ start: ["deleted-topic"], end: ["deleted-topic", Number.MAX_SAFE_INTEGER] })) {
      out.push({ topicId: key[1] as number, partitions: value as number });
    }
    return out;
  }

  close(): Promise<void> {
    this.closing ??= this.env.close();
    return this.closing;
  }
}
