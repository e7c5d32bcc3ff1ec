/**
 * One partition's side of the Producer: pending records, at most one ProduceBatch in
 * flight (so idempotent sequences arrive in order), retries with backoff that resend
 * the very same bytes and sequences, and flush markers.
 */
import type { BrokerService } from "./gen/ferry/v1/broker_pb.js";
import type { Rpc } from "./rpc.js";
import { encodeProduceBatch, type OutgoingRecord } from "./batch-encoder.js";
import { backoffDelayMs, sleep } from "./backoff.js";
import { DuplicateSequenceError, isRetryable, OutOfOrderSequenceError, toFerryError, type FerryError } from "./errors.js";
import type { RecordPosition } from "./producer.js";

export interface QueueConfig {
  readonly broker: Rpc<typeof BrokerService.method>;
  /** Undefined: not idempotent. */
  readonly producerId: string | undefined;
  readonly lingerMs: number;
  readonly maxBatchRecords: number;
  readonly maxBatchBytes: number;
  readonly deliveryTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly retryBackoffMinMs: number;
  readonly retryBackoffMaxMs: number;
  /** Aborted when the producer has closed: stops retry sleeps early. */
  readonly signal: AbortSignal;
  /** `count` records left the producer (sent or failed). */
  readonly onSettled: (count: number) => void;
}

interface Entry {
  readonly record: OutgoingRecord;
  readonly size: number;
  readonly resolve: (position: RecordPosition) => void;
  readonly reject: (err: FerryError) => void;
}

export class PartitionQueue {
  private pending: Entry[] = [];
  private pendingBytes = 0;
  private inFlight = false;
  private timer: NodeJS.Timeout | undefined;
  private nextSequence = 0;
  /** Bumped when the broker's view of our sequences is unknown; starts a fresh producer id. */
  private epoch = 0;
  private enqueued = 0;
  private settled = 0;
  private flushWaiters: { target: number; resolve: () => void }[] = [];
  private readonly topicBytes: Uint8Array;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly config: QueueConfig,
    /** Called when a batch is cut (unkeyed records then rotate to another partition). */
    private readonly onCut: () => void,
  ) {
    this.topicBytes = Buffer.from(topic, "utf8");
  }

  add(record: OutgoingRecord, size: number): Promise<RecordPosition> {
    return new Promise((resolve, reject) => {
      this.pending.push({ record, size, resolve, reject });
      this.pendingBytes += size;
      this.enqueued++;
      if (this.inFlight) return;
      if (this.pending.length >= this.config.maxBatchRecords || this.pendingBytes >= this.config.maxBatchBytes) this.dispatch();
      else this.timer ??= setTimeout(() => this.dispatch(), this.config.lingerMs);
    });
  }

  /** Sends what is pending now; resolves once every record enqueued so far has settled. */
  flush(): Promise<void> {
    if (this.settled >= this.enqueued) return Promise.resolve();
    const target = this.enqueued;
    if (!this.inFlight) this.dispatch();
    return new Promise((resolve) => this.flushWaiters.push({ target, resolve }));
  }

  private dispatch(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.inFlight || this.pending.length === 0) return;
    let count = 0;
    let bytes = 0;
    while (count < this.pending.length && count < this.config.maxBatchRecords) {
      const size = this.pending[count]!.size;
      if (count > 0 && bytes + size > this.config.maxBatchBytes) break;
      bytes += size;
      count++;
    }
    const entries = this.pending.splice(0, count);
    this.pendingBytes -= bytes;
    this.inFlight = true;
    this.onCut();
    void this.send(entries).finally(() => this.done(entries.length));
  }

  private producerId(): string {
    const id = this.config.producerId;
    if (id === undefined) return "";
    return this.epoch === 0 ? id : `${id}.${this.epoch}`;
  }

  private async send(entries: Entry[]): Promise<void> {
    const idempotent = this.config.producerId !== undefined;
    const firstSequence = idempotent ? this.nextSequence : 0;
    if (idempotent) this.nextSequence += entries.length;
    const request = encodeProduceBatch({
      topic: this.topicBytes,
      records: entries.map((e) => e.record),
      partition: this.partition,
      producerId: Buffer.from(this.producerId(), "utf8"),
      firstSequence,
    });
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.config.broker.produceBatch(request, { timeoutMs: this.config.requestTimeoutMs });
        for (let i = 0; i < entries.length; i++) {
          entries[i]!.resolve({ topic: this.topic, partition: res.partitions[i] ?? this.partition, offset: Number(res.offsets[i] ?? -1n) });
        }
        return;
      } catch (caught) {
        const err = toFerryError(caught);
        const delay = backoffDelayMs(attempt, this.config.retryBackoffMinMs, this.config.retryBackoffMaxMs);
        if (isRetryable(err) && !this.config.signal.aborted && Date.now() - started + delay <= this.config.deliveryTimeoutMs) {
          await sleep(delay, this.config.signal);
          continue;
        }
        if (idempotent) {
          if (isRetryable(err) || err instanceof OutOfOrderSequenceError || err instanceof DuplicateSequenceError) {
            // The batch may or may not have been appended: continue under a fresh id.
            this.epoch++;
            this.nextSequence = 0;
          } else {
            // The broker refused the whole batch: its sequences are free again.
            this.nextSequence = firstSequence;
          }
        }
        for (const entry of entries) entry.reject(err);
        return;
      }
    }
  }

  private done(count: number): void {
    this.settled += count;
    this.inFlight = false;
    this.config.onSettled(count);
    if (this.flushWaiters.length > 0) {
      const ready = this.flushWaiters.filter((w) => w.target <= this.settled);
      this.flushWaiters = this.flushWaiters.filter((w) => w.target > this.settled);
      for (const w of ready) w.resolve();
    }
    // Records that arrived while the batch was in flight have waited long enough.
    if (this.pending.length > 0) this.dispatch();
  }
}
