"""Producer: batched, idempotent, retrying sends to one topic.

``send()`` blocks until the record is durable and returns its :class:`Position`; many
threads (or ``send_async()`` callers) share batches. One background thread forms batches
per partition: a partition's records leave when ``max_batch_records`` are waiting, when
the oldest has waited ``linger_ms``, or on ``flush()`` / ``close()``. Each partition has
at most one batch in flight, so its sequences reach the broker in order.

Idempotence (the default): one producer id (uuid4 hex) per Producer, a sequence per
partition, and an explicit partition on every batch. The partition count comes from
``DescribeTopic(create_if_missing=True)``; keyed records go to Kafka's murmur2 partition,
unkeyed ones to one partition per batch, rotating. A batch that fails with UNAVAILABLE or
DEADLINE_EXCEEDED is sent again, unchanged (same first sequence), after a backoff, until
``delivery_timeout_ms``: the broker answers a retry of a record it already has with the
original position, so a retry never duplicates.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Mapping

import grpc

from ferry.v1 import admin_pb2, broker_pb2, common_pb2

from .backoff import Backoff
from .errors import ClosedError, FerryError, from_rpc_error
from .murmur2 import partition_for_key
from .records import BytesLike, Position, Record

if TYPE_CHECKING:
    from .client import Client

DEFAULT_LINGER_MS = 5
DEFAULT_MAX_BATCH_RECORDS = 5000
DEFAULT_MAX_PENDING_RECORDS = 100_000
DEFAULT_REQUEST_TIMEOUT_MS = 10_000
DEFAULT_DELIVERY_TIMEOUT_MS = 30_000
DEFAULT_RETRY_BACKOFF_MIN_MS = 50
DEFAULT_RETRY_BACKOFF_MAX_MS = 1_000

# Failures after which the broker certainly did not append the batch: its sequences can be
# used again. Any other failure is ambiguous, and the partition moves to a new producer id.
_NOT_APPLIED = frozenset(
    {
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.OUT_OF_RANGE,
        grpc.StatusCode.UNIMPLEMENTED,
        grpc.StatusCode.FAILED_PRECONDITION,
    }
)
_SEQUENCE_REASONS = frozenset({"OUT_OF_ORDER_SEQUENCE", "DUPLICATE_SEQUENCE"})


@dataclass
class _Pending:
    record: common_pb2.Record
    key: bytes
    partition: int | None
    future: Future[Position]
    enqueued_at: float


@dataclass
class _Batch:
    partition: int
    items: list[_Pending]
    producer_id: str
    first_sequence: int
    give_up_at: float
    backoff: Backoff
    retry_at: float | None = None  # set while waiting to be sent again


@dataclass(eq=False)
class _PartitionState:
    partition: int
    producer_id: str
    next_sequence: int = 0
    queue: deque[_Pending] = field(default_factory=deque)
    in_flight: _Batch | None = None


class Producer:
    """Sends records to one topic. Thread-safe; use as a context manager or call ``close()``.

    Args:
        client: the connection.
        topic: the topic; created with the broker's defaults when missing and the broker
            auto-creates topics.
        linger_ms: how long a record may wait for others to share its batch.
        max_batch_records: the most records per ProduceBatch.
        idempotent: send a producer id and sequences so that retries never duplicate.
        request_timeout_ms: the deadline of one ProduceBatch call.
        delivery_timeout_ms: how long a record may take, retries included, before its send fails.
        max_pending_records: senders wait while this many records are unresolved.
    """

    def __init__(
        self,
        client: Client,
        topic: str,
        *,
        linger_ms: int = DEFAULT_LINGER_MS,
        max_batch_records: int = DEFAULT_MAX_BATCH_RECORDS,
        idempotent: bool = True,
        request_timeout_ms: int = DEFAULT_REQUEST_TIMEOUT_MS,
        delivery_timeout_ms: int = DEFAULT_DELIVERY_TIMEOUT_MS,
        max_pending_records: int = DEFAULT_MAX_PENDING_RECORDS,
        retry_backoff_min_ms: int = DEFAULT_RETRY_BACKOFF_MIN_MS,
        retry_backoff_max_ms: int = DEFAULT_RETRY_BACKOFF_MAX_MS,
    ) -> None:
        if max_batch_records < 1:
            raise ValueError("max_batch_records must be at least 1")
        self.topic = topic
        self.producer_id = uuid.uuid4().hex if idempotent else ""
        self._client = client
        self._linger_s = max(0, linger_ms) / 1000.0
        self._max_batch = max_batch_records
        self._idempotent = idempotent
        self._request_timeout_s = request_timeout_ms / 1000.0
        self._delivery_timeout_s = delivery_timeout_ms / 1000.0
        self._max_pending = max(1, max_pending_records)
        self._backoff_ms = (retry_backoff_min_ms, retry_backoff_max_ms)

        self._cv = threading.Condition()
        self._intake: deque[_Pending] = deque()  # records waiting for the partition count
        self._partitions: list[_PartitionState] = []
        self._sticky = 0  # the partition of unkeyed records until its next batch leaves
        self._outstanding = 0  # records sent and not yet resolved
        self._flushing = 0
        self._closing = False
        self._stopped = False
        self._describe_backoff = Backoff(*self._backoff_ms)
        self._describe_at = 0.0
        self._thread = threading.Thread(target=self._run, name=f"ferry-producer-{topic}", daemon=True)
        self._thread.start()

    # -- public API -------------------------------------------------------------------

    def send(
        self,
        record: Record | BytesLike | None = None,
        *,
        key: BytesLike | None = None,
        headers: Mapping[str, BytesLike] | None = None,
        partition: int | None = None,
        timestamp_ms: int = 0,
        timeout_s: float | None = None,
    ) -> Position:
        """Sends one record and waits until it is durable. Returns where it landed.

        ``record`` is a :class:`Record`, or the value (bytes or str) with the other fields
        as keyword arguments. Raises a :class:`FerryError` when the broker refuses the
        record or it could not be delivered within ``delivery_timeout_ms``.
        """
        return self.send_async(
            record, key=key, headers=headers, partition=partition, timestamp_ms=timestamp_ms
        ).result(timeout_s)

    def send_async(
        self,
        record: Record | BytesLike | None = None,
        *,
        key: BytesLike | None = None,
        headers: Mapping[str, BytesLike] | None = None,
        partition: int | None = None,
        timestamp_ms: int = 0,
    ) -> Future[Position]:
        """Queues one record; the future resolves to its :class:`Position` or a FerryError."""
        if not isinstance(record, Record):
            record = Record.of(record, key=key, headers=headers, partition=partition, timestamp_ms=timestamp_ms)
        future: Future[Position] = Future()
        future.set_running_or_notify_cancel()
        pending = _Pending(record.to_proto(), record.key, record.partition, future, time.monotonic())
        with self._cv:
            while self._outstanding >= self._max_pending and not self._closing:
                self._cv.wait()
            if self._closing:
                raise ClosedError("producer is closed")
            self._outstanding += 1
            if self._partitions:
                self._place(pending)
            else:
                self._intake.append(pending)
            self._cv.notify_all()
        return future

    def flush(self, timeout_s: float | None = None) -> None:
        """Sends everything queued now without waiting for linger, and waits until every
        record sent so far is resolved. Raises ``TimeoutError`` after ``timeout_s``."""
        with self._cv:
            self._flushing += 1
            self._cv.notify_all()
            try:
                if not self._cv.wait_for(lambda: self._outstanding == 0, timeout_s):
                    raise TimeoutError(f"flush: {self._outstanding} records still pending after {timeout_s} s")
            finally:
                self._flushing -= 1

    def close(self, timeout_s: float | None = None) -> None:
        """Stops accepting records, sends what is queued, waits for it (at most ``timeout_s``;
        what is left then fails with ClosedError) and stops the background thread. Idempotent."""
        with self._cv:
            self._closing = True
            self._cv.notify_all()
            self._cv.wait_for(lambda: self._outstanding == 0, timeout_s)
            self._stopped = True
            self._cv.notify_all()
        self._thread.join()
        self._fail_all(ClosedError("producer closed before the record was sent"))

    def __enter__(self) -> Producer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- background thread ------------------------------------------------------------

    def _run(self) -> None:
        try:
            while True:
                to_send: list[_Batch] = []
                describe = False
                with self._cv:
                    if self._stopped:
                        return
                    now = time.monotonic()
                    wake: float | None = None
                    if self._intake and not self._partitions:
                        if now >= self._describe_at:
                            describe = True
                        else:
                            wake = self._describe_at
                    if not describe:
                        wake = self._collect_batches(now, to_send, wake)
                        if not to_send:
                            self._cv.wait(None if wake is None else max(0.0, wake - now))
                            continue
                if describe:
                    self._describe()
                for batch in to_send:
                    self._send(batch)
        except BaseException as err:  # noqa: BLE001 - never leave a sender waiting forever
            with self._cv:
                self._stopped = True
            self._fail_all(err if isinstance(err, Exception) else ClosedError(str(err)))
            raise

    def _collect_batches(self, now: float, out: list[_Batch], wake: float | None) -> float | None:
        """Under the lock: batches ready to go (new or due for retry); returns the next wake time."""
        hurry = self._flushing > 0 or self._closing
        for state in self._partitions:
            batch = state.in_flight
            if batch is not None:
                if batch.retry_at is not None:
                    if batch.retry_at <= now:
                        batch.retry_at = None
                        out.append(batch)
                    else:
                        wake = batch.retry_at if wake is None else min(wake, batch.retry_at)
                continue
            if not state.queue:
                continue
            due = state.queue[0].enqueued_at + self._linger_s
            if hurry or len(state.queue) >= self._max_batch or due <= now:
                out.append(self._make_batch(state, now))
            else:
                wake = due if wake is None else min(wake, due)
        return wake

    def _make_batch(self, state: _PartitionState, now: float) -> _Batch:
        count = min(len(state.queue), self._max_batch)
        items = [state.queue.popleft() for _ in range(count)]
        partition = state.partition
        batch = _Batch(
            partition=partition,
            items=items,
            producer_id=state.producer_id,
            first_sequence=state.next_sequence,
            give_up_at=min(p.enqueued_at for p in items) + self._delivery_timeout_s,
            backoff=Backoff(*self._backoff_ms),
        )
        if self._idempotent:
            state.next_sequence += count
        state.in_flight = batch
        if partition == self._sticky:
            self._sticky = (self._sticky + 1) % len(self._partitions)
        return batch

    def _place(self, pending: _Pending) -> None:
        """Under the lock, with a known partition count: queue a record on its partition."""
        n = len(self._partitions)
        if pending.partition is not None:
            partition = pending.partition
            if not 0 <= partition < n:
                pending.future.set_exception(
                    ValueError(f"partition {partition} does not exist in topic '{self.topic}' ({n} partitions)")
                )
                self._outstanding -= 1
                return
        elif pending.key:
            partition = partition_for_key(pending.key, n)
        else:
            partition = self._sticky
        self._partitions[partition].queue.append(pending)

    def _describe(self) -> None:
        """Learns the partition count (creating the topic when the broker allows)."""
        error: FerryError | None = None
        try:
            resp: admin_pb2.DescribeTopicResponse = self._client.admin_stub.DescribeTopic(
                admin_pb2.DescribeTopicRequest(name=self.topic, create_if_missing=True),
                timeout=self._request_timeout_s,
            )
        except grpc.RpcError as err:
            error = from_rpc_error(err)
        failed: list[_Pending] = []
        with self._cv:
            if error is None:
                count = max(1, resp.topic.partitions)
                self._partitions = [_PartitionState(p, self.producer_id) for p in range(count)]
                self._sticky = 0
                while self._intake:
                    self._place(self._intake.popleft())
                self._describe_backoff.reset()
            elif error.retriable:
                now = time.monotonic()
                self._describe_at = now + self._describe_backoff.next_delay_s()
                while self._intake and self._intake[0].enqueued_at + self._delivery_timeout_s <= now:
                    failed.append(self._intake.popleft())
            else:
                failed.extend(self._intake)
                self._intake.clear()
            self._outstanding -= len(failed)
            self._cv.notify_all()
        for pending in failed:
            pending.future.set_exception(error or ClosedError("unreachable"))

    def _send(self, batch: _Batch) -> None:
        request = broker_pb2.ProduceBatchRequest(
            topic=self.topic,
            records=[p.record for p in batch.items],
            partition=batch.partition,
            producer_id=batch.producer_id,
            first_sequence=batch.first_sequence if self._idempotent else 0,
        )
        try:
            call = self._client.broker.ProduceBatch.future(request, timeout=self._request_timeout_s)
        except grpc.RpcError as err:  # pragma: no cover - future() itself rarely raises
            self._done(batch, None, from_rpc_error(err))
            return
        call.add_done_callback(lambda f: self._on_call_done(batch, f))

    def _on_call_done(self, batch: _Batch, call: grpc.Future[broker_pb2.ProduceBatchResponse]) -> None:
        try:
            self._done(batch, call.result(), None)
        except grpc.RpcError as err:
            self._done(batch, None, from_rpc_error(err))

    def _done(self, batch: _Batch, resp: broker_pb2.ProduceBatchResponse | None, error: FerryError | None) -> None:
        results: list[tuple[Future[Position], Position | BaseException]] = []
        with self._cv:
            state = self._partitions[batch.partition]
            n = len(batch.items)
            if resp is not None and (len(resp.offsets) != n or len(resp.partitions) != n):
                error = FerryError(
                    f"broker answered {len(resp.offsets)} positions for {n} records",
                    code=grpc.StatusCode.INTERNAL,
                    reason="INTERNAL",
                )
                resp = None
            now = time.monotonic()
            if resp is not None:
                for i, pending in enumerate(batch.items):
                    position = Position(
                        resp.partitions[i], resp.offsets[i], resp.append_time_ms, duplicate=i < resp.duplicates
                    )
                    results.append((pending.future, position))
            elif error is not None and error.retriable and now < batch.give_up_at and not self._stopped:
                batch.retry_at = min(batch.give_up_at, now + batch.backoff.next_delay_s())
                self._cv.notify_all()
                return
            else:
                assert error is not None
                results.extend((p.future, error) for p in batch.items)
                if self._idempotent and state.producer_id == batch.producer_id:
                    if error.code in _NOT_APPLIED and error.reason not in _SEQUENCE_REASONS:
                        state.next_sequence = batch.first_sequence  # nothing was appended: reuse
                    else:
                        # The broker may or may not hold the batch: continue in a new session
                        # so that later records are neither refused nor taken for retries.
                        state.producer_id = uuid.uuid4().hex
                        state.next_sequence = 0
            state.in_flight = None
            self._outstanding -= n
            self._cv.notify_all()
        for future, outcome in results:
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    def _fail_all(self, error: BaseException) -> None:
        with self._cv:
            pending = list(self._intake)
            self._intake.clear()
            for state in self._partitions:
                pending.extend(state.queue)
                state.queue.clear()
                if state.in_flight is not None and state.in_flight.retry_at is not None:
                    pending.extend(state.in_flight.items)
                    state.in_flight = None
            self._outstanding -= len(pending)
            self._cv.notify_all()
        for p in pending:
            if not p.future.done():
                p.future.set_exception(error)
