"""The admin API against a real broker."""

from __future__ import annotations

import pytest

import ferry_client
from ferry_client import StartPosition

from .broker import wait_for


def test_topic_lifecycle(client: ferry_client.Client, unique: str) -> None:
    admin = client.admin
    name = f"py-admin-{unique}"
    info = admin.create_topic(name, 3, retention_ms=60_000)
    assert (info.name, info.partitions, info.retention_ms) == (name, 3, 60_000)
    with pytest.raises(ferry_client.TopicAlreadyExistsError):
        admin.create_topic(name, 3)
    assert name in {t.name for t in admin.list_topics()}
    desc = admin.describe_topic(name)
    assert desc.topic.partitions == 3
    assert [(p.partition, p.start_offset, p.end_offset) for p in desc.partitions] == [(0, 0, 0), (1, 0, 0), (2, 0, 0)]
    admin.delete_topic(name)
    with pytest.raises(ferry_client.TopicNotFoundError):
        admin.describe_topic(name)
    with pytest.raises(ferry_client.TopicNotFoundError):
        admin.delete_topic(name)


def test_describe_topic_create_if_missing(client: ferry_client.Client, unique: str) -> None:
    desc = client.admin.describe_topic(f"py-auto-{unique}", create_if_missing=True)
    assert desc.topic.partitions >= 1
    assert len(desc.partitions) == desc.topic.partitions


def test_invalid_topic_name(client: ferry_client.Client) -> None:
    with pytest.raises(ferry_client.InvalidArgumentError) as info:
        client.admin.create_topic("no spaces allowed", 1)
    assert info.value.reason == "INVALID_TOPIC_NAME"


def test_groups_list_reset_delete(client: ferry_client.Client, unique: str) -> None:
    admin = client.admin
    topic, group = f"py-groups-{unique}", f"g-{unique}"
    admin.create_topic(topic, 1)
    with client.producer(topic) as producer:
        for i in range(3):
            producer.send(f"m{i}")
    with client.consumer(topic, group) as consumer:
        consumer.wait_for_assignment(10)
        msg = consumer.receive(10)
        assert msg is not None and msg.offset == 0
        msg.ack().result(5)
        desc = admin.describe_group(group, topic)
        assert len(desc.members) == 1
        assert desc.members[0].partitions == [0]
        with pytest.raises(ferry_client.GroupHasMembersError):
            admin.delete_group(group, topic)
    wait_for(lambda: admin.describe_group(group, topic).members == [], 5, what="member left")
    assert group in {g.group for g in admin.list_groups(topic)}
    assert admin.reset_group_offsets(group, topic, StartPosition.earliest()) == {0: 0}
    assert admin.reset_group_offsets(group, topic, StartPosition.latest()) == {0: 3}
    assert admin.describe_group(group, topic).partitions[0].committed_offset == 3
    admin.delete_group(group, topic)
    with pytest.raises(ferry_client.GroupNotFoundError):
        admin.describe_group(group, topic)
