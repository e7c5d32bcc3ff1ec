/**
 * Producer: `send(record)` resolves to the record's position once it is durable.
 * Records are batched per partition (linger a few ms or until a batch is full), one
 * ProduceBatch in flight per partition, so callers sending one record at a time get
 * batch throughput. Idempotent by default: a producer id and per-partition
 * sequences make retries (UNAVAILABLE, DEADLINE_EXCEEDED) safe from duplicates.
 */
import { randomUUID } from "node:crypto";
import { Client } from "./client.js";
import { ClientClosedError, FerryError, InvalidPartitionError, isRetryable, toFerryError } from "./errors.js";
import { backoffDelayMs, sleep } from "./backoff.js";
import { PartitionQueue, type QueueConfig } from "./partition-queue.js";
import { recordSize, type OutgoingRecord } from "./batch-encoder.js";
import { partitionForKey } from "./murmur2.js";
import { toBytes, type Bytes } from "./values.js";
import { status } from "@grpc/grpc-js";

/** @defaultValue 2 */
export const DEFAULT_LINGER_MS = 2;
/** @defaultValue 5000 (half the broker's max_batch_records: fewer calls when records queue up) */
export const DEFAULT_MAX_BATCH_RECORDS = 5000;
/** @defaultValue 1 MiB */
export const DEFAULT_MAX_BATCH_BYTES = 1024 * 1024;
/** @defaultValue 30000 */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 30_000;
/** @defaultValue 10000 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** @defaultValue 100000 */
export const DEFAULT_MAX_BUFFERED_RECORDS = 100_000;

export interface ProducerRecord {
  /** The topic; defaults to the producer's `topic` option. */
  readonly topic?: string;
  /** The key: records with one key go to one partition, in order. Empty = no key. */
  readonly key?: Bytes | undefined;
  readonly value: Bytes;
  readonly headers?: Readonly<Record<string, Bytes>> | undefined;
  /** An explicit partition; wins over the key. */
  readonly partition?: number | undefined;
  /** The producer's timestamp (ms since the epoch); 0 or unset = none. */
  readonly timestampMs?: number | undefined;
}

/** Where a record landed. */
export interface RecordPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export interface ProducerOptions {
  /** The topic for records that name none. */
  readonly topic?: string;
  /** How long a partition's first pending record waits for more. @defaultValue DEFAULT_LINGER_MS */
  readonly lingerMs?: number;
  /** The most records per ProduceBatch (at most the broker's max_batch_records). @defaultValue DEFAULT_MAX_BATCH_RECORDS */
  readonly maxBatchRecords?: number;
  /** A batch is cut once its records reach this many bytes. @defaultValue DEFAULT_MAX_BATCH_BYTES */
  readonly maxBatchBytes?: number;
  /** Producer id and sequences, so retries never duplicate. @defaultValue true */
  readonly idempotent?: boolean;
  /** How long a batch is retried before its sends reject. @defaultValue DEFAULT_DELIVERY_TIMEOUT_MS */
  readonly deliveryTimeoutMs?: number;
  /** The deadline of each ProduceBatch call. @defaultValue DEFAULT_REQUEST_TIMEOUT_MS */
  readonly requestTimeoutMs?: number;
  /** Records buffered and in flight before `send` waits for room. @defaultValue DEFAULT_MAX_BUFFERED_RECORDS */
  readonly maxBufferedRecords?: number;
  /** First and largest retry delay. @defaultValue 50 and 1000 */
  readonly retryBackoffMinMs?: number;
  readonly retryBackoffMaxMs?: number;
}

interface TopicState {
  readonly name: string;
  queues: PartitionQueue[] | undefined;
  ready: Promise<PartitionQueue[]>;
  /** The partition unkeyed records go to until its batch is cut. */
  sticky: number;
}

export class Producer {
  /** This producer's id (a UUID) as sent to the broker. */
  readonly id = randomUUID();
  private readonly client: Client;
  private readonly ownsClient: boolean;
  private readonly config: QueueConfig;
  private readonly defaultTopic: string | undefined;
  private readonly maxBuffered: number;
  private readonly topics = new Map<string, TopicState>();
  private buffered = 0;
  private roomWaiters: (() => void)[] = [];
  private closing: Promise<void> | undefined;
  private readonly stop = new AbortController();

  /** `client` is a Client, or a `host:port` address for a connection this producer owns. */
  constructor(client: Client | string, options: ProducerOptions = {}) {
    this.ownsClient = typeof client === "string";
    this.client = typeof client === "string" ? new Client(client) : client;
    this.defaultTopic = options.topic;
    this.maxBuffered = options.maxBufferedRecords ?? DEFAULT_MAX_BUFFERED_RECORDS;
    this.config = {
      broker: this.client.broker,
      producerId: options.idempotent === false ? undefined : this.id,
      lingerMs: options.lingerMs ?? DEFAULT_LINGER_MS,
      maxBatchRecords: options.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS,
      maxBatchBytes: options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES,
      deliveryTimeoutMs: options.deliveryTimeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      retryBackoffMinMs: options.retryBackoffMinMs ?? 50,
      retryBackoffMaxMs: options.retryBackoffMaxMs ?? 1000,
      signal: this.stop.signal,
      onSettled: (count) => this.released(count),
    };
  }

  /** Sends one record; resolves to its position once it is durable on the broker. */
  send(record: ProducerRecord): Promise<RecordPosition> {
    if (this.closing) return Promise.reject(new ClientClosedError("producer"));
    const topic = record.topic ?? this.defaultTopic;
    if (topic === undefined) return Promise.reject(new FerryError("INVALID_ARGUMENT", status.INVALID_ARGUMENT, "record has no topic and the producer has no default topic"));
    const out = toOutgoing(record);
    const size = recordSize(out);
    if (this.buffered >= this.maxBuffered) return this.waitForRoom().then(() => this.send(record));
    this.buffered++;
    const state = this.topicState(topic);
    if (state.queues) return this.route(state, state.queues, out, size, record.partition);
    return state.ready.then(
      (queues) => this.route(state, queues, out, size, record.partition),
      (err: unknown) => {
        this.released(1);
        throw err;
      },
    );
  }

  /** Sends everything buffered now and resolves when it has settled (sent or failed). */
  async flush(): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const state of this.topics.values()) {
      waits.push(state.ready.then((queues) => Promise.all(queues.map((q) => q.flush())).then(() => undefined), () => undefined));
    }
    await Promise.all(waits);
  }

  /** Flushes, then stops; later sends reject with ClientClosedError. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.flush();
      this.stop.abort();
      if (this.ownsClient) this.client.close();
    })();
    return this.closing;
  }

  private route(state: TopicState, queues: PartitionQueue[], out: OutgoingRecord, size: number, explicit: number | undefined): Promise<RecordPosition> {
    let partition: number;
    if (explicit !== undefined) {
      partition = explicit;
      if (!Number.isInteger(partition) || partition < 0 || partition >= queues.length) {
        this.released(1);
        return Promise.reject(
          new InvalidPartitionError("INVALID_PARTITION", status.INVALID_ARGUMENT, `partition ${partition} does not exist in topic '${state.name}', which has partitions 0 to ${queues.length - 1}`),
        );
      }
    } else if (out.key && out.key.length > 0) {
      partition = partitionForKey(out.key, queues.length);
    } else {
      partition = state.sticky;
    }
    return queues[partition]!.add(out, size);
  }

  private topicState(name: string): TopicState {
    let state = this.topics.get(name);
    if (state) return state;
    const created: TopicState = { name, queues: undefined, ready: Promise.resolve([]), sticky: 0 };
    created.ready = this.describe(name).then(
      (partitions) => {
        const queues = Array.from({ length: partitions }, (_, p) => new PartitionQueue(name, p, this.config, () => this.rotate(created, p)));
        created.queues = queues;
        created.sticky = Math.floor(Math.random() * partitions);
        return queues;
      },
      (err: unknown) => {
        this.topics.delete(name); // the next send tries again
        throw err;
      },
    );
    this.topics.set(name, created);
    return created;
  }

  /** A batch of `partition` was cut: unkeyed records move on to the next partition. */
  private rotate(state: TopicState, partition: number): void {
    if (state.sticky === partition && state.queues) state.sticky = (partition + 1) % state.queues.length;
  }

  /** The topic's partition count, creating the topic if needed; retried like a batch. */
  private async describe(topic: string): Promise<number> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.client.adminRpc.describeTopic({ name: topic, createIfMissing: true }, { timeoutMs: this.config.requestTimeoutMs });
        const partitions = res.topic?.partitions ?? 0;
        if (partitions < 1) throw new FerryError("INTERNAL", status.INTERNAL, `topic '${topic}' was described with ${partitions} partitions`);
        return partitions;
      } catch (err) {
        const delay = backoffDelayMs(attempt, this.config.retryBackoffMinMs, this.config.retryBackoffMaxMs);
        if (!isRetryable(err) || Date.now() - started + delay > this.config.deliveryTimeoutMs) throw toFerryError(err);
        await sleep(delay);
      }
    }
  }

  private waitForRoom(): Promise<void> {
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  private released(count: number): void {
    this.buffered -= count;
    if (this.roomWaiters.length === 0) return;
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }
}

function toOutgoing(record: ProducerRecord): OutgoingRecord {
  const headers = record.headers ? Object.entries(record.headers).map(([name, value]) => [Buffer.from(name, "utf8"), toBytes(value)] as const) : undefined;
  const key = record.key === undefined ? undefined : toBytes(record.key);
  return { key: key && key.length > 0 ? key : undefined, value: toBytes(record.value), headers, timestampMs: record.timestampMs ?? 0 };
}

