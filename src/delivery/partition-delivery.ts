/**
 * One group's delivery state for one partition: which offsets are in flight (with
 * their deadlines and holders), which wait for a retry, which are done above the
 * committed offset, and the cursor of never-delivered records. Time is passed in,
 * so it is tested without clocks. Invariant: `committed` is the lowest offset not
 * done, and every offset in [committed, cursor) is in flight, waiting for a retry,
 * being dead-lettered, or done.
 *
 * The per-offset state lives in typed arrays indexed by `offset & mask` (a ring
 * that grows by doubling up to the unsettled window), not in one object and one
 * map entry per record: delivering and acking a record writes a few array slots.
 * A holder is the group's small-integer slot for a member (see `Group`).
 */

export interface Retry {
  readonly offset: number;
  /** Failed deliveries so far (nacks and timeouts); the next delivery's attempt is failures + 1. */
  readonly failures: number;
  readonly dueMs: number;
  readonly lastError: string;
}

/** The largest distance between the committed offset and the cursor: bounds memory
 * when a low offset stays unsettled while later ones are acked. */
export const MAX_UNSETTLED_WINDOW = 100_000;

/** An offset's state; offsets outside [committed, cursor) read as DONE. */
export const DONE = 0;
export const IN_FLIGHT = 1;
export const WAITING_RETRY = 2;
export const DEAD_LETTERING = 3;

const INITIAL_RING_SLOTS = 1024;

export class PartitionDelivery {
  /** The lowest offset not yet done. */
  committed: number;
  /** The next offset never delivered to this group. */
  cursor: number;
  /** Records waiting for a retry, by offset (their state is WAITING_RETRY). */
  readonly retries = new Map<number, Retry>();
  private inFlightSize = 0;
  private mask = INITIAL_RING_SLOTS - 1;
  private state = new Uint8Array(INITIAL_RING_SLOTS);
  private failures = new Uint32Array(INITIAL_RING_SLOTS);
  private holder = new Int32Array(INITIAL_RING_SLOTS);
  private deadlineMs = new Float64Array(INITIAL_RING_SLOTS);
  private deliveredAtMs = new Float64Array(INITIAL_RING_SLOTS);

  constructor(
    readonly partition: number,
    committed: number,
  ) {
    this.committed = committed;
    this.cursor = committed;
  }

  /** Deliveries in flight now. */
  get inFlightCount(): number {
    return this.inFlightSize;
  }

  /** How many new records may be delivered now without breaking the window bound. */
  windowRoom(): number {
    return Math.max(0, this.committed + MAX_UNSETTLED_WINDOW - this.cursor);
  }

  stateOf(offset: number): number {
    if (offset < this.committed || offset >= this.cursor) return DONE;
    return this.state[offset & this.mask]!;
  }

  /** The holder slot of an in-flight offset. */
  holderOf(offset: number): number {
    return this.holder[offset & this.mask]!;
  }

  /** Failed deliveries so far of an in-flight offset. */
  failuresOf(offset: number): number {
    return this.failures[offset & this.mask]!;
  }

  /** Records a first delivery of `offset` (which must be the cursor). */
  deliverNew(offset: number, holder: number, nowMs: number, ackDeadlineMs: number): void {
    if (offset !== this.cursor) throw new Error(`delivery out of order: ${offset} != cursor ${this.cursor}`);
    if (this.cursor - this.committed >= this.state.length) this.grow();
    this.cursor = offset + 1;
    this.setInFlight(offset, 0, holder, nowMs, nowMs + ackDeadlineMs);
  }

  /** Retries due at `nowMs`, lowest offset first. */
  dueRetries(nowMs: number): Retry[] {
    const due: Retry[] = [];
    for (const retry of this.retries.values()) if (retry.dueMs <= nowMs) due.push(retry);
    return due.sort((a, b) => a.offset - b.offset);
  }

  /** Delivers a retried record again. */
  deliverRetry(retry: Retry, holder: number, nowMs: number, ackDeadlineMs: number): void {
    this.retries.delete(retry.offset);
    this.setInFlight(retry.offset, retry.failures, holder, nowMs, nowMs + ackDeadlineMs);
  }

  /** Moves an in-flight offset's ack deadline. */
  extend(offset: number, deadlineMs: number): void {
    this.deadlineMs[offset & this.mask] = deadlineMs;
  }

  /** Marks `offset` done (acked, dead-lettered or gone); returns true when `committed` moved. */
  markDone(offset: number): boolean {
    if (offset < this.committed || offset >= this.cursor) return false;
    const i = offset & this.mask;
    this.leaveState(offset, i);
    this.state[i] = DONE;
    if (offset !== this.committed) return false; // waits for the lower offsets
    this.advanceCommitted();
    return true;
  }

  /** A failed delivery of an in-flight offset: the record waits until `dueMs`. */
  fail(offset: number, dueMs: number, error: string): Retry {
    const retry: Retry = { offset, failures: this.failuresOf(offset) + 1, dueMs, lastError: error };
    this.scheduleRetry(retry);
    return retry;
  }

  /** The holder lost this partition or left: the delivery returns, due now, not counted as a failure. */
  release(offset: number, nowMs: number): void {
    this.scheduleRetry({ offset, failures: this.failuresOf(offset), dueMs: nowMs, lastError: "" });
  }

  /** Puts an offset in [committed, cursor) into the retry wait. */
  scheduleRetry(retry: Retry): void {
    const i = retry.offset & this.mask;
    this.leaveState(retry.offset, i);
    this.state[i] = WAITING_RETRY;
    this.retries.set(retry.offset, retry);
  }

  /** The offset is being appended to the dead-letter topic; it is neither in flight nor waiting. */
  beginDeadLetter(offset: number): void {
    const i = offset & this.mask;
    this.leaveState(offset, i);
    this.state[i] = DEAD_LETTERING;
  }

  /** Calls `fn` for every in-flight offset, lowest first; `fn` may settle the offset it is given. */
  forEachInFlight(fn: (offset: number, holder: number, deadlineMs: number) => void): void {
    if (this.inFlightSize === 0) return;
    const end = this.cursor;
    for (let offset = this.committed; offset < end; offset++) {
      const i = offset & this.mask;
      if (this.state[i] === IN_FLIGHT) fn(offset, this.holder[i]!, this.deadlineMs[i]!);
    }
  }

  /**
   * Records below `offset` were removed by retention: they count as done. Returns the
   * holder slots of the in-flight deliveries that were dropped (the caller frees them).
   */
  skipTo(offset: number): number[] {
    if (offset <= this.committed) return [];
    const dropped: number[] = [];
    const end = Math.min(offset, this.cursor);
    for (let o = this.committed; o < end; o++) {
      const i = o & this.mask;
      if (this.state[i] === IN_FLIGHT) dropped.push(this.holder[i]!);
      this.leaveState(o, i);
      this.state[i] = DONE;
    }
    this.committed = offset;
    this.cursor = Math.max(this.cursor, offset);
    this.advanceCommitted();
    return dropped;
  }

  /** Forgets all delivery state and restarts from `offset` (offset reset, no members). */
  reset(offset: number): void {
    this.retries.clear();
    this.inFlightSize = 0;
    this.committed = offset;
    this.cursor = offset;
  }

  /** The earliest time something here needs attention (a deadline or a retry), or Infinity. */
  nextWakeMs(): number {
    let next = Infinity;
    this.forEachInFlight((_offset, _holder, deadlineMs) => {
      if (deadlineMs < next) next = deadlineMs;
    });
    for (const r of this.retries.values()) next = Math.min(next, r.dueMs);
    return next;
  }

  /** The oldest in-flight delivery time, or undefined. */
  oldestDeliveredAtMs(): number | undefined {
    let oldest: number | undefined;
    this.forEachInFlight((offset) => {
      const at = this.deliveredAtMs[offset & this.mask]!;
      if (oldest === undefined || at < oldest) oldest = at;
    });
    return oldest;
  }

  private setInFlight(offset: number, failures: number, holder: number, nowMs: number, deadlineMs: number): void {
    const i = offset & this.mask;
    this.state[i] = IN_FLIGHT;
    this.failures[i] = failures;
    this.holder[i] = holder;
    this.deadlineMs[i] = deadlineMs;
    this.deliveredAtMs[i] = nowMs;
    this.inFlightSize++;
  }

  /** Undoes the bookkeeping of the state offset `offset` (at ring index `i`) is leaving. */
  private leaveState(offset: number, i: number): void {
    const s = this.state[i];
    if (s === IN_FLIGHT) this.inFlightSize--;
    else if (s === WAITING_RETRY) this.retries.delete(offset);
  }

  private advanceCommitted(): void {
    while (this.committed < this.cursor && this.state[this.committed & this.mask] === DONE) this.committed++;
  }

  /** Doubles the ring, keeping each offset of [committed, cursor) at its index under the new mask. */
  private grow(): void {
    const slots = this.state.length * 2;
    const mask = slots - 1;
    const state = new Uint8Array(slots);
    const failures = new Uint32Array(slots);
    const holder = new Int32Array(slots);
    const deadlineMs = new Float64Array(slots);
    const deliveredAtMs = new Float64Array(slots);
    for (let o = this.committed; o < this.cursor; o++) {
      const from = o & this.mask;
      const to = o & mask;
      state[to] = this.state[from]!;
      failures[to] = this.failures[from]!;
      holder[to] = this.holder[from]!;
      deadlineMs[to] = this.deadlineMs[from]!;
      deliveredAtMs[to] = this.deliveredAtMs[from]!;
    }
    this.mask = mask;
    this.state = state;
    this.failures = failures;
    this.holder = holder;
    this.deadlineMs = deadlineMs;
    this.deliveredAtMs = deliveredAtMs;
  }
}
