"""The admin API: topics and consumer groups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from ferry.v1 import admin_pb2

from .group_options import GroupOptions
from .records import StartPosition

if TYPE_CHECKING:
    from .client import Client


@dataclass(frozen=True)
class TopicInfo:
    """A topic's settings."""

    name: str
    partitions: int
    retention_ms: int
    retention_bytes: int
    created_at_ms: int

    @classmethod
    def from_proto(cls, t: admin_pb2.TopicInfo) -> TopicInfo:
        return cls(t.name, t.partitions, t.retention_ms, t.retention_bytes, t.created_at_ms)


@dataclass(frozen=True)
class PartitionInfo:
    """One partition's offsets: the first stored and the next to be appended."""

    partition: int
    start_offset: int
    end_offset: int


@dataclass(frozen=True)
class TopicDescription:
    """A topic and its partitions."""

    topic: TopicInfo
    partitions: list[PartitionInfo]


@dataclass(frozen=True)
class GroupSummary:
    """A group in a list."""

    group: str
    topic: str
    members: int
    generation: int
    lag: int


@dataclass(frozen=True)
class GroupMember:
    """A live member of a group."""

    member_id: str
    client_id: str
    peer: str
    partitions: list[int]
    in_flight: int
    max_in_flight: int


@dataclass(frozen=True)
class GroupPartition:
    """A group's view of one partition."""

    partition: int
    committed_offset: int
    log_end_offset: int
    lag: int
    in_flight: int
    oldest_unacked_age_ms: int
    member_id: str


@dataclass(frozen=True)
class GroupDescription:
    """A group in detail."""

    group: str
    topic: str
    generation: int
    options: GroupOptions
    members: list[GroupMember]
    partitions: list[GroupPartition]


class Admin:
    """Creates, lists, describes and deletes topics and groups. Errors are typed FerryErrors."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._stub = client.admin_stub

    def create_topic(
        self, name: str, partitions: int = 0, *, retention_ms: int = 0, retention_bytes: int = 0
    ) -> TopicInfo:
        """Creates a topic (0 partitions = the broker's default). Raises TopicAlreadyExistsError."""
        resp = self._client.call(
            self._stub.CreateTopic,
            admin_pb2.CreateTopicRequest(
                name=name, partitions=partitions, retention_ms=retention_ms, retention_bytes=retention_bytes
            ),
        )
        return TopicInfo.from_proto(resp.topic)

    def delete_topic(self, name: str) -> None:
        """Deletes a topic with its records and its groups' offsets. Raises TopicNotFoundError."""
        self._client.call(self._stub.DeleteTopic, admin_pb2.DeleteTopicRequest(name=name))

    def list_topics(self) -> list[TopicInfo]:
        resp = self._client.call(self._stub.ListTopics, admin_pb2.ListTopicsRequest())
        return [TopicInfo.from_proto(t) for t in resp.topics]

    def describe_topic(self, name: str, *, create_if_missing: bool = False) -> TopicDescription:
        """A topic and its partitions' offsets; ``create_if_missing`` creates it as a produce would."""
        resp = self._client.call(
            self._stub.DescribeTopic,
            admin_pb2.DescribeTopicRequest(name=name, create_if_missing=create_if_missing),
        )
        return TopicDescription(
            topic=TopicInfo.from_proto(resp.topic),
            partitions=[PartitionInfo(p.partition, p.start_offset, p.end_offset) for p in resp.partitions],
        )

    def list_groups(self, topic: str = "") -> list[GroupSummary]:
        """All groups, or those on ``topic``."""
        resp = self._client.call(self._stub.ListGroups, admin_pb2.ListGroupsRequest(topic=topic))
        return [GroupSummary(g.group, g.topic, g.members, g.generation, g.lag) for g in resp.groups]

    def describe_group(self, group: str, topic: str) -> GroupDescription:
        """Members, assignment, committed offsets, lag and in-flight records. Raises GroupNotFoundError."""
        resp = self._client.call(
            self._stub.DescribeGroup, admin_pb2.DescribeGroupRequest(group=group, topic=topic)
        )
        return GroupDescription(
            group=resp.group,
            topic=resp.topic,
            generation=resp.generation,
            options=GroupOptions.from_proto(resp.options),
            members=[
                GroupMember(m.member_id, m.client_id, m.peer, list(m.partitions), m.in_flight, m.max_in_flight)
                for m in resp.members
            ],
            partitions=[
                GroupPartition(
                    p.partition,
                    p.committed_offset,
                    p.log_end_offset,
                    p.lag,
                    p.in_flight,
                    p.oldest_unacked_age_ms,
                    p.member_id,
                )
                for p in resp.partitions
            ],
        )

    def reset_group_offsets(
        self, group: str, topic: str, position: StartPosition, partitions: Iterable[int] = ()
    ) -> dict[int, int]:
        """Moves a member-less group's offsets; returns partition → new committed offset."""
        resp = self._client.call(
            self._stub.ResetGroupOffsets,
            admin_pb2.ResetGroupOffsetsRequest(
                group=group, topic=topic, position=position.to_proto(), partitions=list(partitions)
            ),
        )
        return {o.partition: o.offset for o in resp.offsets}

    def delete_group(self, group: str, topic: str) -> None:
        """Deletes a member-less group and its offsets."""
        self._client.call(self._stub.DeleteGroup, admin_pb2.DeleteGroupRequest(group=group, topic=topic))


__all__ = [
    "Admin",
    "GroupDescription",
    "GroupMember",
    "GroupPartition",
    "GroupSummary",
    "PartitionInfo",
    "TopicDescription",
    "TopicInfo",
]
