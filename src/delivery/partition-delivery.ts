/**
 * One group's delivery state for one partition: which offsets are in flight (with
 * their deadlines), which wait for a retry, which are done above the committed
 * offset, and the cursor of never-delivered records. Time is passed in, so it is
 * tested without clocks. Invariant: `committed` is the lowest offset not done.
 */
export interface InFlight {
  readonly offset: number;
  /** Failed deliveries so far (nacks and timeouts); this delivery's attempt is failures + 1. */
  readonly failures: number;
  readonly memberId: string;
  deadlineMs: number;
  readonly deliveredAtMs: number;
}

export interface Retry {
  readonly offset: number;
  readonly failures: number;
  readonly dueMs: number;
  readonly lastError: string;
}

/** The largest distance between the committed offset and the cursor: bounds memory
 * when a low offset stays unsettled while later ones are acked. */
export const MAX_UNSETTLED_WINDOW = 100_000;

export class PartitionDelivery {
  /** The lowest offset not yet done. */
  committed: number;
  /** The next offset never delivered to this group. */
  cursor: number;
  readonly inFlight = new Map<number, InFlight>();
  readonly retries = new Map<number, Retry>();
  /** Offsets being appended to the dead-letter topic. */
  readonly deadLettering = new Set<number>();
  private readonly done = new Set<number>();

  constructor(
    readonly partition: number,
    committed: number,
  ) {
    this.committed = committed;
    this.cursor = committed;
  }

  /** How many new records may be delivered now without breaking the window bound. */
  windowRoom(): number {
    return Math.max(0, this.committed + MAX_UNSETTLED_WINDOW - this.cursor);
  }

  /** Records a first delivery of `offset` (which must be the cursor). */
  deliverNew(offset: number, memberId: string, nowMs: number, ackDeadlineMs: number): InFlight {
    if (offset !== this.cursor) throw new Error(`delivery out of order: ${offset} != cursor ${this.cursor}`);
    this.cursor = offset + 1;
    const entry: InFlight = { offset, failures: 0, memberId, deadlineMs: nowMs + ackDeadlineMs, deliveredAtMs: nowMs };
    this.inFlight.set(offset, entry);
    return entry;
  }

  /** Retries due at `nowMs`, lowest offset first. */
  dueRetries(nowMs: number): Retry[] {
    const due: Retry[] = [];
    for (const retry of this.retries.values()) if (retry.dueMs <= nowMs) due.push(retry);
    return due.sort((a, b) => a.offset - b.offset);
  }

  /** Delivers a retried record again. */
  deliverRetry(retry: Retry, memberId: string, nowMs: number, ackDeadlineMs: number): InFlight {
    this.retries.delete(retry.offset);
    const entry: InFlight = { offset: retry.offset, failures: retry.failures, memberId, deadlineMs: nowMs + ackDeadlineMs, deliveredAtMs: nowMs };
    this.inFlight.set(retry.offset, entry);
    return entry;
  }

  /** Marks `offset` done (acked or dead-lettered); returns true when `committed` moved. */
  markDone(offset: number): boolean {
    this.inFlight.delete(offset);
    this.retries.delete(offset);
    this.deadLettering.delete(offset);
    if (offset < this.committed || offset >= this.cursor) return false;
    if (offset !== this.committed) {
      this.done.add(offset); // waits for the lower offsets
      return false;
    }
    this.committed++;
    while (this.done.delete(this.committed)) this.committed++;
    return true;
  }

  /** Whether `offset` is delivered-or-waiting and not yet done. */
  isPending(offset: number): boolean {
    return this.inFlight.has(offset) || this.retries.has(offset);
  }

  /** A failed delivery: the record waits until `dueMs`. */
  fail(entry: InFlight, dueMs: number, error: string): Retry {
    this.inFlight.delete(entry.offset);
    const retry: Retry = { offset: entry.offset, failures: entry.failures + 1, dueMs, lastError: error };
    this.retries.set(entry.offset, retry);
    return retry;
  }

  /** The member lost this partition or left: its deliveries return, due now, not counted as failures. */
  release(entry: InFlight, nowMs: number): void {
    this.inFlight.delete(entry.offset);
    this.retries.set(entry.offset, { offset: entry.offset, failures: entry.failures, dueMs: nowMs, lastError: "" });
  }

  /**
   * Records below `offset` were removed by retention: they count as done. Returns the
   * in-flight deliveries that were dropped (their members' slots are freed by the caller).
   */
  skipTo(offset: number): InFlight[] {
    if (offset <= this.committed) return [];
    const dropped = [...this.inFlight.values()].filter((e) => e.offset < offset);
    for (const e of dropped) this.inFlight.delete(e.offset);
    for (const o of [...this.retries.keys()]) if (o < offset) this.retries.delete(o);
    for (const o of [...this.done]) if (o < offset) this.done.delete(o);
    this.committed = offset;
    this.cursor = Math.max(this.cursor, offset);
    while (this.done.delete(this.committed)) this.committed++;
    return dropped;
  }

  /** Forgets all delivery state and restarts from `offset` (offset reset, no members). */
  reset(offset: number): void {
    this.inFlight.clear();
    this.retries.clear();
    this.deadLettering.clear();
    this.done.clear();
    this.committed = offset;
    this.cursor = offset;
  }

  /** The earliest time something here needs attention (a deadline or a retry), or Infinity. */
  nextWakeMs(): number {
    let next = Infinity;
    for (const e of this.inFlight.values()) next = Math.min(next, e.deadlineMs);
    for (const r of this.retries.values()) next = Math.min(next, r.dueMs);
    return next;
  }

  /** The oldest in-flight delivery time, or undefined. */
  oldestDeliveredAtMs(): number | undefined {
    let oldest: number | undefined;
    for (const e of this.inFlight.values()) oldest = oldest === undefined ? e.deliveredAtMs : Math.min(oldest, e.deliveredAtMs);
    return oldest;
  }
}
