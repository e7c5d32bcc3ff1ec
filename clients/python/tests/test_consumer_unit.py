"""Consumer iteration, ack coalescing and rejoin against the in-process fake broker."""

from __future__ import annotations

import threading
import time
from typing import Iterator

import grpc
import pytest

import ferry_client
from ferry_client import AckOutcome, Message

from .broker import wait_for
from .fake_broker import FakeBroker


@pytest.fixture
def fake() -> Iterator[FakeBroker]:
    broker = FakeBroker(default_partitions=2)
    yield broker
    broker.stop()


@pytest.fixture
def client(fake: FakeBroker) -> Iterator[ferry_client.Client]:
    with ferry_client.connect(fake.addr) as c:
        yield c


def _take(consumer: ferry_client.Consumer, n: int, timeout_s: float = 5) -> list[Message]:
    got: list[Message] = []
    deadline = time.monotonic() + timeout_s
    while len(got) < n:
        assert time.monotonic() < deadline, f"only {len(got)} of {n} messages"
        msg = consumer.receive(0.2)
        if msg is not None:
            got.append(msg)
    return got


def test_iterates_and_coalesces_acks(fake: FakeBroker, client: ferry_client.Client) -> None:
    with client.producer("t") as producer:
        for i in range(20):
            producer.send(f"m{i}", key=f"k{i}")
    with client.consumer("t", "g", ack_linger_ms=50) as consumer:
        a = consumer.wait_for_assignment(5)
        assert a.partitions == (0, 1)
        msgs = _take(consumer, 20)
        futures = [m.ack() for m in msgs]
        assert all(f.result(5) == AckOutcome.OK for f in futures)
        assert fake.ack_calls <= 3  # 20 acks, coalesced
        items = [item for req in fake.ack_requests for item in req.items]
        # In delivery order, each partition's acks are consecutive: they travel as offset runs.
        assert sum(max(1, item.count) for item in items) == 20
        assert len(items) < 20 and any(item.count > 1 for item in items)
        assert {m.attempt for m in msgs} == {1}
        assert consumer.receive(0.3) is None
        assert msgs[0].ack().result(5) == AckOutcome.NOT_IN_FLIGHT


def test_nack_redelivers_with_next_attempt(client: ferry_client.Client) -> None:
    with client.producer("t") as producer:
        producer.send(b"x", partition=0)
    with client.consumer("t", "g") as consumer:
        first = _take(consumer, 1)[0]
        first.nack(delay_ms=100, reason="later")
        second = _take(consumer, 1)[0]
        assert (second.offset, second.attempt) == (first.offset, 2)
        second.ack().result(5)


def test_rejoins_after_stream_loss_and_drops_stale_deliveries(
    fake: FakeBroker, client: ferry_client.Client
) -> None:
    seen: list[ferry_client.Assignment | None] = []
    with client.producer("t") as producer:
        producer.send(b"a", partition=0)
        producer.send(b"b", partition=0)
    with client.consumer(
        "t", "g", on_assignment=seen.append, reconnect_backoff_min_ms=20, reconnect_backoff_max_ms=100
    ) as consumer:
        first = consumer.wait_for_assignment(5)
        a = _take(consumer, 1)[0]  # "b" stays queued locally, unprocessed
        assert a.value == b"a"
        wait_for(lambda: consumer._events.qsize() >= 1, 5, what="second delivery queued")  # noqa: SLF001
        fake.drop_streams()
        second = wait_for(
            lambda: (x := consumer.assignment) is not None and x.member_id != first.member_id and x, 5, what="rejoin"
        )
        again = _take(consumer, 2)
        # The stale "b" of the first session was dropped; both come again from the new session.
        assert sorted(m.value for m in again) == [b"a", b"b"]
        assert all(m.member_id == second.member_id for m in again)
        assert all(m.attempt == 2 for m in again)
        for m in again:
            m.ack()
        assert consumer.flush_acks(5)
    assert seen[0] == first and None in seen and seen[-1] == second
    assert consumer.subscriptions >= 2


def test_fatal_error_ends_iteration(fake: FakeBroker, client: ferry_client.Client) -> None:
    fake.subscribe_error = (grpc.StatusCode.FAILED_PRECONDITION, "GROUP_OPTIONS_MISMATCH")
    with client.consumer("t", "g") as consumer:
        with pytest.raises(ferry_client.GroupOptionsMismatchError):
            for _ in consumer:
                pass
        with pytest.raises(ferry_client.GroupOptionsMismatchError):
            consumer.wait_for_assignment(1)
    assert fake.subscribe_calls == 0


def test_close_is_idempotent_and_ends_iteration(client: ferry_client.Client) -> None:
    consumer = client.consumer("t", "g")
    consumer.wait_for_assignment(5)
    consumer.close()
    consumer.close()
    assert list(consumer) == []
    with pytest.raises(ferry_client.ClosedError):
        consumer.receive(0.1)


def test_close_from_the_assignment_callback(client: ferry_client.Client) -> None:
    holder: list[ferry_client.Consumer] = []
    ready, closed = threading.Event(), threading.Event()

    def on_assignment(a: ferry_client.Assignment | None) -> None:
        if a is not None and ready.wait(5):
            holder[0].close()  # on the consumer's own thread: must not join itself
            closed.set()

    holder.append(ferry_client.Consumer(client, "t", "g", on_assignment=on_assignment))
    ready.set()
    assert closed.wait(5)
    assert list(holder[0]) == []
