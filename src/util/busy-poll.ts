/**
 * Busy-polling after activity: for `windowUs` after the last `touch()`, the event
 * loop keeps polling for I/O (a chain of setImmediate callbacks makes libuv poll
 * with a zero timeout) instead of sleeping in epoll_wait. On virtual machines an
 * idle vCPU halts, and waking it for the next packet or the next commit costs
 * 100–300 µs per hop; a request/response exchange makes several hops. Polling
 * through the short gaps between a reply and the next request removes that cost,
 * as Seastar's poll mode or Aeron's busy-spin idle strategy do, and it stops by
 * itself once the broker is idle: no CPU is spent while nothing happens.
 */
export class BusyPoll {
  private untilMs = 0;
  private running = false;
  private closed = false;
  private readonly windowMs: number;

  /**
   * @param windowUs how long to keep polling after the last activity; 0 disables it.
   * @param nowMs a monotonic clock in milliseconds (tests pass their own).
   */
  constructor(
    windowUs: number,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.windowMs = windowUs / 1000;
  }

  /** Marks activity: keeps the loop polling for the next `windowUs`. */
  touch(): void {
    if (this.windowMs <= 0 || this.closed) return;
    this.untilMs = this.nowMs() + this.windowMs;
    if (!this.running) {
      this.running = true;
      setImmediate(this.poll);
    }
  }

  /** Whether the loop is being kept polling now. */
  get polling(): boolean {
    return this.running;
  }

  /** Stops polling for good. */
  close(): void {
    this.closed = true;
  }

  private readonly poll = (): void => {
    if (!this.closed && this.nowMs() < this.untilMs) setImmediate(this.poll);
    else this.running = false;
  };
}
