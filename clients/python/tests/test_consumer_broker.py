"""Consumer behaviour beyond the shared scenarios, against the real broker."""

from __future__ import annotations

import time

import ferry_client
from ferry_client import AckOutcome, Message, StartPosition

from .broker import wait_for


def _drain(consumers: list[ferry_client.Consumer], want: int, timeout_s: float) -> dict[tuple[int, int], Message]:
    seen: dict[tuple[int, int], Message] = {}
    deadline = time.monotonic() + timeout_s
    while len(seen) < want:
        assert time.monotonic() < deadline, f"only {len(seen)} of {want} records"
        for c in consumers:
            msg = c.receive(0.05)
            if msg is not None:
                seen[(msg.partition, msg.offset)] = msg
                msg.ack()
    return seen


def test_two_members_split_the_partitions(client: ferry_client.Client, unique: str) -> None:
    topic, group = f"py-split-{unique}", f"g-{unique}"
    client.admin.create_topic(topic, 4)
    with client.consumer(topic, group, client_id="a") as a:
        assert a.wait_for_assignment(10).partitions == (0, 1, 2, 3)
        with client.consumer(topic, group, client_id="b") as b:
            wait_for(lambda: (x := b.assignment) is not None and len(x.partitions) == 2, 10, what="b assigned")
            wait_for(lambda: (x := a.assignment) is not None and len(x.partitions) == 2, 10, what="a rebalanced")
            pa, pb = set(a.assignment.partitions), set(b.assignment.partitions)  # type: ignore[union-attr]
            assert pa.isdisjoint(pb) and pa | pb == {0, 1, 2, 3}
            with client.producer(topic) as producer:
                for i in range(40):
                    producer.send(f"r{i}", key=f"k{i}")
            seen = _drain([a, b], 40, 15)
            assert all(m.partition in (pa if m.member_id == a.assignment.member_id else pb) for m in seen.values())  # type: ignore[union-attr]
            assert a.flush_acks(5) and b.flush_acks(5)
        desc = client.admin.describe_group(group, topic)
        assert {m.client_id for m in desc.members} <= {"a", "b"}


def test_extend_and_latest_start(client: ferry_client.Client, unique: str) -> None:
    topic, group = f"py-extend-{unique}", f"g-{unique}"
    client.admin.create_topic(topic, 1)
    with client.producer(topic) as producer:
        producer.send(b"old")
        with client.consumer(topic, group, start=StartPosition.latest()) as consumer:
            consumer.wait_for_assignment(10)
            producer.send(b"new")
            msg = consumer.receive(10)
            assert msg is not None and msg.value == b"new"
            assert msg.extend(60_000).result(5) == AckOutcome.OK
            assert msg.ack().result(5) == AckOutcome.OK
            assert msg.ack().result(5) == AckOutcome.NOT_IN_FLIGHT
