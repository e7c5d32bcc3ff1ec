/** Admin: topics (create, list, describe, delete) and groups (list, describe, reset, delete). */
import type { AdminService, GroupPartition, TopicInfo as TopicInfoMessage } from "./gen/ferry/v1/admin_pb.js";
import type { Rpc } from "./rpc.js";
import { toStartPosition, type StartPosition } from "./values.js";
import type { GroupOptions } from "./consumer.js";

export interface TopicInfo {
  readonly name: string;
  readonly partitions: number;
  readonly retentionMs: number;
  readonly retentionBytes: number;
  readonly createdAtMs: number;
}

export interface TopicDescription {
  readonly topic: TopicInfo;
  readonly partitions: readonly { readonly partition: number; readonly startOffset: number; readonly endOffset: number }[];
}

export interface CreateTopicOptions {
  /** 0 or unset = the broker's default partition count. */
  readonly partitions?: number;
  readonly retentionMs?: number;
  readonly retentionBytes?: number;
}

export interface GroupSummary {
  readonly group: string;
  readonly topic: string;
  readonly members: number;
  readonly generation: number;
  readonly lag: number;
}

export interface GroupMemberInfo {
  readonly memberId: string;
  readonly clientId: string;
  readonly peer: string;
  readonly partitions: readonly number[];
  readonly inFlight: number;
  readonly maxInFlight: number;
}

export interface GroupPartitionInfo {
  readonly partition: number;
  readonly committedOffset: number;
  readonly logEndOffset: number;
  readonly lag: number;
  readonly inFlight: number;
  readonly oldestUnackedAgeMs: number;
  readonly memberId: string;
}

export interface GroupDescription {
  readonly group: string;
  readonly topic: string;
  readonly generation: number;
  readonly options: Required<Omit<GroupOptions, "deadLetterTopic">> & { readonly deadLetterTopic: string };
  readonly members: readonly GroupMemberInfo[];
  readonly partitions: readonly GroupPartitionInfo[];
}

function topicInfo(t: TopicInfoMessage | undefined): TopicInfo {
  return {
    name: t?.name ?? "",
    partitions: t?.partitions ?? 0,
    retentionMs: Number(t?.retentionMs ?? 0n),
    retentionBytes: Number(t?.retentionBytes ?? 0n),
    createdAtMs: Number(t?.createdAtMs ?? 0n),
  };
}

function groupPartition(p: GroupPartition): GroupPartitionInfo {
  return {
    partition: p.partition,
    committedOffset: Number(p.committedOffset),
    logEndOffset: Number(p.logEndOffset),
    lag: Number(p.lag),
    inFlight: p.inFlight,
    oldestUnackedAgeMs: Number(p.oldestUnackedAgeMs),
    memberId: p.memberId,
  };
}

export class Admin {
  constructor(private readonly rpc: Rpc<typeof AdminService.method>) {}

  async createTopic(name: string, options: CreateTopicOptions = {}): Promise<TopicInfo> {
    const res = await this.rpc.createTopic({
      name,
      partitions: options.partitions ?? 0,
      retentionMs: BigInt(options.retentionMs ?? 0),
      retentionBytes: BigInt(options.retentionBytes ?? 0),
    });
    return topicInfo(res.topic);
  }

  async deleteTopic(name: string): Promise<void> {
    await this.rpc.deleteTopic({ name });
  }

  async listTopics(): Promise<TopicInfo[]> {
    const res = await this.rpc.listTopics({});
    return res.topics.map(topicInfo);
  }

  /** Throws TopicNotFoundError unless `createIfMissing`. */
  async describeTopic(name: string, options: { createIfMissing?: boolean } = {}): Promise<TopicDescription> {
    const res = await this.rpc.describeTopic({ name, createIfMissing: options.createIfMissing ?? false });
    return {
      topic: topicInfo(res.topic),
      partitions: res.partitions.map((p) => ({ partition: p.partition, startOffset: Number(p.startOffset), endOffset: Number(p.endOffset) })),
    };
  }

  /** Groups, of one topic or of all. */
  async listGroups(topic = ""): Promise<GroupSummary[]> {
    const res = await this.rpc.listGroups({ topic });
    return res.groups.map((g) => ({ group: g.group, topic: g.topic, members: g.members, generation: Number(g.generation), lag: Number(g.lag) }));
  }

  async describeGroup(group: string, topic: string): Promise<GroupDescription> {
    const res = await this.rpc.describeGroup({ group, topic });
    const o = res.options;
    return {
      group: res.group,
      topic: res.topic,
      generation: Number(res.generation),
      options: {
        ackDeadlineMs: Number(o?.ackDeadlineMs ?? 0n),
        maxAttempts: o?.maxAttempts ?? 0,
        backoffMinMs: Number(o?.backoffMinMs ?? 0n),
        backoffMaxMs: Number(o?.backoffMaxMs ?? 0n),
        deadLetterTopic: o?.deadLetterTopic ?? "",
      },
      members: res.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, peer: m.peer, partitions: [...m.partitions], inFlight: m.inFlight, maxInFlight: m.maxInFlight })),
      partitions: res.partitions.map(groupPartition),
    };
  }

  /** Moves a group's committed offsets (all partitions, or the ones given); returns the new ones. */
  async resetGroupOffsets(group: string, topic: string, position: StartPosition, partitions: readonly number[] = []): Promise<{ partition: number; offset: number }[]> {
    const res = await this.rpc.resetGroupOffsets({ group, topic, position: toStartPosition(position), partitions: [...partitions] });
    return res.offsets.map((o) => ({ partition: o.partition, offset: Number(o.offset) }));
  }

  async deleteGroup(group: string, topic: string): Promise<void> {
    await this.rpc.deleteGroup({ group, topic });
  }
}
