"""Coalesces acks, nacks and extends into batched ``Ack`` calls on a background thread."""

from __future__ import annotations

import enum
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
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
    #: redelivered elsewhere); nothing changed.
    NOT_IN_FLIGHT = broker_pb2.ACK_OUTCOME_NOT_IN_FLIGHT
    #: The broker answered without an outcome for this item.
    UNSPECIFIED = broker_pb2.ACK_OUTCOME_UNSPECIFIED


@dataclass
class _Item:
    member_id: str
    item: broker_pb2.AckItem
    future: Future[AckOutcome]
    queued_at: float


class Acker:
    """Sends settled records of one (topic, group) in batches.

    Items wait at most ``linger_ms`` (or until ``max_batch`` are queued) and go out in one
    ``Ack`` per member id. A call failing with UNAVAILABLE or DEADLINE_EXCEEDED is retried
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
        self._queue: list[_Item] = []
        self._busy = False  # a batch is being sent
        self._hurry = 0
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=f"ferry-acker-{group}", daemon=True)
        self._thread.start()

    def submit(self, member_id: str, item: broker_pb2.AckItem) -> Future[AckOutcome]:
        """Queues one item; the future resolves to its :class:`AckOutcome` or a FerryError."""
        future: Future[AckOutcome] = Future()
        future.set_running_or_notify_cancel()
        with self._cv:
            if self._closed:
                future.set_exception(ClosedError("consumer is closed"))
                return future
            self._queue.append(_Item(member_id, item, future, time.monotonic()))
            self._cv.notify_all()
        return future

    def flush(self, timeout_s: float | None = None) -> bool:
        """Sends what is queued now and waits until nothing is queued or being sent."""
        with self._cv:
            self._hurry += 1
            self._cv.notify_all()
            try:
                return self._cv.wait_for(lambda: not self._queue and not self._busy, timeout_s)
            finally:
                self._hurry -= 1

    def close(self, timeout_s: float | None = 5.0) -> None:
        """Flushes (at most ``timeout_s``), then stops; items still queued fail with ClosedError."""
        self.flush(timeout_s)
        with self._cv:
            self._closed = True
            left, self._queue = self._queue, []
            self._cv.notify_all()
        for it in left:
            it.future.set_exception(ClosedError("consumer closed before the ack was sent"))
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._cv:
                while True:
                    if self._closed:
                        return
                    if self._queue:
                        due = self._queue[0].queued_at + self._linger_s
                        now = time.monotonic()
                        if self._hurry or len(self._queue) >= self._max_batch or due <= now:
                            break
                        self._cv.wait(due - now)
                    else:
                        self._cv.wait()
                batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
                self._busy = True
            try:
                by_member: dict[str, list[_Item]] = {}
                for it in batch:
                    by_member.setdefault(it.member_id, []).append(it)
                for member_id, items in by_member.items():
                    self._send(member_id, items)
            finally:
                with self._cv:
                    self._busy = False
                    self._cv.notify_all()

    def _send(self, member_id: str, items: list[_Item]) -> None:
        request = broker_pb2.AckRequest(
            topic=self._topic, group=self._group, member_id=member_id, items=[it.item for it in items]
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
                for it in items:
                    it.future.set_exception(error)
                return
            time.sleep(backoff.next_delay_s())
        outcomes = list(resp.outcomes)
        for i, it in enumerate(items):
            value = outcomes[i] if i < len(outcomes) else broker_pb2.ACK_OUTCOME_UNSPECIFIED
            try:
                outcome = AckOutcome(value)
            except ValueError:
                outcome = AckOutcome.UNSPECIFIED
            it.future.set_result(outcome)
