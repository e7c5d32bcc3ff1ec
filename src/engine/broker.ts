/**
 * The engine facade the server's handlers call: produce, fetch and topic admin
 * over one Store. Offsets are assigned in memory at append; every append of one
 * event-loop turn shares one durable commit (GroupCommit).
 */
import {
  BatchTooLargeError,
  InvalidArgumentError,
  InvalidPartitionError,
  OffsetOutOfRangeError,
  RecordTooLargeError,
  ShuttingDownError,
  TopicAlreadyExistsError,
  TopicNotFoundError,
} from "../errors.js";
import type { Logger } from "../observability/logger.js";
import type { Store, StoredRecord, TopicMeta, WriteOp } from "../storage/store.js";
import type { Clock } from "../util/clock.js";
import { GroupCommit } from "./group-commit.js";
import { partitionForKey } from "./partitioner.js";
import type { PartitionLog } from "./partition-log.js";
import { ProducerRegistry, validateProducerId } from "./producer-registry.js";
import { TopicRegistry, validatePartitionCount, validateTopicName, type Topic } from "./topic-registry.js";
import { scheduleRetention } from "./retention.js";
import type { ProduceBatchView } from "./wire-views.js";

export interface BrokerLimits {
  readonly autoCreateTopics: boolean;
  readonly defaultPartitions: number;
  readonly maxPartitions: number;
  readonly maxRecordBytes: number;
  readonly maxBatchRecords: number;
  readonly producerStateRetentionMs: number;
  readonly retentionCheckMs: number;
}

export interface ProduceResult {
  readonly partitions: number[];
  readonly offsets: number[];
  readonly appendTimeMs: number;
  readonly duplicates: number;
}

export interface FetchResult {
  readonly records: StoredRecord[];
  readonly nextOffset: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
}

export interface CreateTopicOptions {
  readonly partitions?: number;
  readonly retentionMs?: number;
  readonly retentionBytes?: number;
}

/** Fetch defaults: 500 records, 1 MiB. */
export const DEFAULT_FETCH_RECORDS = 500;
export const DEFAULT_FETCH_BYTES = 1024 * 1024;
const PRODUCER_EXPIRY_SWEEP_MS = 3600 * 1000;

export class Broker {
  readonly topics = new TopicRegistry();
  readonly commits: GroupCommit;
  private readonly producers: ProducerRegistry;
  private readonly creating = new Map<string, Promise<Topic>>();
  private nextTopicId: number;
  private closed = false;
  private readonly stopSweep: () => void;
  /** Called after a topic is deleted (groups drop their state). */
  onTopicDeleted: (meta: TopicMeta) => void = () => undefined;
  /** Called after retention moved a partition's first offset (groups skip past it). */
  onTrimmed: (topicId: number, partition: number, startOffset: number) => void = () => undefined;
  private readonly stopRetention: () => Promise<void>;

  constructor(
    readonly store: Store,
    readonly limits: BrokerLimits,
    readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.commits = new GroupCommit(store, (err) => this.rollback(err));
    this.producers = new ProducerRegistry(limits.producerStateRetentionMs);
    this.topics.load(store);
    this.nextTopicId = store.nextTopicId();
    const expired = this.producers.load(store, clock.nowMs());
    if (expired.length > 0) void this.commits.submit(expired).catch((err: unknown) => this.log.warn({ err }, "producer expiry failed"));
    for (const { topicId, partitions } of store.pendingTopicDeletions()) this.removeRecordsLater(topicId, partitions);
    this.stopSweep = this.scheduleProducerExpiry();
    this.stopRetention = scheduleRetention(this, limits.retentionCheckMs, (err) => this.log.warn({ err }, "retention sweep failed"));
  }

  private scheduleProducerExpiry(): () => void {
    let cancel = (): void => undefined;
    const sweep = (): void => {
      const ops = this.producers.expire(this.clock.nowMs());
      if (ops.length > 0) void this.commits.submit(ops).catch((err: unknown) => this.log.warn({ err }, "producer expiry failed"));
      cancel = this.clock.setTimer(PRODUCER_EXPIRY_SWEEP_MS, sweep);
    };
    cancel = this.clock.setTimer(PRODUCER_EXPIRY_SWEEP_MS, sweep);
    return () => cancel();
  }

  /** A commit failed: offsets and producer sequences assigned since the last durable one are void. */
  private rollback(err: unknown): void {
    this.log.error({ err }, "commit failed; rolling back unflushed appends");
    for (const log of this.topics.logs()) log.rollback();
    this.producers.load(this.store, this.clock.nowMs());
  }

  private checkOpen(): void {
    if (this.closed) throw new ShuttingDownError();
  }

  // ---- topics ------------------------------------------------------------

  async createTopic(name: string, options: CreateTopicOptions = {}): Promise<TopicMeta> {
    this.checkOpen();
    validateTopicName(name);
    const partitions = options.partitions || this.limits.defaultPartitions;
    validatePartitionCount(partitions, this.limits.maxPartitions);
    const retentionMs = options.retentionMs ?? 0;
    const retentionBytes = options.retentionBytes ?? 0;
    if (retentionMs < 0) throw new InvalidArgumentError(`retention_ms must be 0 or more, got ${retentionMs}`);
    if (retentionBytes !== 0) throw new InvalidArgumentError("retention_bytes is not supported yet; use retention_ms (0 keeps records forever)");
    if (this.topics.find(name) || this.creating.has(name)) throw new TopicAlreadyExistsError(name);
    const topic = await this.createTracked(name, partitions, retentionMs, retentionBytes);
    return topic.meta;
  }

  private createTracked(name: string, partitions: number, retentionMs: number, retentionBytes: number): Promise<Topic> {
    const meta: TopicMeta = { id: this.nextTopicId++, name, partitions, retentionMs, retentionBytes, createdAtMs: this.clock.nowMs() };
    const creation = this.commits
      .submit([{ kind: "topic", meta }])
      .then(() => this.topics.add(this.store, meta))
      .finally(() => this.creating.delete(name));
    this.creating.set(name, creation);
    return creation;
  }

  /** The topic, auto-created (with the default partition count) when allowed. */
  async topicForWrite(name: string): Promise<Topic> {
    const found = this.topics.find(name) ?? (await this.creating.get(name));
    if (found) return found;
    validateTopicName(name);
    if (!this.limits.autoCreateTopics) throw new TopicNotFoundError(name);
    this.checkOpen();
    this.log.info({ topic: name }, "topic auto-created");
    return this.createTracked(name, this.limits.defaultPartitions, 0, 0);
  }

  /** The topic, created with `partitions` when missing, whatever auto-creation says
   * (for topics the broker itself needs, such as dead-letter topics). */
  async ensureTopic(name: string, partitions: number): Promise<Topic> {
    const found = this.topics.find(name) ?? (await this.creating.get(name));
    if (found) return found;
    this.checkOpen();
    validateTopicName(name);
    return this.createTracked(name, partitions, 0, 0);
  }

  async deleteTopic(name: string): Promise<void> {
    this.checkOpen();
    const topic = this.topics.get(name);
    this.topics.remove(name);
    const ops: WriteOp[] = [{ kind: "deleteTopic", meta: topic.meta }, ...this.producers.forgetTopic(topic.meta.id)];
    await this.commits.submit(ops);
    this.onTopicDeleted(topic.meta);
    this.removeRecordsLater(topic.meta.id, topic.meta.partitions);
  }

  private removeRecordsLater(topicId: number, partitions: number): void {
    void this.store.removeTopicRecords(topicId, partitions).catch((err: unknown) => {
      if (!this.closed) this.log.warn({ err, topicId }, "removing a deleted topic's records failed; retried at next start");
    });
  }

  async describeTopic(name: string, createIfMissing: boolean): Promise<Topic> {
    return createIfMissing ? this.topicForWrite(name) : this.topics.get(name);
  }

  // ---- produce -----------------------------------------------------------

  async produce(request: ProduceBatchView): Promise<ProduceResult> {
    this.checkOpen();
    const { records } = request;
    if (records.length === 0) throw new InvalidArgumentError("no records to produce; send at least one");
    if (records.length > this.limits.maxBatchRecords) {
      throw new BatchTooLargeError(`batch of ${records.length} records exceeds max_batch_records ${this.limits.maxBatchRecords}; split it`);
    }
    for (const record of records) {
      if (record.bytes.length > this.limits.maxRecordBytes) throw new RecordTooLargeError(record.bytes.length, this.limits.maxRecordBytes);
    }
    validateProducerId(request.producerId);
    const topic = await this.topicForWrite(request.topic);
    this.checkOpen();
    const count = topic.meta.partitions;
    if (request.partition !== undefined && (request.partition < 0 || request.partition >= count)) {
      throw new InvalidPartitionError(topic.meta.name, request.partition, count);
    }
    const partitions = records.map((r) =>
      request.partition ?? (r.key.length > 0 ? partitionForKey(r.key, count) : topic.roundRobin++ % count),
    );
    if (request.producerId !== "") return this.produceIdempotent(request, topic, partitions);
    return this.append(topic, request, partitions, undefined);
  }

  private async produceIdempotent(request: ProduceBatchView, topic: Topic, partitions: number[]): Promise<ProduceResult> {
    const partition = partitions[0]!;
    if (request.partition === undefined && (partitions.length > 1 || request.records[0]!.key.length === 0)) {
      throw new InvalidArgumentError("an idempotent produce (with producer_id) needs an explicit partition, or a single record with a key");
    }
    const check = this.producers.check(request.producerId, topic.meta.id, partition, request.firstSequence, request.records.length);
    if (check.kind === "duplicate") {
      await check.durable;
      const offsets = request.records.map((_, i) => check.firstOffset + i);
      const appendTimeMs = this.readAppendTime(topic.meta.id, partition, check.firstOffset);
      return { partitions, offsets, appendTimeMs, duplicates: offsets.length };
    }
    return this.append(topic, request, partitions, partition);
  }

  private readAppendTime(topicId: number, partition: number, offset: number): number {
    const [stored] = this.store.readRecords(topicId, partition, offset, 1, 1);
    return stored && stored.offset === offset ? stored.appendTimeMs : 0;
  }

  private async append(topic: Topic, request: ProduceBatchView, partitions: number[], idempotentPartition: number | undefined): Promise<ProduceResult> {
    const now = this.clock.nowMs();
    const offsets: number[] = new Array<number>(partitions.length);
    // Records of one partition get consecutive offsets and are stored as one run.
    const byPartition = new Map<number, number[]>();
    for (let i = 0; i < partitions.length; i++) {
      const p = partitions[i]!;
      const indexes = byPartition.get(p);
      if (indexes) indexes.push(i);
      else byPartition.set(p, [i]);
    }
    const ops: WriteOp[] = [];
    const ends: [PartitionLog, number][] = [];
    let appendTimeMs = 0;
    for (const [p, indexes] of byPartition) {
      const log = topic.logs[p]!;
      const firstOffset = log.assign(indexes.length);
      appendTimeMs = log.appendTime(now);
      indexes.forEach((recordIndex, k) => (offsets[recordIndex] = firstOffset + k));
      ops.push({ kind: "records", topicId: topic.meta.id, partition: p, firstOffset, appendTimeMs, records: indexes.map((i) => request.records[i]!.bytes) });
      ends.push([log, log.nextOffset]);
    }
    if (idempotentPartition !== undefined) {
      const run = { firstSeq: request.firstSequence, firstOffset: offsets[0]!, count: offsets.length };
      ops.push(this.producers.record(request.producerId, topic.meta.id, idempotentPartition, run, now));
    }
    const write = this.commits.submit(ops, () => {
      for (const [log, end] of ends) log.markDurable(end);
    });
    if (idempotentPartition !== undefined) this.producers.trackWrite(request.producerId, topic.meta.id, idempotentPartition, write);
    await write;
    return { partitions, offsets, appendTimeMs, duplicates: 0 };
  }

  // ---- read --------------------------------------------------------------

  partitionLog(topicName: string, partition: number): PartitionLog {
    const topic = this.topics.get(topicName);
    const log = topic.logs[partition];
    if (!log || !Number.isInteger(partition)) throw new InvalidPartitionError(topicName, partition, topic.meta.partitions);
    return log;
  }

  fetch(topicName: string, partition: number, offset: number, maxRecords: number, maxBytes: number): FetchResult {
    this.checkOpen();
    const log = this.partitionLog(topicName, partition);
    if (maxRecords < 0 || maxBytes < 0) throw new InvalidArgumentError("max_records and max_bytes must be 0 or more");
    if (maxRecords > this.limits.maxBatchRecords) {
      throw new InvalidArgumentError(`max_records ${maxRecords} exceeds max_batch_records ${this.limits.maxBatchRecords}`);
    }
    const start = log.startOffset;
    const end = log.durableEnd;
    if (offset < start || offset > end) throw new OffsetOutOfRangeError(offset, start, end);
    const records = offset === end ? [] : this.read(log, offset, maxRecords || DEFAULT_FETCH_RECORDS, maxBytes || DEFAULT_FETCH_BYTES);
    const nextOffset = records.length > 0 ? records[records.length - 1]!.offset + 1 : offset;
    return { records, nextOffset, logStartOffset: start, logEndOffset: end };
  }

  /** Durable records of a partition from `offset`: never past the durable end. */
  read(log: PartitionLog, offset: number, maxRecords: number, maxBytes: number): StoredRecord[] {
    const limit = Math.min(maxRecords, log.durableEnd - offset);
    if (limit <= 0) return [];
    return this.store.readRecords(log.topicId, log.partition, offset, limit, maxBytes);
  }

  /** The first offset whose append time is at or after `timeMs` (the end if none). */
  offsetForTime(log: PartitionLog, timeMs: number): number {
    let lo = log.startOffset;
    let hi = log.durableEnd;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const [stored] = this.store.readRecords(log.topicId, log.partition, mid, 1, 1);
      if (!stored) return hi;
      if (stored.appendTimeMs < timeMs) lo = stored.offset + 1;
      else hi = mid;
    }
    return lo;
  }

  // ---- lifecycle ---------------------------------------------------------

  /** Stops accepting writes and waits for in-flight commits; then closes the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopSweep();
    await this.stopRetention();
    await Promise.allSettled([...this.creating.values()]);
    await this.commits.drained();
    await this.store.close();
  }
}
