/**
 * One live subscription in a group. Its stream loop sleeps in `waitForWork` and is
 * woken by `notify` (new records on its partitions, freed capacity, a due retry, a
 * new assignment, or its end).
 */
export interface AssignmentEvent {
  readonly memberId: string;
  readonly generation: number;
  readonly partitions: readonly number[];
}

export class Member {
  /** The group's holder slot for this member (set on join; see `Group`). */
  slot = -1;
  /** Records delivered to this member and not yet settled. */
  inFlight = 0;
  /** The partitions it owns now. */
  partitions: readonly number[] = [];
  /** Rotates the partition a pull starts with, so no partition starves. */
  pullRotation = 0;
  private pendingAssignment: AssignmentEvent | undefined;
  private wake: (() => void) | undefined;
  private ended: Error | undefined;
  private endedFlag = false;

  constructor(
    readonly id: string,
    readonly clientId: string,
    readonly peer: string,
    readonly maxInFlight: number,
  ) {}

  assign(event: AssignmentEvent): void {
    this.partitions = event.partitions;
    this.pendingAssignment = event;
    this.notify();
  }

  /** The assignment the stream has not sent yet, once. */
  takeAssignment(): AssignmentEvent | undefined {
    const event = this.pendingAssignment;
    this.pendingAssignment = undefined;
    return event;
  }

  notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Ends the member's stream, with `error` when it should fail. */
  end(error?: Error): void {
    this.endedFlag = true;
    this.ended = error;
    this.notify();
  }

  get isEnded(): boolean {
    return this.endedFlag;
  }

  get endError(): Error | undefined {
    return this.ended;
  }

  waitForWork(signal: AbortSignal): Promise<void> {
    if (signal.aborted || this.endedFlag) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        signal.removeEventListener("abort", done);
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
      signal.addEventListener("abort", done, { once: true });
    });
  }
}
