/**
 * An in-memory Store with the same contract as LmdbStore, for unit tests of the
 * engine and the coordinator. Never used by the server.
 */
import type { GroupMeta, ProducerState, Store, StoredRecord, TopicMeta, WriteOp } from "./store.js";

type Entry = Omit<StoredRecord, "offset">;

export class MemoryStore implements Store {
  private readonly topics = new Map<string, TopicMeta>();
  private readonly records = new Map<string, Map<number, Entry>>();
  private readonly producers = new Map<string, ProducerState>();
  private readonly groups = new Map<string, GroupMeta>();
  private readonly offsets = new Map<string, Map<number, number>>();
  private readonly deleted = new Map<number, number>();
  private nextId = 1;
  /** When set, the next write fails with this error (fault injection for tests). */
  failNextWrite: Error | undefined;
  readonly writeDepth: number;
  /** Bumped by recover(); a write called in the epoch of a failed one is not applied. */
  private epoch = 0;
  private failedEpoch = -1;

  /** @param writeDepth as Store.writeDepth: more than 1 lets tests pipeline writes. */
  constructor(options: { writeDepth?: number } = {}) {
    this.writeDepth = options.writeDepth ?? 1;
  }

  recover(): void {
    this.epoch++;
  }

  loadTopics(): TopicMeta[] {
    return [...this.topics.values()];
  }

  nextTopicId(): number {
    return this.nextId;
  }

  loadProducerStates(): ProducerState[] {
    return [...this.producers.values()];
  }

  loadGroups(): GroupMeta[] {
    return [...this.groups.values()];
  }

  loadGroupOffsets(topicId: number, group: string): Map<number, number> {
    return new Map(this.offsets.get(`${topicId}/${group}`));
  }

  private partition(topicId: number, partition: number): Map<number, Entry> {
    const key = `${topicId}/${partition}`;
    let map = this.records.get(key);
    if (!map) this.records.set(key, (map = new Map()));
    return map;
  }

  partitionEnd(topicId: number, partition: number): number {
    let end = 0;
    for (const offset of this.partition(topicId, partition).keys()) end = Math.max(end, offset + 1);
    return end;
  }

  partitionStart(topicId: number, partition: number, end: number): number {
    let start = end;
    for (const offset of this.partition(topicId, partition).keys()) start = Math.min(start, offset);
    return start;
  }

  readRecords(topicId: number, partition: number, fromOffset: number, maxRecords: number, maxBytes: number): StoredRecord[] {
    const map = this.partition(topicId, partition);
    const offsets = [...map.keys()].filter((o) => o >= fromOffset).sort((a, b) => a - b);
    const out: StoredRecord[] = [];
    let bytes = 0;
    for (const offset of offsets.slice(0, maxRecords)) {
      const entry = map.get(offset)!;
      if (out.length > 0 && bytes + entry.bytes.length > maxBytes) break;
      bytes += entry.bytes.length;
      out.push({ offset, ...entry });
    }
    return out;
  }

  async write(ops: readonly WriteOp[]): Promise<void> {
    const epoch = this.epoch;
    await Promise.resolve();
    if (epoch === this.failedEpoch) throw new Error("not applied: an earlier commit failed");
    if (this.failNextWrite) {
      const err = this.failNextWrite;
      this.failNextWrite = undefined;
      this.failedEpoch = epoch;
      throw err;
    }
    for (const op of ops) {
      switch (op.kind) {
        case "records":
          op.records.forEach((bytes, i) => this.partition(op.topicId, op.partition).set(op.firstOffset + i, { appendTimeMs: op.appendTimeMs, bytes }));
          break;
        case "topic":
          this.topics.set(op.meta.name, op.meta);
          this.nextId = Math.max(this.nextId, op.meta.id + 1);
          break;
        case "deleteTopic":
          this.topics.delete(op.meta.name);
          this.deleted.set(op.meta.id, op.meta.partitions);
          break;
        case "producer":
          this.producers.set(`${op.state.producerId}/${op.state.topicId}/${op.state.partition}`, op.state);
          break;
        case "deleteProducer":
          this.producers.delete(`${op.producerId}/${op.topicId}/${op.partition}`);
          break;
        case "group":
          this.groups.set(`${op.meta.topicId}/${op.meta.group}`, op.meta);
          break;
        case "deleteGroup":
          this.groups.delete(`${op.topicId}/${op.group}`);
          this.offsets.delete(`${op.topicId}/${op.group}`);
          break;
        case "groupOffset": {
          const key = `${op.topicId}/${op.group}`;
          let map = this.offsets.get(key);
          if (!map) this.offsets.set(key, (map = new Map()));
          map.set(op.partition, op.offset);
          break;
        }
      }
    }
  }

  async trimBefore(topicId: number, partition: number, cutoffMs: number): Promise<number> {
    await Promise.resolve();
    const map = this.partition(topicId, partition);
    const offsets = [...map.keys()].sort((a, b) => a - b);
    // Records of one append share their time; keep the newest append whatever its age.
    const newest = offsets.length > 0 ? map.get(offsets[offsets.length - 1]!)!.appendTimeMs : 0;
    for (const offset of offsets) {
      const entry = map.get(offset)!;
      if (entry.appendTimeMs >= cutoffMs || entry.appendTimeMs === newest) break;
      map.delete(offset);
    }
    return this.partitionStart(topicId, partition, this.partitionEnd(topicId, partition));
  }

  pendingTopicDeletions(): { topicId: number; partitions: number }[] {
    return [...this.deleted].map(([topicId, partitions]) => ({ topicId, partitions }));
  }

  async removeTopicRecords(topicId: number, partitions: number): Promise<void> {
    await Promise.resolve();
    for (let p = 0; p < partitions; p++) this.records.delete(`${topicId}/${p}`);
    this.deleted.delete(topicId);
  }

  async close(): Promise<void> {}
}
