import type { Clock } from "../../src/util/clock.js";

/** A clock that moves only when told: timers fire in `advance`. */
export class FakeClock implements Clock {
  private timers: { atMs: number; fn: () => void; id: number }[] = [];
  private nextId = 0;

  constructor(private now = 1_700_000_000_000) {}

  nowMs(): number {
    return this.now;
  }

  setTimer(delayMs: number, fn: () => void): () => void {
    const id = this.nextId++;
    this.timers.push({ atMs: this.now + delayMs, fn, id });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  }

  /** Moves time forward, firing due timers in time order. */
  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      this.timers.sort((a, b) => a.atMs - b.atMs);
      const next = this.timers[0];
      if (!next || next.atMs > target) break;
      this.timers.shift();
      this.now = Math.max(this.now, next.atMs);
      next.fn();
    }
    this.now = target;
  }
}
