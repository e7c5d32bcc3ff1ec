/**
 * One partition's offsets in memory: the next offset to assign (at append), the
 * durable end (after the commit), and readers waiting for new records.
 */
export class PartitionLog {
  /** The offset the next appended record gets. */
  nextOffset: number;
  /** One past the last durable record: what readers may see. */
  durableEnd: number;
  /** The first stored offset. */
  startOffset: number;
  /** Append times never go backwards within a partition, so time lookups can bisect. */
  lastAppendTimeMs = 0;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly topicId: number,
    readonly partition: number,
    end: number,
    start: number,
  ) {
    this.nextOffset = end;
    this.durableEnd = end;
    this.startOffset = start;
  }

  /** Reserves `count` offsets; returns the first. */
  assign(count: number): number {
    const base = this.nextOffset;
    this.nextOffset += count;
    return base;
  }

  /** The append time for records appended now. */
  appendTime(nowMs: number): number {
    this.lastAppendTimeMs = Math.max(this.lastAppendTimeMs, nowMs);
    return this.lastAppendTimeMs;
  }

  /** Records up to `end` are durable: wake readers. */
  markDurable(end: number): void {
    if (end <= this.durableEnd) return;
    this.durableEnd = end;
    for (const listener of [...this.listeners]) listener();
  }

  /** A commit failed: forget offsets assigned but never made durable. */
  rollback(): void {
    this.nextOffset = this.durableEnd;
  }

  /** Calls `listener` whenever new records become durable; returns the unsubscribe. */
  onDurable(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
