/**
 * The live topics by name, each with its partition logs. Names and counts are
 * validated here.
 */
import { InvalidArgumentError, InvalidTopicNameError, TopicNotFoundError } from "../errors.js";
import type { Store, TopicMeta } from "../storage/store.js";
import { PartitionLog } from "./partition-log.js";

export const MAX_TOPIC_NAME_LENGTH = 200;
const TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;

export interface Topic {
  readonly meta: TopicMeta;
  readonly logs: readonly PartitionLog[];
  /** Round-robin cursor for records without key or partition. */
  roundRobin: number;
}

export function validateTopicName(name: string): void {
  if (name === "") throw new InvalidTopicNameError("topic name is empty; give 1 to 200 characters of a-z, A-Z, 0-9, '.', '_' and '-'");
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    throw new InvalidTopicNameError(`topic name of ${name.length} characters exceeds ${MAX_TOPIC_NAME_LENGTH}`);
  }
  if (!TOPIC_NAME.test(name) || name === "." || name === "..") {
    throw new InvalidTopicNameError(`topic name '${name}' may only use a-z, A-Z, 0-9, '.', '_' and '-' (and is not '.' or '..')`);
  }
}

export function validatePartitionCount(partitions: number, maxPartitions: number): void {
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > maxPartitions) {
    throw new InvalidArgumentError(`partitions must be between 1 and max_partitions ${maxPartitions}, got ${partitions}`);
  }
}

export class TopicRegistry {
  private readonly byName = new Map<string, Topic>();

  /** Loads every topic, finding each partition's end with one reverse seek (no scans). */
  load(store: Store): void {
    for (const meta of store.loadTopics()) this.add(store, meta);
  }

  add(store: Store, meta: TopicMeta): Topic {
    const logs: PartitionLog[] = [];
    for (let p = 0; p < meta.partitions; p++) {
      const end = store.partitionEnd(meta.id, p);
      logs.push(new PartitionLog(meta.id, p, end, store.partitionStart(meta.id, p, end)));
    }
    const topic: Topic = { meta, logs, roundRobin: 0 };
    this.byName.set(meta.name, topic);
    return topic;
  }

  remove(name: string): void {
    this.byName.delete(name);
  }

  find(name: string): Topic | undefined {
    return this.byName.get(name);
  }

  get(name: string): Topic {
    const topic = this.byName.get(name);
    if (!topic) {
      validateTopicName(name);
      throw new TopicNotFoundError(name);
    }
    return topic;
  }

  byId(topicId: number): Topic | undefined {
    for (const topic of this.byName.values()) if (topic.meta.id === topicId) return topic;
    return undefined;
  }

  all(): Topic[] {
    return [...this.byName.values()].sort((a, b) => (a.meta.name < b.meta.name ? -1 : 1));
  }

  /** Every partition log of every topic. */
  *logs(): Iterable<PartitionLog> {
    for (const topic of this.byName.values()) yield* topic.logs;
  }
}
