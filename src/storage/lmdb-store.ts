/**
 * The LMDB store: the only module that imports lmdb. One environment with two
 * databases: `records` (chunks of records from chunk-codec.ts under binary keys
 * from keys.ts: topic, partition, first offset)
 * and `meta` (ordered-binary array keys, msgpack values).
 */
import { mkdirSync } from "node:fs";
import { open, type Database, type RootDatabase } from "lmdb";
import { metaKeys, offsetOfKey, partitionRange, recordKey, type MetaKey } from "./keys.js";
import { chunkAppendTimeMs, chunkBytes, chunkRecordCount, encodeChunk, readChunk, splitIntoChunks, writeChunk } from "./chunk-codec.js";
import { CommitArena, type Region } from "./commit-arena.js";
import { COMMIT_DBS, CommitThread, type StoreWrite } from "./commit-thread.js";
import type { GroupMeta, ProducerState, Store, StoredRecord, TopicMeta, WriteOp } from "./store.js";

export interface LmdbStoreOptions {
  /** The environment's folder; created if missing. */
  readonly path: string;
  /** fsync each commit before it resolves. @defaultValue true */
  readonly sync?: boolean;
}

/** Without sync, commits holding at most this many record bytes run on the calling thread. */
const INLINE_COMMIT_MAX_BYTES = 64 * 1024;

const { records: RECORDS, meta: META } = COMMIT_DBS;

/** A commit ready for LMDB: its writes, the buffers to transfer, its record bytes, and
 * the arena region its chunks are in (if they are). */
interface PreparedCommit {
  readonly writes: readonly StoreWrite[];
  readonly transfer: ArrayBuffer[];
  readonly recordBytes: number;
  readonly region?: Region | undefined;
}

/** Removes record chunks by key (keys copied, so none shares a pooled buffer). */
function removals(keys: readonly Buffer[]): PreparedCommit {
  return { writes: keys.map((key) => ({ put: false, db: RECORDS, key: new Uint8Array(key) }) as const), transfer: [], recordBytes: 0 };
}

/** How many commits may wait for the commit thread at once. It commits all that are
 * queued when it starts a transaction, so this only bounds the memory they hold. */
const COMMIT_THREAD_DEPTH = 16;

/** Shared memory for durable commits' chunks: 16 commits of one 1000 × 100 B batch take
 * under 2 MiB; a commit that does not fit gets buffers of its own. */
const COMMIT_ARENA_BYTES = 8 * 1024 * 1024;

/** How many records one background delete transaction removes. */
const DELETE_CHUNK_RECORDS = 10_000;

export class LmdbStore implements Store {
  private readonly env: RootDatabase;
  private readonly records: Database<Buffer, Buffer>;
  private readonly meta: Database<unknown, MetaKey>;
  private closing: Promise<void> | undefined;
  /** Durable stores commit on their own thread; without sync, commits run here (or on lmdb's writer thread). */
  private readonly commitThread: CommitThread | undefined;
  /** Where durable commits' chunks are encoded for the commit thread. */
  private readonly arena: CommitArena | undefined;
  /** The largest next topic id handed to a commit (ids are never reused, even after a failed one). */
  private nextTopicIdWritten: number | undefined;
  /** COMMIT_THREAD_DEPTH with the commit thread, which groups what is queued; else 1. */
  readonly writeDepth: number;

  constructor(options: LmdbStoreOptions) {
    mkdirSync(options.path, { recursive: true });
    const sync = options.sync ?? true;
    // overlappingSync off: a commit resolves only after its fsync, so "written" means "on disk".
    // noSubdir false: lmdb-js takes a path with an extension ("ferry.d") for a file otherwise.
    const envOptions = { path: options.path, noSubdir: false, overlappingSync: false, noSync: !sync, maxDbs: 8 };
    this.env = open(envOptions);
    this.records = this.env.openDB<Buffer, Buffer>({ name: "records", keyEncoding: "binary", encoding: "binary" });
    this.meta = this.env.openDB<unknown, MetaKey>({ name: "meta" });
    this.commitThread = sync ? new CommitThread(envOptions) : undefined;
    this.arena = sync ? new CommitArena(COMMIT_ARENA_BYTES) : undefined;
    this.writeDepth = this.commitThread ? COMMIT_THREAD_DEPTH : 1;
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
    await this.commit(this.prepare(ops), true);
  }

  recover(): void {
    this.commitThread?.recover();
  }

  /** Turns ops into puts and removes. Runs while earlier writes may still be pending
   * (writeDepth), so it reads nothing those could change. */
  private prepare(ops: readonly WriteOp[]): PreparedCommit {
    const writes: StoreWrite[] = [];
    const chunks: { key: Uint8Array; appendTimeMs: number; records: Uint8Array[]; bytes: number }[] = [];
    let recordBytes = 0;
    const putMeta = (key: MetaKey, value: unknown): void => void writes.push({ put: true, db: META, key, value });
    const removeMeta = (key: MetaKey): void => void writes.push({ put: false, db: META, key });
    for (const op of ops) {
      switch (op.kind) {
        case "records": {
          let offset = op.firstOffset;
          for (const records of splitIntoChunks(op.records)) {
            // The key is copied out of Buffer's pool: a pooled view would clone the whole slab.
            const key = new Uint8Array(recordKey(op.topicId, op.partition, offset));
            const bytes = chunkBytes(records);
            chunks.push({ key, appendTimeMs: op.appendTimeMs, records, bytes });
            recordBytes += bytes;
            offset += records.length;
          }
          break;
        }
        case "topic":
          putMeta(metaKeys.topic(op.meta.name), op.meta);
          // Kept here, not read back: a pending write may not have stored the last one yet.
          this.nextTopicIdWritten = Math.max(this.nextTopicIdWritten ?? this.nextTopicId(), op.meta.id + 1);
          putMeta(metaKeys.nextTopicId, this.nextTopicIdWritten);
          break;
        case "deleteTopic":
          removeMeta(metaKeys.topic(op.meta.name));
          putMeta(metaKeys.deletedTopic(op.meta.id), op.meta.partitions);
          break;
        case "producer":
          putMeta(metaKeys.producer(op.state.producerId, op.state.topicId, op.state.partition), op.state);
          break;
        case "deleteProducer":
          removeMeta(metaKeys.producer(op.producerId, op.topicId, op.partition));
          break;
        case "group":
          putMeta(metaKeys.group(op.meta.topicId, op.meta.group), op.meta);
          break;
        case "deleteGroup":
          removeMeta(metaKeys.group(op.topicId, op.group));
          // A range, resolved inside the transaction: a pending write may add an offset.
          writes.push({ put: false, db: META, start: metaKeys.groupOffset(op.topicId, op.group, 0), end: metaKeys.groupOffset(op.topicId, op.group, 0x7fff_ffff) });
          break;
        case "groupOffset":
          putMeta(metaKeys.groupOffset(op.topicId, op.group, op.partition), op.offset);
          break;
      }
    }
    // The chunks go into one region of the arena, or else each into a buffer of its own
    // (transferred to the commit thread, if any).
    const slot = this.arena?.alloc(recordBytes);
    const transfer: ArrayBuffer[] = [];
    let pos = 0;
    for (const c of chunks) {
      let value: Uint8Array;
      if (slot) {
        value = slot.bytes.subarray(pos, pos + c.bytes);
        writeChunk(value, c.appendTimeMs, c.records);
      } else {
        value = encodeChunk(c.appendTimeMs, c.records);
        if (this.commitThread) transfer.push(value.buffer as ArrayBuffer);
      }
      pos += c.bytes;
      writes.push({ put: true, db: RECORDS, key: c.key, value });
    }
    return { writes, transfer, recordBytes, region: slot?.region };
  }

  /** Applies a prepared commit in one transaction; durable (synced) unless opened without sync.
   * `chained`: one of write()'s commits (see Store.writeDepth). */
  private async commit(prepared: PreparedCommit, chained: boolean): Promise<void> {
    if (this.commitThread) {
      try {
        await this.commitThread.commit(prepared.writes, prepared.transfer, chained);
      } finally {
        // Answered: the commit thread is done with the region, applied or not.
        if (prepared.region) this.arena?.release(prepared.region);
      }
      // The main thread's read snapshot may predate the commit: read the new state next.
      this.env.resetReadTxn();
      return;
    }
    const apply = (): void => {
      for (const w of prepared.writes) {
        if (w.db === RECORDS) {
          if (w.put) this.records.putSync(w.key as Buffer, w.value as Buffer);
          else this.records.removeSync(w.key as Buffer);
        } else if (w.put) this.meta.putSync(w.key, w.value);
        else if (w.key !== undefined) this.meta.removeSync(w.key);
        else for (const key of this.meta.getKeys({ start: w.start, end: w.end })) this.meta.removeSync(key);
      }
    };
    // Without fsync a small commit is a few page writes: doing it here costs microseconds,
    // while handing it to lmdb's writer thread costs two thread hops (hundreds of µs). A
    // large one stays on the writer thread, which writes its pages in parallel with us.
    if (prepared.recordBytes <= INLINE_COMMIT_MAX_BYTES) this.env.transactionSync(apply);
    else await this.env.transaction(apply);
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
    if (doomed.length > 0) await this.commit(removals(doomed), false);
    return next ? offsetOfKey(next) : this.partitionEnd(topicId, partition);
  }

  /** Deletes a deleted topic's records in chunks, then forgets the topic id. */
  async removeTopicRecords(topicId: number, partitions: number): Promise<void> {
    for (let p = 0; p < partitions; p++) {
      const { start, end } = partitionRange(topicId, p);
      for (;;) {
        const keys = [...this.records.getKeys({ start, end, limit: DELETE_CHUNK_RECORDS })];
        if (keys.length === 0) break;
        await this.commit(removals(keys), false);
      }
    }
    await this.commit({ writes: [{ put: false, db: META, key: metaKeys.deletedTopic(topicId) }], transfer: [], recordBytes: 0 }, false);
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
    this.closing ??= (async () => {
      await this.commitThread?.close();
      await this.env.close();
    })();
    return this.closing;
  }
}
