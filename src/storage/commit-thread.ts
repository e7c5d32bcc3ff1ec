/**
 * The durable commit path of LmdbStore: a worker thread (lmdb-commit-worker.js) that
 * owns every write transaction and syncs it before it answers. Commits queued when it
 * starts a transaction share that transaction and its fsync.
 *
 * Why not lmdb-js's own async `transaction()`: its callback runs on the main thread
 * inside the writer thread's transaction, so one commit waits for three turns of the
 * broker's busy event loop (the batching `setImmediate`, the callback, the answer).
 * Under `produce/100B-batch1000` that was about 2 ms of a 4–6 ms commit before the
 * callback even started. Here the main thread prepares the puts (record chunks already
 * encoded into the shared CommitArena), posts them, and waits for one answer.
 */
import { Worker } from "node:worker_threads";
import type { MetaKey } from "./keys.js";

/** The databases a write can target, in the worker's order. */
export const COMMIT_DBS = { records: 0, meta: 1 } as const;

/** One put or remove of a commit, or the removal of every meta key in [start, end).
 * Record values are views of the CommitArena's shared buffer, or own their ArrayBuffer
 * (which is then transferred). */
export type StoreWrite =
  | { readonly put: true; readonly db: 0; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly put: true; readonly db: 1; readonly key: MetaKey; readonly value: unknown }
  | { readonly put: false; readonly db: 0; readonly key: Uint8Array }
  | { readonly put: false; readonly db: 1; readonly key: MetaKey }
  | { readonly put: false; readonly db: 1; readonly key?: undefined; readonly start: MetaKey; readonly end: MetaKey };

interface Pending {
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

type Answer = { readonly id: number; readonly error?: string } | { readonly closed: true };

export class CommitThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | undefined;
  private closing: Promise<void> | undefined;
  private markClosed: (() => void) | undefined;

  /** @param options the `open()` options of the environment, exactly as the main thread opened it. */
  constructor(options: Record<string, unknown>) {
    this.worker = new Worker(new URL("./lmdb-commit-worker.js", import.meta.url), { workerData: { options } });
    this.worker.unref();
    this.worker.on("message", (answer: Answer) => this.settle(answer));
    this.worker.on("error", (err) => this.fail(err));
    this.worker.on("exit", (code) => this.fail(new Error(`the LMDB commit thread exited (code ${code})`)));
  }

  /**
   * Applies `writes` in one durable transaction; `transfer` holds the record values'
   * own buffers, if any. After a failed `chained` commit the thread fails every later
   * chained one, applying nothing, until recover().
   */
  commit(writes: readonly StoreWrite[], transfer: ArrayBuffer[], chained: boolean): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new Error("the store is closed"));
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Referenced while a commit is pending, so the process waits for it.
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ id, writes, chained }, transfer);
    });
  }

  /** Chained commits posted from now on are applied again. */
  recover(): void {
    if (!this.failure && !this.closing) this.worker.postMessage({ recover: true });
  }

  /** Lets pending commits finish, then closes the worker's environment and ends it. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.failure) return;
      this.worker.ref();
      // The worker answers in order: "closed" comes after every pending commit's answer.
      const closed = new Promise<void>((resolve) => (this.markClosed = resolve));
      this.worker.postMessage({ close: true });
      await closed;
      await this.worker.terminate();
    })();
    return this.closing;
  }

  private settle(answer: Answer): void {
    if ("closed" in answer) {
      this.markClosed?.();
      return;
    }
    const p = this.pending.get(answer.id);
    if (!p) return;
    this.pending.delete(answer.id);
    if (this.pending.size === 0 && !this.closing) this.worker.unref();
    if (answer.error === undefined) p.resolve();
    else p.reject(new Error(answer.error));
  }

  private fail(err: Error): void {
    if (this.closing && this.pending.size === 0) return;
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
