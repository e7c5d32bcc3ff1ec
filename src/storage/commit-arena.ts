/**
 * Shared memory the main thread encodes record chunks into for the commit thread, so
 * a durable commit allocates nothing per chunk. Transferring a fresh ArrayBuffer per
 * chunk instead left the dead ones to the commit thread's GC, which frees external
 * memory only when it has grown by tens of MiB: the broker's RssAnon climbed with it.
 *
 * A ring: each commit takes one contiguous region, and regions are given back when
 * their commit is answered. A commit that does not fit now gets undefined (the caller
 * then uses a buffer of its own).
 */
export interface Region {
  readonly start: number;
  readonly end: number;
  done: boolean;
}

export class CommitArena {
  readonly buffer: SharedArrayBuffer;
  private readonly bytes: Uint8Array;
  /** Live regions, oldest first. */
  private readonly regions: Region[] = [];
  /** Where the next region starts. */
  private head = 0;

  constructor(readonly capacityBytes: number) {
    this.buffer = new SharedArrayBuffer(capacityBytes);
    this.bytes = new Uint8Array(this.buffer);
  }

  /** `size` contiguous bytes until release(), or undefined when they do not fit now. */
  alloc(size: number): { region: Region; bytes: Uint8Array } | undefined {
    if (size <= 0) return undefined;
    const start = this.place(size);
    if (start === undefined) return undefined;
    const region: Region = { start, end: start + size, done: false };
    this.regions.push(region);
    this.head = region.end;
    return { region, bytes: this.bytes.subarray(start, region.end) };
  }

  /** Gives a region back; space is reused once every older region is given back too. */
  release(region: Region): void {
    region.done = true;
    while (this.regions[0]?.done) this.regions.shift();
    if (this.regions.length === 0) this.head = 0;
  }

  /** Bytes held by live regions and the gaps between them. */
  get usedBytes(): number {
    const oldest = this.regions[0];
    if (!oldest) return 0;
    return this.head >= oldest.start ? this.head - oldest.start : this.capacityBytes - oldest.start + this.head;
  }

  private place(size: number): number | undefined {
    const oldest = this.regions[0];
    if (!oldest) return size <= this.capacityBytes ? 0 : undefined;
    if (this.head > oldest.start) {
      // Not wrapped: free space after head, then before the oldest region.
      if (this.head + size <= this.capacityBytes) return this.head;
      return size < oldest.start ? 0 : undefined;
    }
    // Wrapped: free space is between head and the oldest region (kept strictly apart).
    return this.head + size < oldest.start ? this.head : undefined;
  }
}
