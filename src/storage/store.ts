/**
 * The storage interfaces. `LmdbStore` is the real one; `MemoryStore` implements the
 * same contract for fast unit tests of the engine and coordinator.
 */

/** A topic's durable settings. Topic ids are never reused, so a deleted topic's
 * leftover records can never be mistaken for a new topic's. */
export interface TopicMeta {
  readonly id: number;
  readonly name: string;
  readonly partitions: number;
  readonly retentionMs: number;
  readonly retentionBytes: number;
  readonly createdAtMs: number;
}

/** A run of records one idempotent producer appended to one partition in one request:
 * sequences firstSeq.. map to offsets firstOffset.. one to one. */
export interface ProducerRun {
  readonly firstSeq: number;
  readonly firstOffset: number;
  readonly count: number;
}

/** What the broker remembers of an idempotent producer on one partition. */
export interface ProducerState {
  readonly producerId: string;
  readonly topicId: number;
  readonly partition: number;
  /** Oldest first; bounded (see ProducerRegistry). */
  readonly runs: readonly ProducerRun[];
  readonly updatedAtMs: number;
}

/** A consumer group's durable settings. */
export interface GroupMeta {
  readonly topicId: number;
  readonly group: string;
  readonly ackDeadlineMs: number;
  readonly maxAttempts: number;
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
  readonly deadLetterTopic: string;
  readonly createdAtMs: number;
}

/** One stored record: its offset, the broker's append time, and the record's
 * protobuf bytes exactly as the producer sent them. */
export interface StoredRecord {
  readonly offset: number;
  readonly appendTimeMs: number;
  readonly bytes: Uint8Array;
}

/** One change inside an atomic, durable write. */
export type WriteOp =
  | {
      /** Consecutive records of one partition from `firstOffset`, appended together. */
      readonly kind: "records";
      readonly topicId: number;
      readonly partition: number;
      readonly firstOffset: number;
      readonly appendTimeMs: number;
      readonly records: readonly Uint8Array[];
    }
  | { readonly kind: "topic"; readonly meta: TopicMeta }
  | { readonly kind: "deleteTopic"; readonly meta: TopicMeta }
  | { readonly kind: "producer"; readonly state: ProducerState }
  | { readonly kind: "deleteProducer"; readonly producerId: string; readonly topicId: number; readonly partition: number }
  | { readonly kind: "group"; readonly meta: GroupMeta }
  | { readonly kind: "deleteGroup"; readonly topicId: number; readonly group: string }
  | { readonly kind: "groupOffset"; readonly topicId: number; readonly group: string; readonly partition: number; readonly offset: number };

export interface Store {
  /** All live topics. */
  loadTopics(): TopicMeta[];
  /** The id the next created topic gets (larger than every id ever used). */
  nextTopicId(): number;
  /** Every idempotent producer's state. */
  loadProducerStates(): ProducerState[];
  /** Every group's settings. */
  loadGroups(): GroupMeta[];
  /** A group's committed offsets by partition (absent = none committed). */
  loadGroupOffsets(topicId: number, group: string): Map<number, number>;
  /** The offset the next record of the partition gets: last stored + 1, or 0. Never scans. */
  partitionEnd(topicId: number, partition: number): number;
  /** The first stored offset of the partition, or `end` when it is empty. */
  partitionStart(topicId: number, partition: number, end: number): number;
  /** Records from `fromOffset` upward: at most maxRecords, and stopping once maxBytes
   * is reached (the first record is always returned). */
  readRecords(topicId: number, partition: number, fromOffset: number, maxRecords: number, maxBytes: number): StoredRecord[];
  /** Applies all ops in one transaction; resolves once it is durable (synced, unless
   * the store was opened without sync). Rejects with nothing applied on failure.
   * Writes are applied and settle in call order. */
  write(ops: readonly WriteOp[]): Promise<void>;
  /** How many write() calls may be pending at once (absent: 1). A store that allows
   * more fails every write called after a failed one, applying nothing, until
   * recover() is called: those writes were built on the failed one's offsets. */
  readonly writeDepth?: number;
  /** Accepts writes again after a failed one (see writeDepth). */
  recover?(): void;
  /** Removes a partition's oldest chunks appended before `cutoffMs`, never its newest
   * chunk (which keeps the end offset); returns the new first offset. */
  trimBefore(topicId: number, partition: number, cutoffMs: number): Promise<number>;
  /** Topics deleted whose records are not yet all removed (say, after a restart). */
  pendingTopicDeletions(): { topicId: number; partitions: number }[];
  /** Removes stored records of a deleted topic in chunks, then forgets the topic id. */
  removeTopicRecords(topicId: number, partitions: number): Promise<void>;
  /** Closes the store; idempotent. */
  close(): Promise<void>;
}
