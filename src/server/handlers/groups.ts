import { create, toBinary } from "@bufbuild/protobuf";
import type { Broker } from "../../engine/broker.js";
import { InvalidArgumentError, NotImplementedError } from "../../errors.js";
import {
  DeleteGroupResponseSchema,
  DescribeGroupResponseSchema,
  GroupMemberSchema,
  GroupPartitionSchema,
  GroupSummarySchema,
  ListGroupsResponseSchema,
  PartitionOffsetSchema,
  ResetGroupOffsetsResponseSchema,
  type DeleteGroupRequest,
  type DeleteGroupResponse,
  type DescribeGroupRequest,
  type DescribeGroupResponse,
  type ListGroupsRequest,
  type ListGroupsResponse,
  type ResetGroupOffsetsRequest,
  type ResetGroupOffsetsResponse,
} from "../../gen/ferry/v1/admin_pb.js";
import {
  DeliveryMode,
  GroupOptionsSchema,
  SubscribeResponseSchema,
  type SubscribeRequest,
} from "../../gen/ferry/v1/broker_pb.js";
import { StartFrom, type StartPosition as StartPositionMessage } from "../../gen/ferry/v1/common_pb.js";
import type { Group } from "../../groups/group.js";
import type { GroupCoordinator, StartPosition } from "../../groups/group-coordinator.js";
import type { CallContext } from "../grpc-adapter.js";
import type { AckView } from "../../engine/wire-views.js";
import { encodeAckResponse, encodeRecordBatchEvent } from "../record-encoding.js";
import { toSafeNumber } from "./numbers.js";

export function startPosition(message: StartPositionMessage | undefined): StartPosition {
  const offset = toSafeNumber(message?.offset ?? 0n, "start.offset");
  const timestampMs = toSafeNumber(message?.timestampMs ?? 0n, "start.timestamp_ms");
  switch (message?.from ?? StartFrom.UNSPECIFIED) {
    case StartFrom.UNSPECIFIED:
    case StartFrom.EARLIEST:
      return { from: "earliest", offset, timestampMs };
    case StartFrom.LATEST:
      return { from: "latest", offset, timestampMs };
    case StartFrom.OFFSET:
      if (offset < 0) throw new InvalidArgumentError(`start.offset must be 0 or more, got ${offset}`);
      return { from: "offset", offset, timestampMs };
    case StartFrom.TIMESTAMP:
      return { from: "timestamp", offset, timestampMs };
    default:
      throw new InvalidArgumentError(`start.from ${String(message?.from)} is not a known StartFrom value`);
  }
}

/** Subscribe: in a group (assignment and record events), or group-less (record events). */
export async function* subscribe(groups: GroupCoordinator, broker: Broker, request: SubscribeRequest, ctx: CallContext): AsyncGenerator<Uint8Array> {
  if (request.topic === "") throw new InvalidArgumentError("topic is required");
  const start = startPosition(request.start);
  if (request.group === "") {
    for await (const batch of groups.read(request.topic, request.partition, start, ctx.signal)) yield encodeRecordBatchEvent(batch);
    return;
  }
  if (request.partition !== undefined) throw new InvalidArgumentError("partition is only for reads without a group; a group's partitions are assigned");
  const o = request.options;
  const mode = o?.deliveryMode ?? DeliveryMode.UNSPECIFIED;
  if (mode !== DeliveryMode.UNSPECIFIED && mode !== DeliveryMode.PARTITIONED) {
    throw new NotImplementedError(`delivery mode ${DeliveryMode[mode] ?? mode} is not implemented yet; use PARTITIONED`);
  }
  const options = {
    ackDeadlineMs: toSafeNumber(o?.ackDeadlineMs ?? 0n, "options.ack_deadline_ms"),
    maxAttempts: o?.maxAttempts ?? 0,
    backoffMinMs: toSafeNumber(o?.backoffMinMs ?? 0n, "options.backoff_min_ms"),
    backoffMaxMs: toSafeNumber(o?.backoffMaxMs ?? 0n, "options.backoff_max_ms"),
    deadLetterTopic: o?.deadLetterTopic ?? "",
  };
  if (options.ackDeadlineMs < 0 || options.maxAttempts < 0 || options.backoffMinMs < 0 || options.backoffMaxMs < 0) {
    throw new InvalidArgumentError("group options must be 0 (the default) or more");
  }
  const events = groups.subscribe(
    { topic: request.topic, group: request.group, start, maxInFlight: request.maxInFlight, clientId: request.clientId, peer: ctx.peer, options },
    ctx.signal,
  );
  for await (const event of events) {
    if (event.kind === "records") {
      yield encodeRecordBatchEvent(event.deliveries);
    } else {
      const { memberId, generation, partitions } = event.assignment;
      yield toBinary(
        SubscribeResponseSchema,
        create(SubscribeResponseSchema, { event: { case: "assignment", value: { memberId, generation: BigInt(generation), partitions: [...partitions] } } }),
      );
    }
  }
}

/** Ack: settles many records; answers with packed outcomes (1 OK, 2 NOT_IN_FLIGHT). */
export async function ack(groups: GroupCoordinator, request: AckView): Promise<Uint8Array> {
  if (request.topic === "" || request.group === "") throw new InvalidArgumentError("topic and group are required");
  return encodeAckResponse(await groups.settle(request.topic, request.group, request.memberId, request.items));
}

function lag(group: Group): bigint {
  let total = 0;
  for (const d of group.deliveries) total += Math.max(0, group.topic.logs[d.partition]!.durableEnd - d.committed);
  return BigInt(total);
}

export function listGroups(groups: GroupCoordinator, request: ListGroupsRequest): ListGroupsResponse {
  return create(ListGroupsResponseSchema, {
    groups: groups.list(request.topic).map((g) =>
      create(GroupSummarySchema, { group: g.name, topic: g.topic.meta.name, members: g.members.size, generation: BigInt(g.generation), lag: lag(g) }),
    ),
  });
}

export function describeGroup(groups: GroupCoordinator, request: DescribeGroupRequest): DescribeGroupResponse {
  const g = groups.find(request.topic, request.group);
  const now = groups.nowMs();
  return create(DescribeGroupResponseSchema, {
    group: g.name,
    topic: g.topic.meta.name,
    generation: BigInt(g.generation),
    options: create(GroupOptionsSchema, {
      ackDeadlineMs: BigInt(g.meta.ackDeadlineMs),
      maxAttempts: g.meta.maxAttempts,
      backoffMinMs: BigInt(g.meta.backoffMinMs),
      backoffMaxMs: BigInt(g.meta.backoffMaxMs),
      deadLetterTopic: g.meta.deadLetterTopic,
      deliveryMode: DeliveryMode.PARTITIONED,
    }),
    members: [...g.members.values()].map((m) =>
      create(GroupMemberSchema, { memberId: m.id, clientId: m.clientId, peer: m.peer, partitions: [...m.partitions], inFlight: m.inFlight, maxInFlight: m.maxInFlight }),
    ),
    partitions: g.deliveries.map((d) => {
      const end = g.topic.logs[d.partition]!.durableEnd;
      const oldest = d.oldestDeliveredAtMs();
      return create(GroupPartitionSchema, {
        partition: d.partition,
        committedOffset: BigInt(d.committed),
        logEndOffset: BigInt(end),
        lag: BigInt(Math.max(0, end - d.committed)),
        inFlight: d.inFlightCount,
        oldestUnackedAgeMs: BigInt(oldest === undefined ? 0 : Math.max(0, now - oldest)),
        memberId: g.owner(d.partition)?.id ?? "",
      });
    }),
  });
}

export async function resetGroupOffsets(groups: GroupCoordinator, request: ResetGroupOffsetsRequest): Promise<ResetGroupOffsetsResponse> {
  if (!request.position) throw new InvalidArgumentError("position is required (earliest, latest, an offset or a timestamp)");
  const offsets = await groups.resetOffsets(request.topic, request.group, startPosition(request.position), request.partitions);
  return create(ResetGroupOffsetsResponseSchema, {
    offsets: [...offsets].map(([partition, offset]) => create(PartitionOffsetSchema, { partition, offset: BigInt(offset) })),
  });
}

export async function deleteGroup(groups: GroupCoordinator, request: DeleteGroupRequest): Promise<DeleteGroupResponse> {
  await groups.deleteGroup(request.topic, request.group);
  return create(DeleteGroupResponseSchema, {});
}
