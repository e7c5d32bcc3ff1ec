/**
 * Runs tasks one at a time per key and concurrently across keys: a service handles
 * many orders at once, but each order's events in the order they arrived.
 */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<void>>();

  /** Queues `task` behind the previous task of `key`. `task` must not throw. */
  run(key: string, task: () => Promise<void>): Promise<void> {
    const next = (this.tails.get(key) ?? Promise.resolve()).then(task);
    this.tails.set(key, next);
    void next.finally(() => {
      if (this.tails.get(key) === next) this.tails.delete(key);
    });
    return next;
  }

  /** Resolves when every queued task has finished. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }
}
