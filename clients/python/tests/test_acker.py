"""The Acker on its own: which AckItems each Ack call carries (a stub broker records them)."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Callable, Iterator, cast

import pytest

from ferry.v1 import broker_pb2
from ferry_client import AckOutcome, Client
from ferry_client.acker import Acker

from .broker import wait_for

ACK, NACK, EXTEND = broker_pb2.ACK_ACTION_ACK, broker_pb2.ACK_ACTION_NACK, broker_pb2.ACK_ACTION_EXTEND


class _StubBroker:
    """Answers every Ack with ``outcome(item)`` per item and keeps the requests."""

    def __init__(self) -> None:
        self.requests: list[broker_pb2.AckRequest] = []
        self.lock = threading.Lock()
        self.outcome: Callable[[broker_pb2.AckItem], broker_pb2.AckOutcome] = lambda item: broker_pb2.ACK_OUTCOME_OK

    def Ack(self, request: broker_pb2.AckRequest, timeout: float | None = None) -> broker_pb2.AckResponse:  # noqa: N802
        with self.lock:
            self.requests.append(request)
        return broker_pb2.AckResponse(outcomes=[self.outcome(item) for item in request.items])


class _StubClient:
    timeout_s = 5.0

    def __init__(self) -> None:
        self.broker = _StubBroker()


@pytest.fixture
def stub() -> _StubClient:
    return _StubClient()


def make_acker(stub: _StubClient, max_batch: int) -> Acker:
    # A linger of a minute: only a full batch or flush() sends, so the batches are deterministic.
    return Acker(cast(Client, stub), "t", "g", linger_ms=60_000, max_batch=max_batch)


@pytest.fixture
def acker(stub: _StubClient) -> Iterator[Acker]:
    a = make_acker(stub, 1000)
    yield a
    a.close()


def item(partition: int, offset: int, action: int = ACK) -> broker_pb2.AckItem:
    return broker_pb2.AckItem(partition=partition, offset=offset, action=action)  # type: ignore[arg-type]


def calls(stub: _StubClient) -> list[list[tuple[int, int, int, int]]]:
    """Per Ack call, its items as (partition, offset, action, count)."""
    return [[(i.partition, i.offset, i.action, i.count) for i in req.items] for req in stub.broker.requests]


def records(request: broker_pb2.AckRequest) -> int:
    return sum(max(1, i.count) for i in request.items)


def test_folds_consecutive_acks_per_partition_with_partitions_interleaved(stub: _StubClient, acker: Acker) -> None:
    futures = []
    for i in range(5):
        futures.append(acker.submit("m", item(0, 10 + i)))
        futures.append(acker.submit("m", item(1, 20 + i)))
    futures.append(acker.submit("m", item(2, 7)))
    assert acker.flush(5)
    assert calls(stub) == [[(0, 10, ACK, 5), (1, 20, ACK, 5), (2, 7, ACK, 0)]]
    assert all(f.result(5) == AckOutcome.OK for f in futures)


def test_a_gap_starts_a_new_run(stub: _StubClient, acker: Acker) -> None:
    for offset in (0, 1, 3, 4, 5, 2):
        acker.submit("m", item(0, offset))
    assert acker.flush(5)
    # 2 does not continue the last run (3..5): it is a run of its own, not glued onto 0..1.
    assert calls(stub) == [[(0, 0, ACK, 2), (0, 3, ACK, 3), (0, 2, ACK, 0)]]


def test_nacks_and_extends_stay_items_and_end_their_partitions_run(stub: _StubClient, acker: Acker) -> None:
    acker.submit("m", item(0, 0))
    acker.submit("m", item(0, 1, NACK))
    acker.submit("m", item(0, 2))
    acker.submit("m", item(0, 3))
    acker.submit("m", item(1, 0))
    acker.submit("m", item(1, 1, EXTEND))  # extend then ack the same record: order kept
    acker.submit("m", item(1, 1))
    acker.submit("m", item(2, 0))
    acker.submit("m", item(1, 9, NACK))  # on another partition: the run of 2 goes on
    acker.submit("m", item(2, 1))
    assert acker.flush(5)
    assert calls(stub) == [
        [
            (0, 0, ACK, 0),
            (0, 1, NACK, 0),
            (0, 2, ACK, 2),
            (1, 0, ACK, 0),
            (1, 1, EXTEND, 0),
            (1, 1, ACK, 0),
            (2, 0, ACK, 2),
            (1, 9, NACK, 0),
        ]
    ]


def test_batch_size_counts_records_and_a_run_never_crosses_a_batch(stub: _StubClient) -> None:
    acker = make_acker(stub, 3)
    try:
        for offset in range(3):
            acker.submit("m", item(0, offset))
        # One item covering 3 records fills the batch: it goes out without flush() or linger.
        wait_for(lambda: len(stub.broker.requests) == 1, 5, what="the full batch sent")
        for offset in range(3, 8):
            acker.submit("m", item(0, offset))
        acker.submit("m", item(0, 8, NACK))
        assert acker.flush(5)
    finally:
        acker.close()
    assert calls(stub) == [
        [(0, 0, ACK, 3)],
        [(0, 3, ACK, 3)],
        [(0, 6, ACK, 2), (0, 8, NACK, 0)],
    ]
    assert [records(r) for r in stub.broker.requests] == [3, 3, 3]


def test_runs_are_per_member_and_every_future_gets_its_runs_outcome(stub: _StubClient, acker: Acker) -> None:
    stub.broker.outcome = lambda i: broker_pb2.ACK_OUTCOME_NOT_IN_FLIGHT if i.offset == 5 else broker_pb2.ACK_OUTCOME_OK
    a: list[Future[AckOutcome]] = [acker.submit("a", item(0, offset)) for offset in (0, 1, 2)]
    b = acker.submit("b", item(0, 3))  # another member's session: never in a's run
    a += [acker.submit("a", item(0, offset)) for offset in (3, 4)]
    c = [acker.submit("c", item(0, offset)) for offset in (5, 6)]
    assert acker.flush(5)
    by_member = {req.member_id: [(i.offset, i.count) for i in req.items] for req in stub.broker.requests}
    assert by_member == {"a": [(0, 5)], "b": [(3, 0)], "c": [(5, 2)]}
    assert [f.result(5) for f in a] == [AckOutcome.OK] * 5
    assert b.result(5) == AckOutcome.OK
    assert [f.result(5) for f in c] == [AckOutcome.NOT_IN_FLIGHT] * 2
