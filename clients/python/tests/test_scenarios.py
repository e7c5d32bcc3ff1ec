"""The shared client scenarios (test/client-scenarios.json) against a real broker.

Each test follows one scenario's ``steps`` and checks its ``expect``; names carry a
random suffix so that tests share the session's broker without seeing each other.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Callable

import grpc
import pytest

import ferry_client
from ferry_client import AckOutcome, GroupOptions, Message

from .broker import REPO, BrokerProcess, wait_for
from .conftest import start_broker

SCENARIOS = {s["name"]: s for s in json.loads((REPO / "test" / "client-scenarios.json").read_text())["scenarios"]}


def receive_until(
    consumer: ferry_client.Consumer, done: Callable[[list[Message]], bool], timeout_s: float
) -> list[Message]:
    """Collects messages until ``done(messages)`` or the deadline (then fails)."""
    got: list[Message] = []
    deadline = time.monotonic() + timeout_s
    while not done(got):
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail(
                f"timed out after {timeout_s} s with {len(got)} messages: {got}; consumer has subscribed "
                f"{consumer.subscriptions} times, assignment {consumer.assignment}"
            )
        msg = consumer.receive(timeout_s=min(left, 0.5))
        if msg is not None:
            got.append(msg)
    return got


def fetch_all(client: ferry_client.Client, topic: str, partition: int) -> list[ferry_client.ConsumedRecord]:
    records: list[ferry_client.ConsumedRecord] = []
    offset = 0
    while True:
        res = client.fetch(topic, partition, offset)
        records.extend(res.records)
        offset = res.next_offset
        if not res.records or offset >= res.log_end_offset:
            return records


def test_produce_keyed_read_back(client: ferry_client.Client, unique: str) -> None:
    spec = SCENARIOS["produce-keyed-read-back"]
    topic = f"py-keyed-{unique}"
    client.admin.create_topic(topic, spec["topic_partitions"])
    with client.producer(topic) as producer:
        positions = [producer.send(f"v{i}", key=f"k{i % spec['keys']}") for i in range(spec["records"])]

    fetched: dict[str, tuple[int, int, bytes]] = {}
    for partition in range(spec["topic_partitions"]):
        for rec in fetch_all(client, topic, partition):
            assert rec.partition == partition
            fetched[rec.value.decode()] = (rec.partition, rec.offset, rec.key)
    assert len(fetched) == spec["records"]

    for i, pos in enumerate(positions):
        assert fetched[f"v{i}"] == (pos.partition, pos.offset, f"k{i % spec['keys']}".encode())
    for k in range(spec["keys"]):
        mine = [positions[i] for i in range(spec["records"]) if i % spec["keys"] == k]
        assert len({p.partition for p in mine}) == 1, f"key k{k} spread over partitions"
        assert [p.offset for p in mine] == sorted(p.offset for p in mine), f"key k{k} out of send order"


def test_group_consume_acks(client: ferry_client.Client, unique: str) -> None:
    spec = SCENARIOS["group-consume-acks"]
    topic, group = f"py-acks-{unique}", f"g-{unique}"
    client.admin.create_topic(topic, spec["topic_partitions"])
    with client.producer(topic) as producer:
        sent = {(p.partition, p.offset) for p in (producer.send(f"r{i}") for i in range(spec["records"]))}

    with client.consumer(topic, group) as consumer:
        seen: dict[tuple[int, int], Message] = {}

        def enough(msgs: list[Message]) -> bool:
            for m in msgs:
                if (m.partition, m.offset) not in seen:
                    seen[(m.partition, m.offset)] = m
                    m.ack()
            return len(seen) >= spec["records"]

        got = receive_until(consumer, enough, 15)
        assert consumer.flush_acks(5)
    assert set(seen) == sent
    assert len(got) == spec["records"], f"redeliveries: {got}"
    assert all(m.attempt == 1 for m in got)

    def settled() -> ferry_client.GroupDescription | None:
        desc = client.admin.describe_group(group, topic)
        ok = len(desc.partitions) == spec["topic_partitions"] and all(
            p.committed_offset == p.log_end_offset and p.lag == 0 for p in desc.partitions
        )
        return desc if ok else None

    wait_for(settled, 5, what="lag 0 on every partition")


def test_nack_redelivery(client: ferry_client.Client, unique: str) -> None:
    spec = SCENARIOS["nack-redelivery"]
    topic, group = f"py-nack-{unique}", f"g-{unique}"
    client.admin.create_topic(topic, 1)
    with client.producer(topic) as producer:
        producer.send(b"retry me")
    with client.consumer(topic, group) as consumer:
        first = receive_until(consumer, lambda m: len(m) >= 1, 10)[0]
        assert first.attempt == 1
        nacked_at = time.monotonic()
        assert first.nack(delay_ms=spec["nack_delay_ms"]).result(5) == AckOutcome.OK
        second = receive_until(consumer, lambda m: len(m) >= 1, 10)[0]
        waited_ms = (time.monotonic() - nacked_at) * 1000
        assert (second.partition, second.offset, second.value) == (first.partition, first.offset, b"retry me")
        assert second.attempt == 2
        assert waited_ms >= spec["nack_delay_ms"], f"redelivered after {waited_ms:.0f} ms"
        assert second.ack().result(5) == AckOutcome.OK


def test_dead_letter(client: ferry_client.Client, unique: str) -> None:
    spec = SCENARIOS["dead-letter"]
    topic, group = f"py-dlq-{unique}", f"dl-{unique}"
    dlq = f"{topic}.{group}.dlq"
    client.admin.create_topic(topic, 1)
    with client.producer(topic) as producer:
        producer.send(b"bad order", key=b"poison", headers={"trace": b"abc"})
    options = GroupOptions(max_attempts=spec["max_attempts"], backoff_min_ms=50, backoff_max_ms=100)
    deliveries: list[Message] = []
    with client.consumer(topic, group, options=options) as consumer:

        def nack_all(msgs: list[Message]) -> bool:
            for m in msgs[len(deliveries) :]:
                deliveries.append(m)
                m.nack(reason="boom")
            return len(deliveries) >= spec["max_attempts"]

        receive_until(consumer, nack_all, 15)
        assert consumer.flush_acks(5)

        def dead_letters() -> list[ferry_client.ConsumedRecord] | None:
            try:
                return client.fetch(dlq, 0, 0).records or None
            except ferry_client.TopicNotFoundError:
                return None

        letters = wait_for(dead_letters, 10, what=f"a record in {dlq}")
        # No third delivery: the record is done once dead-lettered.
        assert consumer.receive(timeout_s=0.5) is None
    assert [m.attempt for m in deliveries] == [1, 2]
    assert len(letters) == 1
    letter = letters[0]
    assert (letter.key, letter.value) == (b"poison", b"bad order")
    assert letter.headers.get("trace") == b"abc"
    assert letter.headers.get("ferry-origin-topic") == topic.encode()
    assert letter.headers.get("ferry-origin-partition") == b"0"
    assert letter.headers.get("ferry-origin-offset") == b"0"
    assert letter.headers.get("ferry-attempts") == b"2"
    assert letter.headers.get("ferry-last-error") == b"boom"


def test_unknown_topic_not_found(client: ferry_client.Client, unique: str) -> None:
    with pytest.raises(ferry_client.TopicNotFoundError) as info:
        client.fetch(f"py-missing-{unique}", 0, 0)
    assert info.value.reason == "TOPIC_NOT_FOUND"
    assert info.value.code == grpc.StatusCode.NOT_FOUND
    assert isinstance(info.value, ferry_client.NotFoundError)


def test_reconnect_after_restart(tmp_path: Path, unique: str) -> None:
    own: BrokerProcess = start_broker(tmp_path / "data")
    try:
        topic, group = f"py-restart-{unique}", f"g-{unique}"
        with ferry_client.connect(own.addr) as client:
            client.admin.create_topic(topic, 1)
            assignments: list[ferry_client.Assignment | None] = []
            with client.producer(topic, delivery_timeout_ms=10_000) as producer, client.consumer(
                topic, group, on_assignment=assignments.append
            ) as consumer:
                consumer.wait_for_assignment(10)
                producer.send(b"before")
                before = receive_until(consumer, lambda m: len(m) >= 1, 10)[0]
                assert before.value == b"before"
                assert before.ack().result(5) == AckOutcome.OK

                assert own.stop(signal.SIGTERM) is not None
                pending = producer.send_async(b"after")  # retried until the broker is back
                own.start()
                pending.result(10)

                got = receive_until(consumer, lambda m: any(x.value == b"after" for x in m), 15)
                assert [m.value for m in got if m.value == b"before"] == [], "acked record delivered again"
                for m in got:
                    m.ack()
                assert consumer.subscriptions >= 2
                assert assignments[-1] is not None and assignments[-1].member_id != before.member_id
    finally:
        own.stop()
