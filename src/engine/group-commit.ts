/**
 * Group commit: every write submitted while a commit is in progress goes into the
 * next single transaction, so durability costs one sync per batch of callers, not
 * one per record. An idle store commits at once (after the current microtasks), so
 * a lone producer does not wait for a timer. Commits run one at a time, in
 * submission order.
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
  private committing = false;
  private scheduled = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: (() => void) | undefined;

  /**
   * @param onFailure called after a failed commit, once its callers and the callers
   *   queued behind it were rejected, so the engine can roll back what it assigned.
   */
  constructor(
    private readonly store: Store,
    private readonly onFailure: (err: unknown) => void,
  ) {}

  /** Queues ops for the next commit; resolves once they are durable, after `onDurable` ran. */
  submit(ops: readonly WriteOp[], onDurable?: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      for (const op of ops) this.ops.push(op);
      this.waiters.push({ resolve, reject, onDurable });
      if (!this.committing && !this.scheduled) {
        this.scheduled = true;
        if (!this.markIdle) this.idle = new Promise<void>((r) => (this.markIdle = r));
        queueMicrotask(() => void this.flush());
      }
    });
  }

  /** Resolves when every submitted write has settled. */
  drained(): Promise<void> {
    return this.idle;
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    while (this.waiters.length > 0) {
      const ops = this.ops;
      const waiters = this.waiters;
      this.ops = [];
      this.waiters = [];
      this.committing = true;
      try {
        await this.store.write(ops);
      } catch (err) {
        // Writes queued behind the failed one were given offsets after its own: fail them too.
        const queued = this.waiters;
        this.ops = [];
        this.waiters = [];
        this.committing = false;
        for (const w of waiters) w.reject(err);
        for (const w of queued) w.reject(err);
        this.onFailure(err);
        continue;
      }
      this.committing = false;
      for (const w of waiters) {
        w.onDurable?.();
        w.resolve();
      }
    }
    const done = this.markIdle;
    this.markIdle = undefined;
    done?.();
  }
}
