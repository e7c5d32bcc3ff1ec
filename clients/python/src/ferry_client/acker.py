"""Coalesces acks, nacks and extends into batched ``Ack`` calls on a background thread;
consecutive acks of a partition travel as one offset run (an AckItem with a ``count``)."""

from __future__ import annotations

import enum
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import grpc

from ferry.v1 import broker_pb2

from .backoff import Backoff
from .errors import ClosedError, FerryError, from_rpc_error

if TYPE_CHECKING:
    from .client import Client

DEFAULT_ACK_LINGER_MS = 5
DEFAULT_MAX_ACK_BATCH = 500
DEFAULT_ACK_RETRY_TIMEOUT_MS = 10_000


class AckOutcome(enum.Enum):
    """What became of one ack, nack or extend."""

    #: Applied.
    OK = broker_pb2.ACK_OUTCOME_OK
    #: The record was not in flight for this member (already settled, timed out, or
    #: redelivered elsewhere); nothing changed. For an ack sent in a run of consecutive
    #: acks: some record of the run was not (the others were acked all the same).
    NOT_IN_FLIGHT = broker_pb2.ACK_OUTCOME_NOT_IN_FLIGHT
    #: The broker answered without an outcome for this item.
    UNSPECIFIED = broker_pb2.ACK_OUTCOME_UNSPECIFIED


_ACK_ACTIONS = (broker_pb2.ACK_ACTION_UNSPECIFIED, broker_pb2.ACK_ACTION_ACK)


@dataclass
class _Entry:
    """One AckItem and the futures of the settlements it carries (several for a run of acks)."""

    member_id: str
    item: broker_pb2.AckItem
    futures: list[Future[AckOutcome]]


@dataclass
class _Batch:
    """What goes out together: one ``Ack`` per member id, covering at most ``max_batch`` records."""

    queued_at: float
    entries: list[_Entry] = field(default_factory=list)
    records: int = 0
    #: Per (member id, partition), the batch's last run of acks: the next offset extends it.
    runs: dict[tuple[str, int], _Entry] = field(default_factory=dict)

    def add(self, member_id: str, item: broker_pb2.AckItem, future: Future[AckOutcome]) -> None:
        key = (member_id, item.partition)
        single_ack = item.action in _ACK_ACTIONS and item.count <= 1
        run = self.runs.get(key)
        if single_ack and run is not None and run.item.offset + max(1, run.item.count) == item.offset:
            run.item.count = max(1, run.item.count) + 1
            run.futures.append(future)
        else:
            entry = _Entry(member_id, item, [future])
            self.entries.append(entry)
            if single_ack:
                self.runs[key] = entry
            else:  # later acks must not jump ahead of it: the partition's items keep their order
                self.runs.pop(key, None)
        self.records += max(1, item.count)


class Acker:
    """Sends settled records of one (topic, group) in batches.

    A batch goes out ``linger_ms`` after its first item, or once it covers ``max_batch``
    records, in one ``Ack`` per member id. An ack of the offset after the batch's last run
    of acks on its partition extends that run (one AckItem with a ``count``), so records
    acked in order travel as offset runs; nacks and extends are items of their own (and end
    their partition's run). A call failing with UNAVAILABLE or DEADLINE_EXCEEDED is retried
    with backoff for ``retry_timeout_ms``; then its futures fail with the error (the broker
    redelivers what was not acked, so a lost ack costs a duplicate delivery, never a loss).
    """

    def __init__(
        self,
        client: Client,
        topic: str,
        group: str,
        *,
        linger_ms: int = DEFAULT_ACK_LINGER_MS,
        max_batch: int = DEFAULT_MAX_ACK_BATCH,
        retry_timeout_ms: int = DEFAULT_ACK_RETRY_TIMEOUT_MS,
    ) -> None:
        self._client = client
        self._topic = topic
        self._group = group
        self._linger_s = linger_ms / 1000.0
        self._max_batch = max(1, max_batch)
        self._retry_timeout_s = retry_timeout_ms / 1000.0
        self._cv = threading.Condition()
        self._batches: list[_Batch] = []  # all but the last are full
        self._busy = False  # a batch is being sent
        self._hurry = 0
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=f"ferry-acker-{group}", daemon=True)
        self._thread.start()

    def submit(self, member_id: str, item: broker_pb2.AckItem) -> Future[AckOutcome]:
        """Queues one item (the acker owns it from now on: a run grows its ``count``); the
        future resolves to its :class:`AckOutcome` (a run's, for an ack sent in a run) or a
        FerryError."""
        future: Future[AckOutcome] = Future()
        future.set_running_or_notify_cancel()
        with self._cv:
            if self._closed:
                future.set_exception(ClosedError("consumer is closed"))
                return future
            if not self._batches or self._batches[-1].records >= self._max_batch:
                self._batches.append(_Batch(time.monotonic()))
            self._batches[-1].add(member_id, item, future)
            self._cv.notify_all()
        return future

    def flush(self, timeout_s: float | None = None) -> bool:
        """Sends what is queued now and waits until nothing is queued or being sent."""
        with self._cv:
            self._hurry += 1
            self._cv.notify_all()
            try:
                return self._cv.wait_for(lambda: not self._batches and not self._busy, timeout_s)
            finally:
                self._hurry -= 1

    def close(self, timeout_s: float | None = 5.0) -> None:
        """Flushes (at most ``timeout_s``), then stops; items still queued fail with ClosedError."""
        self.flush(timeout_s)
        with self._cv:
            self._closed = True
            left, self._batches = self._batches, []
            self._cv.notify_all()
        for batch in left:
            for entry in batch.entries:
                for future in entry.futures:
                    future.set_exception(ClosedError("consumer closed before the ack was sent"))
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._cv:
                while True:
                    if self._closed:
                        return
                    if self._batches:
                        first = self._batches[0]
                        due = first.queued_at + self._linger_s
                        now = time.monotonic()
                        if self._hurry or first.records >= self._max_batch or due <= now:
                            break
                        self._cv.wait(due - now)
                    else:
                        self._cv.wait()
                batch = self._batches.pop(0)
                self._busy = True
            try:
                by_member: dict[str, list[_Entry]] = {}
                for entry in batch.entries:
                    by_member.setdefault(entry.member_id, []).append(entry)
                for member_id, entries in by_member.items():
                    self._send(member_id, entries)
            finally:
                with self._cv:
                    self._busy = False
                    self._cv.notify_all()

    def _send(self, member_id: str, entries: list[_Entry]) -> None:
        request = broker_pb2.AckRequest(
            topic=self._topic, group=self._group, member_id=member_id, items=[e.item for e in entries]
        )
        backoff = Backoff(50, 1_000)
        give_up_at = time.monotonic() + self._retry_timeout_s
        while True:
            try:
                resp: broker_pb2.AckResponse = self._client.broker.Ack(request, timeout=self._client.timeout_s)
                break
            except grpc.RpcError as err:
                error: FerryError = from_rpc_error(err)
            with self._cv:
                closed = self._closed
            if not error.retriable or closed or time.monotonic() >= give_up_at:
                for entry in entries:
                    for future in entry.futures:
                        future.set_exception(error)
                return
            time.sleep(backoff.next_delay_s())
        outcomes = list(resp.outcomes)
        for i, entry in enumerate(entries):
            value = outcomes[i] if i < len(outcomes) else broker_pb2.ACK_OUTCOME_UNSPECIFIED
            try:
                outcome = AckOutcome(value)
            except ValueError:
                outcome = AckOutcome.UNSPECIFIED
            for future in entry.futures:
                future.set_result(outcome)
