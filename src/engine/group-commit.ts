/**
 * Group commit: every write submitted while commits are in progress goes into the
 * next single transaction, so durability costs one sync per batch of callers, not
 * one per record. An idle store commits at once (after the current microtasks), so
 * a lone producer does not wait for a timer. Commits are applied in submission order.
 *
 * A store with a `writeDepth` above 1 (the durable LMDB store) is handed later commits
 * while the current one syncs, so its commit thread starts the next one without waiting
 * for the event loop.
 */
import type { Store, WriteOp } from "../storage/store.js";

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
  readonly onDurable: (() => void) | undefined;
}

export class GroupCommit {
  private ops: WriteOp[] = [];
  private waiters: Waiter[] = [];
  /** Waiters of the writes handed to the store and not yet settled, oldest first. */
  private inFlight: Waiter[][] = [];
  private scheduled = false;
  /** Bumped by a failure: writes handed over before it settle as already failed. */
  private generation = 0;
  private readonly depth: number;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: (() => void) | undefined;

  /**
   * @param onFailure called after a failed commit, once its callers and the callers
   *   queued behind it were rejected, so the engine can roll back what it assigned.
   */
  constructor(
    private readonly store: Store,
    private readonly onFailure: (err: unknown) => void,
  ) {
    this.depth = Math.max(1, store.writeDepth ?? 1);
  }

  /** Queues ops for the next commit; resolves once they are durable, after `onDurable` ran. */
  submit(ops: readonly WriteOp[], onDurable?: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      for (const op of ops) this.ops.push(op);
      this.waiters.push({ resolve, reject, onDurable });
      if (!this.markIdle) this.idle = new Promise<void>((r) => (this.markIdle = r));
      if (!this.scheduled && this.inFlight.length < this.depth) {
        this.scheduled = true;
        queueMicrotask(() => {
          this.scheduled = false;
          this.send();
        });
      }
    });
  }

  /** Resolves when every submitted write has settled. */
  drained(): Promise<void> {
    return this.idle;
  }

  private send(): void {
    if (this.waiters.length === 0 || this.inFlight.length >= this.depth) return;
    const ops = this.ops;
    const waiters = this.waiters;
    this.ops = [];
    this.waiters = [];
    this.inFlight.push(waiters);
    const generation = this.generation;
    let write: Promise<void>;
    try {
      write = this.store.write(ops);
    } catch (err) {
      write = Promise.reject(err as Error);
    }
    write.then(
      () => this.settle(generation, waiters, undefined),
      (err: unknown) => this.settle(generation, waiters, err ?? new Error("commit failed")),
    );
  }

  private settle(generation: number, waiters: Waiter[], err: unknown): void {
    // A write handed over before a failure was handled: its callers were rejected then.
    if (generation === this.generation) {
      if (err === undefined) {
        // Stores settle writes in order, so this is the oldest one in flight.
        this.inFlight.shift();
        for (const w of waiters) {
          w.onDurable?.();
          w.resolve();
        }
      } else {
        // The writes handed over or queued after the failed one were given offsets after
        // its own: fail them too. The store applies none of them (see Store.writeDepth).
        const failed = [...this.inFlight.flat(), ...this.waiters];
        this.inFlight = [];
        this.ops = [];
        this.waiters = [];
        this.generation++;
        this.store.recover?.();
        for (const w of failed) w.reject(err);
        this.onFailure(err);
      }
    }
    this.send();
    if (this.inFlight.length === 0 && this.waiters.length === 0) {
      const done = this.markIdle;
      this.markIdle = undefined;
      done?.();
    }
  }
}
