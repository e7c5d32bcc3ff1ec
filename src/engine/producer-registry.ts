/**
 * Idempotent producers: per producer id and partition, the last few runs of
 * sequences the broker appended. A retried sequence is answered with its original
 * offset (once that write is durable); a gap is refused; a sequence older than the
 * window is refused as DUPLICATE_SEQUENCE, never appended twice.
 */
import { DuplicateSequenceError, InvalidArgumentError, OutOfOrderSequenceError } from "../errors.js";
import type { ProducerRun, ProducerState, Store, WriteOp } from "../storage/store.js";

/** Runs (requests) remembered per producer and partition. */
export const PRODUCER_RUNS_KEPT = 16;
export const MAX_PRODUCER_ID_LENGTH = 64;

interface Entry {
  state: ProducerState;
  /** Settles when the last write that changed this entry is durable (or failed). */
  lastWrite: Promise<void>;
}

export type SequenceCheck =
  | { readonly kind: "append" }
  | { readonly kind: "duplicate"; readonly firstOffset: number; readonly durable: Promise<void> };

function entryKey(producerId: string, topicId: number, partition: number): string {
  return `${producerId}\u0000${topicId}\u0000${partition}`;
}

export function validateProducerId(producerId: string): void {
  if (producerId.length > MAX_PRODUCER_ID_LENGTH) {
    throw new InvalidArgumentError(`producer_id of ${producerId.length} characters exceeds ${MAX_PRODUCER_ID_LENGTH}`);
  }
}

export class ProducerRegistry {
  private entries = new Map<string, Entry>();

  constructor(private readonly retentionMs: number) {}

  /** Loads every producer's state; returns delete ops for those idle past retention. */
  load(store: Store, nowMs: number): WriteOp[] {
    this.entries.clear();
    const expired: WriteOp[] = [];
    for (const state of store.loadProducerStates()) {
      if (nowMs - state.updatedAtMs > this.retentionMs) {
        expired.push({ kind: "deleteProducer", producerId: state.producerId, topicId: state.topicId, partition: state.partition });
      } else {
        this.entries.set(entryKey(state.producerId, state.topicId, state.partition), { state, lastWrite: Promise.resolve() });
      }
    }
    return expired;
  }

  /** Decides whether sequences firstSeq..firstSeq+count-1 are new, retried, or out of order. */
  check(producerId: string, topicId: number, partition: number, firstSeq: number, count: number): SequenceCheck {
    if (firstSeq < 0) throw new InvalidArgumentError(`sequence must be 0 or more, got ${firstSeq}`);
    const entry = this.entries.get(entryKey(producerId, topicId, partition));
    const last = entry?.state.runs.at(-1);
    if (!entry || !last) return { kind: "append" };
    const expected = last.firstSeq + last.count;
    if (firstSeq === expected) return { kind: "append" };
    if (firstSeq > expected || firstSeq + count > expected) {
      throw new OutOfOrderSequenceError(producerId, partition, expected, firstSeq);
    }
    // Every sequence was seen: they must all lie in one remembered run to be answered.
    for (const run of entry.state.runs) {
      if (firstSeq >= run.firstSeq && firstSeq + count <= run.firstSeq + run.count) {
        return { kind: "duplicate", firstOffset: run.firstOffset + (firstSeq - run.firstSeq), durable: entry.lastWrite };
      }
    }
    throw new DuplicateSequenceError(producerId, partition, firstSeq);
  }

  /** Records an appended run; returns the op that persists it with the records. */
  record(producerId: string, topicId: number, partition: number, run: ProducerRun, nowMs: number): WriteOp {
    const key = entryKey(producerId, topicId, partition);
    const previous = this.entries.get(key)?.state.runs ?? [];
    const runs = [...previous.slice(-(PRODUCER_RUNS_KEPT - 1)), run];
    const state: ProducerState = { producerId, topicId, partition, runs, updatedAtMs: nowMs };
    this.entries.set(key, { state, lastWrite: Promise.resolve() });
    return { kind: "producer", state };
  }

  /** Ties the entry to the write that persists it, so retries wait for durability. */
  trackWrite(producerId: string, topicId: number, partition: number, write: Promise<void>): void {
    const entry = this.entries.get(entryKey(producerId, topicId, partition));
    if (!entry) return;
    write.catch(() => undefined); // the caller handles the failure; retries awaiting it see it too
    entry.lastWrite = write;
  }

  /** Drops state of a deleted topic. */
  forgetTopic(topicId: number): WriteOp[] {
    const ops: WriteOp[] = [];
    for (const [key, { state }] of this.entries) {
      if (state.topicId !== topicId) continue;
      this.entries.delete(key);
      ops.push({ kind: "deleteProducer", producerId: state.producerId, topicId, partition: state.partition });
    }
    return ops;
  }

  /** Producers idle past retention: forget them and return their delete ops. */
  expire(nowMs: number): WriteOp[] {
    const ops: WriteOp[] = [];
    for (const [key, { state }] of this.entries) {
      if (nowMs - state.updatedAtMs <= this.retentionMs) continue;
      this.entries.delete(key);
      ops.push({ kind: "deleteProducer", producerId: state.producerId, topicId: state.topicId, partition: state.partition });
    }
    return ops;
  }
}
