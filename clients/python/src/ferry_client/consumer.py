"""Consumer: one member of a consumer group on a topic, as an iterator of Messages.

A background thread holds the ``Subscribe`` stream. When the stream ends or fails with a
transient error (broker restart, UNAVAILABLE, network), it subscribes again after an
exponential backoff and so rejoins the group with a new member id; the broker redelivers
what the old member had in flight. Deliveries still queued locally from a lost session,
or from a partition the member no longer owns, are dropped (the broker delivers them
again). Errors that retrying cannot fix (unknown topic, mismatched group options...)
end the iteration by raising them.
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Callable, Iterator, Protocol, Union

import grpc

from ferry.v1 import broker_pb2

from .acker import DEFAULT_ACK_LINGER_MS, DEFAULT_MAX_ACK_BATCH, Acker
from .backoff import Backoff
from .errors import ClosedError, FerryError, from_rpc_error
from .group_options import GroupOptions
from .message import Message
from .records import ConsumedRecord, StartPosition

if TYPE_CHECKING:
    from .client import Client

_log = logging.getLogger("ferry_client.consumer")

DEFAULT_RECONNECT_BACKOFF_MIN_MS = 100
DEFAULT_RECONNECT_BACKOFF_MAX_MS = 5_000

# Status codes after which subscribing again cannot help: they end the consumer.
_FATAL_CODES = frozenset(
    {
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.UNIMPLEMENTED,
        grpc.StatusCode.OUT_OF_RANGE,
        grpc.StatusCode.ALREADY_EXISTS,
        grpc.StatusCode.PERMISSION_DENIED,
        grpc.StatusCode.UNAUTHENTICATED,
    }
)


@dataclass(frozen=True)
class Assignment:
    """This member's share of the group.

    Attributes:
        member_id: the member id of the current session (a new one after every rejoin).
        generation: the group's generation; grows on every join and leave.
        partitions: the partitions this member owns, ascending; empty = idle.
    """

    member_id: str
    generation: int
    partitions: tuple[int, ...]


class _Cancellable(Protocol):
    def cancel(self) -> bool: ...


class _Closed:
    """Queue sentinel: the consumer was closed."""


_Event = Union[Message, FerryError, _Closed]

AssignmentCallback = Callable[[Union[Assignment, None]], None]


class Consumer:
    """A member of ``group`` on ``topic``. It joins as soon as it is made.

    Iterate it (``for msg in consumer``) or call :meth:`receive`; settle each message with
    ``msg.ack()`` / ``msg.nack()``. Close it (or use ``with``) to leave the group.

    Args:
        client: the connection.
        topic: the topic to read.
        group: the consumer group to join.
        start: where a new group starts (default: earliest).
        max_in_flight: the most unsettled deliveries to this member (0 = broker default 1000).
        client_id: a label shown by DescribeGroup (default: the host name).
        options: group settings, applied when this subscription creates the group.
        on_assignment: called on the consumer's thread with each new :class:`Assignment`,
            and with ``None`` when the stream is lost (until the rejoin's assignment).
        ack_linger_ms / max_ack_batch: how settlements are coalesced into Ack calls: a call
            goes out ``ack_linger_ms`` (5) after its first settlement or once it covers
            ``max_ack_batch`` (500) records; consecutive acks of a partition travel as one
            offset run.
        reconnect_backoff_min_ms / reconnect_backoff_max_ms: the rejoin backoff.
    """

    def __init__(
        self,
        client: Client,
        topic: str,
        group: str,
        *,
        start: StartPosition | None = None,
        max_in_flight: int = 0,
        client_id: str | None = None,
        options: GroupOptions | None = None,
        on_assignment: AssignmentCallback | None = None,
        ack_linger_ms: int = DEFAULT_ACK_LINGER_MS,
        max_ack_batch: int = DEFAULT_MAX_ACK_BATCH,
        reconnect_backoff_min_ms: int = DEFAULT_RECONNECT_BACKOFF_MIN_MS,
        reconnect_backoff_max_ms: int = DEFAULT_RECONNECT_BACKOFF_MAX_MS,
    ) -> None:
        if not group:
            raise ValueError("a Consumer needs a group")
        self.topic = topic
        self.group = group
        self._client = client
        self._request = broker_pb2.SubscribeRequest(
            topic=topic,
            group=group,
            start=(start or StartPosition()).to_proto(),
            max_in_flight=max_in_flight,
            client_id=socket.gethostname() if client_id is None else client_id,
            options=(options or GroupOptions()).to_proto(),
        )
        self._on_assignment = on_assignment
        self._acker = Acker(client, topic, group, linger_ms=ack_linger_ms, max_batch=max_ack_batch)
        self._backoff = Backoff(reconnect_backoff_min_ms, reconnect_backoff_max_ms)
        self._events: queue.SimpleQueue[_Event] = queue.SimpleQueue()
        self._cv = threading.Condition()
        self._assignment: Assignment | None = None
        self._call: _Cancellable | None = None
        self._closed = threading.Event()
        self._error: FerryError | None = None
        #: How many times the consumer (re)subscribed; 1 after the first join.
        self.subscriptions = 0
        self._thread = threading.Thread(target=self._run, name=f"ferry-consumer-{group}", daemon=True)
        self._thread.start()

    # -- public API -------------------------------------------------------------------

    @property
    def assignment(self) -> Assignment | None:
        """The current assignment; ``None`` before the first join and while rejoining."""
        with self._cv:
            return self._assignment

    def wait_for_assignment(self, timeout_s: float | None = None) -> Assignment:
        """Waits until the member has joined (or rejoined); raises ``TimeoutError``."""
        with self._cv:
            if not self._cv.wait_for(
                lambda: self._assignment is not None or self._error is not None or self._closed.is_set(), timeout_s
            ):
                raise TimeoutError(f"no assignment for group '{self.group}' within {timeout_s} s")
            if self._error is not None:
                raise self._error
            if self._assignment is None:
                raise ClosedError("consumer is closed")
            return self._assignment

    def receive(self, timeout_s: float | None = None) -> Message | None:
        """The next message, or ``None`` after ``timeout_s``. Raises the consumer's fatal
        error, or ClosedError once the consumer is closed."""
        while True:
            try:
                event = self._events.get(timeout=timeout_s)
            except queue.Empty:
                return None
            if isinstance(event, _Closed):
                self._events.put(event)  # keep every later receive() ending too
                raise ClosedError("consumer is closed")
            if isinstance(event, FerryError):
                self._events.put(event)
                raise event
            if self._is_current(event):
                return event

    def __iter__(self) -> Iterator[Message]:
        """Messages until the consumer is closed; a fatal error is raised."""
        while True:
            try:
                msg = self.receive()
            except ClosedError:
                return
            if msg is not None:
                yield msg

    def flush_acks(self, timeout_s: float | None = None) -> bool:
        """Sends queued settlements now; True when none is left pending within ``timeout_s``."""
        return self._acker.flush(timeout_s)

    def close(self, timeout_s: float = 5.0) -> None:
        """Sends queued settlements (at most ``timeout_s``), leaves the group. Idempotent."""
        if self._closed.is_set():
            return
        self._acker.close(timeout_s)
        with self._cv:
            self._closed.set()
            call = self._call
            self._cv.notify_all()
        if call is not None:
            call.cancel()
        if threading.current_thread() is not self._thread:  # close() from on_assignment is fine
            self._thread.join(timeout_s)
        self._events.put(_Closed())

    def __enter__(self) -> Consumer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- background thread ------------------------------------------------------------

    def _is_current(self, msg: Message) -> bool:
        """A delivery is worth handing out only from the live session and an owned partition."""
        with self._cv:
            a = self._assignment
        return a is not None and a.member_id == msg.member_id and msg.partition in a.partitions

    def _run(self) -> None:
        while not self._closed.is_set():
            error = self._subscribe_once()
            if self._closed.is_set():
                return
            self._set_assignment(None)
            if error is not None and error.code in _FATAL_CODES:
                with self._cv:
                    self._error = error
                    self._cv.notify_all()
                self._events.put(error)
                return
            self._closed.wait(self._backoff.next_delay_s())

    def _subscribe_once(self) -> FerryError | None:
        """One Subscribe stream until it ends; returns its error (None = ended cleanly)."""
        with self._cv:
            if self._closed.is_set():
                return None
            call = self._client.broker.Subscribe(self._request)
            self._call = call
            self.subscriptions += 1
        member_id = ""
        try:
            for resp in call:
                kind = resp.WhichOneof("event")
                if kind == "assignment":
                    a = resp.assignment
                    member_id = a.member_id
                    self._backoff.reset()
                    self._set_assignment(Assignment(a.member_id, a.generation, tuple(a.partitions)))
                elif kind == "records":
                    for rec in resp.records.records:
                        self._events.put(Message(ConsumedRecord.from_proto(rec), member_id, self._acker))
            return None
        except grpc.RpcError as err:
            return from_rpc_error(err)
        finally:
            with self._cv:
                self._call = None
            call.cancel()

    def _set_assignment(self, assignment: Assignment | None) -> None:
        with self._cv:
            changed = assignment != self._assignment
            self._assignment = assignment
            self._cv.notify_all()
        if changed and self._on_assignment is not None:
            try:
                self._on_assignment(assignment)
            except Exception:  # noqa: BLE001 - a faulty callback must not stop the consumer
                _log.exception("on_assignment callback failed")
