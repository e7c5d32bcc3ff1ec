import { create } from "@bufbuild/protobuf";
import type { Broker } from "../../engine/broker.js";
import type { Topic } from "../../engine/topic-registry.js";
import { InvalidArgumentError } from "../../errors.js";
import {
  CreateTopicResponseSchema,
  DeleteTopicResponseSchema,
  DescribeTopicResponseSchema,
  ListTopicsResponseSchema,
  PartitionInfoSchema,
  TopicInfoSchema,
  type CreateTopicRequest,
  type CreateTopicResponse,
  type DeleteTopicRequest,
  type DeleteTopicResponse,
  type DescribeTopicRequest,
  type DescribeTopicResponse,
  type ListTopicsResponse,
  type TopicInfo,
} from "../../gen/ferry/v1/admin_pb.js";
import type { TopicMeta } from "../../storage/store.js";
import { toSafeNumber } from "./numbers.js";

export function topicInfo(meta: TopicMeta): TopicInfo {
  return create(TopicInfoSchema, {
    name: meta.name,
    partitions: meta.partitions,
    retentionMs: BigInt(meta.retentionMs),
    retentionBytes: BigInt(meta.retentionBytes),
    createdAtMs: BigInt(meta.createdAtMs),
  });
}

export async function createTopic(broker: Broker, request: CreateTopicRequest): Promise<CreateTopicResponse> {
  if (request.partitions < 0) throw new InvalidArgumentError(`partitions must be 0 (the default) or more, got ${request.partitions}`);
  const meta = await broker.createTopic(request.name, {
    partitions: request.partitions,
    retentionMs: toSafeNumber(request.retentionMs, "retention_ms"),
    retentionBytes: toSafeNumber(request.retentionBytes, "retention_bytes"),
  });
  return create(CreateTopicResponseSchema, { topic: topicInfo(meta) });
}

export async function deleteTopic(broker: Broker, request: DeleteTopicRequest): Promise<DeleteTopicResponse> {
  await broker.deleteTopic(request.name);
  return create(DeleteTopicResponseSchema, {});
}

export function listTopics(broker: Broker): ListTopicsResponse {
  return create(ListTopicsResponseSchema, { topics: broker.topics.all().map((t) => topicInfo(t.meta)) });
}

export function describeTopicResponse(topic: Topic): DescribeTopicResponse {
  return create(DescribeTopicResponseSchema, {
    topic: topicInfo(topic.meta),
    partitions: topic.logs.map((log) =>
      create(PartitionInfoSchema, { partition: log.partition, startOffset: BigInt(log.startOffset), endOffset: BigInt(log.durableEnd) }),
    ),
  });
}

export async function describeTopic(broker: Broker, request: DescribeTopicRequest): Promise<DescribeTopicResponse> {
  return describeTopicResponse(await broker.describeTopic(request.name, request.createIfMissing));
}
