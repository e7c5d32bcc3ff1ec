/**
 * All consumer groups: creates and loads them, runs each member's subscription
 * loop, serves group-less reads, and answers group admin. Groups are keyed by
 * topic and name.
 */
import { randomUUID } from "node:crypto";
import type { BrokerConfig } from "../config.js";
import type { Broker } from "../engine/broker.js";
import type { PartitionLog } from "../engine/partition-log.js";
import { validateTopicName, type Topic } from "../engine/topic-registry.js";
import {
  GroupHasMembersError,
  GroupNotFoundError,
  GroupOptionsMismatchError,
  InvalidArgumentError,
  InvalidPartitionError,
  ShuttingDownError,
  TopicNotFoundError,
} from "../errors.js";
import { deadLetterTopicName } from "../delivery/dead-letter.js";
import type { Logger } from "../observability/logger.js";
import type { GroupMeta, StoredRecord, TopicMeta, WriteOp } from "../storage/store.js";
import type { Clock } from "../util/clock.js";
import { Group, PULL_MAX_BYTES, PULL_MAX_RECORDS, type Delivery } from "./group.js";
import { Member, type AssignmentEvent } from "./member.js";

export type StartFrom = "earliest" | "latest" | "offset" | "timestamp";

export interface StartPosition {
  readonly from: StartFrom;
  readonly offset: number;
  readonly timestampMs: number;
}

/** Group settings a subscriber asked for; 0 / "" = not given. */
export interface RequestedGroupOptions {
  readonly ackDeadlineMs: number;
  readonly maxAttempts: number;
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
  readonly deadLetterTopic: string;
}

export interface GroupSubscription {
  readonly topic: string;
  readonly group: string;
  readonly start: StartPosition;
  readonly maxInFlight: number;
  readonly clientId: string;
  readonly peer: string;
  readonly options: RequestedGroupOptions;
}

export type SubscriptionEvent = { readonly kind: "assignment"; readonly assignment: AssignmentEvent } | { readonly kind: "records"; readonly deliveries: Delivery[] };

/** The most a member may ask for as max_in_flight. */
export const MAX_IN_FLIGHT_LIMIT = 100_000;

function groupKey(topicId: number, group: string): string {
  return `${topicId}\u0000${group}`;
}

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly creating = new Map<string, Promise<Group>>();
  private closed = false;

  constructor(
    private readonly broker: Broker,
    private readonly config: BrokerConfig,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    for (const meta of broker.store.loadGroups()) {
      const topic = broker.topics.byId(meta.topicId);
      if (topic) this.groups.set(groupKey(meta.topicId, meta.group), this.newGroup(meta, topic, broker.store.loadGroupOffsets(meta.topicId, meta.group)));
    }
    broker.onTopicDeleted = (meta) => this.dropTopic(meta);
    broker.onTrimmed = (topicId, partition, startOffset) => {
      for (const group of this.groups.values()) if (group.meta.topicId === topicId) group.skipTrimmed(partition, startOffset);
    };
  }

  /** The coordinator's clock, for ages reported to admins. */
  nowMs(): number {
    return this.clock.nowMs();
  }

  private newGroup(meta: GroupMeta, topic: Topic, committed: ReadonlyMap<number, number>): Group {
    return new Group(meta, topic, committed, this.broker, this.clock, this.log);
  }

  // ---- subscribe in a group ---------------------------------------------

  async *subscribe(request: GroupSubscription, signal: AbortSignal): AsyncGenerator<SubscriptionEvent> {
    const maxInFlight = request.maxInFlight || this.config.maxInFlight;
    if (maxInFlight < 0 || maxInFlight > MAX_IN_FLIGHT_LIMIT) {
      throw new InvalidArgumentError(`max_in_flight must be between 0 (the default) and ${MAX_IN_FLIGHT_LIMIT}, got ${request.maxInFlight}`);
    }
    const group = await this.joinOrCreate(request);
    if (this.closed) throw new ShuttingDownError();
    const member = new Member(randomUUID(), request.clientId, request.peer, maxInFlight);
    group.join(member);
    this.log.debug({ group: group.name, member: member.id, peer: request.peer }, "member joined");
    try {
      while (!signal.aborted && !member.isEnded) {
        const assignment = member.takeAssignment();
        if (assignment) {
          yield { kind: "assignment", assignment };
          continue;
        }
        const deliveries = group.pull(member);
        if (deliveries.length > 0) {
          yield { kind: "records", deliveries };
          continue;
        }
        await member.waitForWork(signal);
      }
      if (member.endError) throw member.endError;
    } finally {
      group.leave(member);
      this.log.debug({ group: group.name, member: member.id }, "member left");
    }
  }

  private async joinOrCreate(request: GroupSubscription): Promise<Group> {
    if (request.group.length > 200 || !/^[a-zA-Z0-9._-]+$/.test(request.group)) {
      throw new InvalidArgumentError(`group name '${request.group}' must be 1 to 200 characters of a-z, A-Z, 0-9, '.', '_' and '-'`);
    }
    const topic = await this.broker.topicForWrite(request.topic);
    const key = groupKey(topic.meta.id, request.group);
    const existing = this.groups.get(key) ?? (await this.creating.get(key));
    if (existing) {
      checkOptions(existing.meta, request.options);
      return existing;
    }
    const creation = this.create(topic, request).finally(() => this.creating.delete(key));
    this.creating.set(key, creation);
    return creation;
  }

  private async create(topic: Topic, request: GroupSubscription): Promise<Group> {
    const o = request.options;
    const meta: GroupMeta = {
      topicId: topic.meta.id,
      group: request.group,
      ackDeadlineMs: o.ackDeadlineMs || this.config.ackDeadlineMs,
      maxAttempts: o.maxAttempts || this.config.maxAttempts,
      backoffMinMs: o.backoffMinMs || this.config.backoffMinMs,
      backoffMaxMs: o.backoffMaxMs || Math.max(this.config.backoffMaxMs, o.backoffMinMs),
      deadLetterTopic: o.deadLetterTopic || deadLetterTopicName(topic.meta.name, request.group),
      createdAtMs: this.clock.nowMs(),
    };
    if (meta.ackDeadlineMs < 1 || meta.maxAttempts < 1 || meta.backoffMinMs < 0 || meta.backoffMaxMs < meta.backoffMinMs) {
      throw new InvalidArgumentError("group options: ack_deadline_ms and max_attempts must be positive, and backoff_min_ms <= backoff_max_ms");
    }
    validateTopicName(meta.deadLetterTopic);
    const committed = new Map(topic.logs.map((log) => [log.partition, this.startOffset(log, request.start)] as const));
    const ops: WriteOp[] = [{ kind: "group", meta }];
    for (const [partition, offset] of committed) ops.push({ kind: "groupOffset", topicId: meta.topicId, group: meta.group, partition, offset });
    await this.broker.commits.submit(ops);
    const group = this.newGroup(meta, topic, committed);
    this.groups.set(groupKey(meta.topicId, meta.group), group);
    this.log.info({ group: meta.group, topic: topic.meta.name }, "group created");
    return group;
  }

  startOffset(log: PartitionLog, start: StartPosition): number {
    switch (start.from) {
      case "earliest":
        return log.startOffset;
      case "latest":
        return log.durableEnd;
      case "offset":
        return Math.min(Math.max(start.offset, log.startOffset), log.durableEnd);
      case "timestamp":
        return this.broker.offsetForTime(log, start.timestampMs);
    }
  }

  // ---- acks ----------------------------------------------------------------

  settle(topicName: string, groupName: string, memberId: string, items: Parameters<Group["settle"]>[1]): Promise<boolean[]> {
    return this.find(topicName, groupName).settle(memberId, items, this.config.maxBatchRecords);
  }

  // ---- group-less reads ----------------------------------------------------

  async *read(topicName: string, partition: number | undefined, start: StartPosition, signal: AbortSignal): AsyncGenerator<Delivery[]> {
    const topic = this.broker.topics.get(topicName);
    if (partition !== undefined && (!topic.logs[partition] || !Number.isInteger(partition))) {
      throw new InvalidPartitionError(topicName, partition, topic.meta.partitions);
    }
    const logs = partition === undefined ? topic.logs : [topic.logs[partition]!];
    const cursors = logs.map((log) => this.startOffset(log, start));
    let wake: (() => void) | undefined;
    const notify = (): void => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const stops = logs.map((log) => log.onDurable(notify));
    signal.addEventListener("abort", notify);
    try {
      while (!signal.aborted && !this.closed) {
        const batch: Delivery[] = [];
        let bytes = 0;
        logs.forEach((log, i) => {
          if (batch.length >= PULL_MAX_RECORDS || bytes >= PULL_MAX_BYTES) return;
          const records: StoredRecord[] = this.broker.read(log, cursors[i]!, PULL_MAX_RECORDS - batch.length, PULL_MAX_BYTES - bytes);
          for (const record of records) {
            batch.push({ partition: log.partition, record, attempt: 0 });
            bytes += record.bytes.length;
            cursors[i] = record.offset + 1;
          }
        });
        if (batch.length > 0) {
          yield batch;
          continue;
        }
        if (this.broker.topics.find(topicName) !== topic) throw new TopicNotFoundError(topicName);
        await new Promise<void>((resolve) => {
          wake = resolve;
          if (signal.aborted || this.closed) resolve();
        });
      }
      if (this.closed) throw new ShuttingDownError();
    } finally {
      for (const stop of stops) stop();
      signal.removeEventListener("abort", notify);
    }
  }

  // ---- admin ---------------------------------------------------------------

  find(topicName: string, groupName: string): Group {
    const topic = this.broker.topics.get(topicName);
    const group = this.groups.get(groupKey(topic.meta.id, groupName));
    if (!group) throw new GroupNotFoundError(groupName, topicName);
    return group;
  }

  list(topicName: string): Group[] {
    const topicId = topicName === "" ? undefined : this.broker.topics.get(topicName).meta.id;
    return [...this.groups.values()]
      .filter((g) => topicId === undefined || g.meta.topicId === topicId)
      .sort((a, b) => (a.topic.meta.name + "\u0000" + a.name < b.topic.meta.name + "\u0000" + b.name ? -1 : 1));
  }

  async resetOffsets(topicName: string, groupName: string, start: StartPosition, partitions: readonly number[]): Promise<Map<number, number>> {
    const group = this.find(topicName, groupName);
    if (group.members.size > 0) throw new GroupHasMembersError(groupName, group.members.size);
    for (const p of partitions) {
      if (!group.topic.logs[p] || !Number.isInteger(p)) throw new InvalidPartitionError(topicName, p, group.topic.meta.partitions);
    }
    const chosen = partitions.length > 0 ? partitions : group.topic.logs.map((l) => l.partition);
    const offsets = new Map(chosen.map((p) => [p, this.startOffset(group.topic.logs[p]!, start)] as const));
    await group.resetOffsets(offsets);
    return offsets;
  }

  async deleteGroup(topicName: string, groupName: string): Promise<void> {
    const group = this.find(topicName, groupName);
    if (group.members.size > 0) throw new GroupHasMembersError(groupName, group.members.size);
    this.groups.delete(groupKey(group.meta.topicId, groupName));
    group.close();
    await group.drain();
    await this.broker.commits.submit([{ kind: "deleteGroup", topicId: group.meta.topicId, group: groupName }]);
  }

  private dropTopic(meta: TopicMeta): void {
    for (const [key, group] of this.groups) {
      if (group.meta.topicId !== meta.id) continue;
      this.groups.delete(key);
      group.close(new TopicNotFoundError(meta.name));
      void group.drain().then(() => this.broker.commits.submit([{ kind: "deleteGroup", topicId: meta.id, group: group.name }]).catch(() => undefined));
    }
  }

  // ---- lifecycle -------------------------------------------------------------

  /** Ends every member stream (UNAVAILABLE) and stops timers. */
  close(): void {
    this.closed = true;
    for (const group of this.groups.values()) group.close(new ShuttingDownError());
  }

  /** Waits for offset writes and dead-lettering in progress. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.groups.values()].map((g) => g.drain()));
  }
}

function checkOptions(meta: GroupMeta, asked: RequestedGroupOptions): void {
  const mismatches: string[] = [];
  const check = (name: string, have: number | string, want: number | string, unset: number | string): void => {
    if (want !== unset && want !== have) mismatches.push(`${name} is ${have}, the request asks ${want}`);
  };
  check("ack_deadline_ms", meta.ackDeadlineMs, asked.ackDeadlineMs, 0);
  check("max_attempts", meta.maxAttempts, asked.maxAttempts, 0);
  check("backoff_min_ms", meta.backoffMinMs, asked.backoffMinMs, 0);
  check("backoff_max_ms", meta.backoffMaxMs, asked.backoffMaxMs, 0);
  check("dead_letter_topic", meta.deadLetterTopic, asked.deadLetterTopic, "");
  if (mismatches.length > 0) {
    throw new GroupOptionsMismatchError(
      `group '${meta.group}' exists with other settings: ${mismatches.join("; ")}; subscribe without options, or delete the group first`,
    );
  }
}
