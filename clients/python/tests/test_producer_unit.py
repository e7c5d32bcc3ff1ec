"""Producer batching, partitioning and retries against the in-process fake broker."""

from __future__ import annotations

import threading
from typing import Iterator

import grpc
import pytest

import ferry_client
from ferry_client import partition_for_key

from .fake_broker import FakeBroker


@pytest.fixture
def fake() -> Iterator[FakeBroker]:
    broker = FakeBroker(default_partitions=3)
    yield broker
    broker.stop()


@pytest.fixture
def client(fake: FakeBroker) -> Iterator[ferry_client.Client]:
    with ferry_client.connect(fake.addr) as c:
        yield c


def _log(fake: FakeBroker, topic: str) -> list[list[tuple[bytes, bytes]]]:
    return [[(r.record.key, r.record.value) for r in part] for part in fake.topics[topic].partitions]


def test_keyed_records_follow_murmur2_and_keep_order(fake: FakeBroker, client: ferry_client.Client) -> None:
    with client.producer("t", linger_ms=1) as producer:
        positions = [producer.send(f"v{i}", key=f"k{i % 5}") for i in range(30)]
    for i, pos in enumerate(positions):
        assert pos.partition == partition_for_key(f"k{i % 5}".encode(), 3)
        assert fake.topics["t"].partitions[pos.partition][pos.offset].record.value == f"v{i}".encode()


def test_many_threads_share_batches(fake: FakeBroker, client: ferry_client.Client) -> None:
    results: list[ferry_client.Position] = []
    lock = threading.Lock()
    with client.producer("t", linger_ms=200, max_batch_records=100) as producer:

        def worker(n: int) -> None:
            pos = producer.send(f"w{n}", partition=0)
            with lock:
                results.append(pos)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(p.offset for p in results) == list(range(40))
    assert fake.produce_calls < 10  # 40 concurrent sends, a handful of batches


def test_send_async_and_flush(fake: FakeBroker, client: ferry_client.Client) -> None:
    with client.producer("t", linger_ms=10_000) as producer:
        futures = [producer.send_async(b"x", key=b"same") for _ in range(5)]
        producer.flush(5)
        assert all(f.done() for f in futures)
        assert [f.result().offset for f in futures] == [0, 1, 2, 3, 4]


def test_unkeyed_records_rotate_per_batch(fake: FakeBroker, client: ferry_client.Client) -> None:
    with client.producer("t", linger_ms=0) as producer:
        parts = {producer.send(b"u").partition for _ in range(6)}
    assert parts == {0, 1, 2}


def test_retry_after_lost_reply_does_not_duplicate(fake: FakeBroker, client: ferry_client.Client) -> None:
    fake.fail_after_apply = 2  # appended, but the reply is lost twice
    with client.producer("t", linger_ms=1) as producer:
        pos = producer.send(b"once", partition=1)
        assert pos.duplicate
        assert pos.offset == 0
        nxt = producer.send(b"twice", partition=1)
    assert (nxt.partition, nxt.offset, nxt.duplicate) == (1, 1, False)
    assert _log(fake, "t")[1] == [(b"", b"once"), (b"", b"twice")]


def test_retry_after_unavailable_before_apply(fake: FakeBroker, client: ferry_client.Client) -> None:
    fake.fail_before_apply = 3
    with client.producer("t", linger_ms=1) as producer:
        pos = producer.send(b"a", partition=2)
    assert (pos.offset, pos.duplicate) == (0, False)
    assert fake.produce_calls == 4


def test_non_retriable_error_fails_the_send_and_reuses_sequences(
    fake: FakeBroker, client: ferry_client.Client
) -> None:
    with client.producer("t", linger_ms=1) as producer:
        with pytest.raises(ValueError):
            producer.send(b"x", partition=7)
        assert producer.send(b"y", partition=0).offset == 0


def test_delivery_timeout_fails_with_unavailable() -> None:
    with ferry_client.connect("127.0.0.1:1") as client:  # nothing listens on port 1
        with client.producer("t", delivery_timeout_ms=300, request_timeout_ms=200) as producer:
            with pytest.raises(ferry_client.FerryError) as info:
                producer.send(b"x")
    assert info.value.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


def test_send_after_close_raises(client: ferry_client.Client) -> None:
    producer = client.producer("t")
    producer.close()
    producer.close()  # idempotent
    with pytest.raises(ferry_client.ClosedError):
        producer.send(b"late")
