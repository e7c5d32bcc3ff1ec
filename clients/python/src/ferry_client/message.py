"""A record delivered to a consumer group member, with the means to settle it."""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING, Mapping

from ferry.v1 import broker_pb2

from .acker import AckOutcome
from .records import ConsumedRecord

if TYPE_CHECKING:
    from .acker import Acker


class Message:
    """One delivery of a record to this consumer.

    Settle it with exactly one of :meth:`ack` or :meth:`nack` (and any number of
    :meth:`extend` before). Settlements are batched; each returns a future of the
    :class:`~ferry_client.acker.AckOutcome` that callers may wait on or ignore.
    """

    __slots__ = ("record", "member_id", "_acker")

    def __init__(self, record: ConsumedRecord, member_id: str, acker: Acker) -> None:
        self.record = record
        #: The member id of the subscription session that received this delivery.
        self.member_id = member_id
        self._acker = acker

    @property
    def partition(self) -> int:
        return self.record.partition

    @property
    def offset(self) -> int:
        return self.record.offset

    @property
    def attempt(self) -> int:
        """1 on the first delivery, then 1 + the number of nacks and ack timeouts so far."""
        return self.record.attempt

    @property
    def key(self) -> bytes:
        return self.record.key

    @property
    def value(self) -> bytes:
        return self.record.value

    @property
    def headers(self) -> Mapping[str, bytes]:
        return self.record.headers

    @property
    def timestamp_ms(self) -> int:
        """The producer's timestamp; 0 = unset."""
        return self.record.timestamp_ms

    @property
    def append_time_ms(self) -> int:
        return self.record.append_time_ms

    def ack(self) -> Future[AckOutcome]:
        """Done: the group never receives this record again."""
        return self._settle(broker_pb2.ACK_ACTION_ACK)

    def nack(self, delay_ms: int | None = None, reason: str = "") -> Future[AckOutcome]:
        """Failed: redeliver after ``delay_ms`` (None = the group's backoff), or dead-letter it
        after the group's max attempts; ``reason`` ends up in the dead letter's headers."""
        return self._settle(broker_pb2.ACK_ACTION_NACK, delay_ms=delay_ms or 0, reason=reason)

    def extend(self, ms: int | None = None) -> Future[AckOutcome]:
        """Still working: push the ack deadline ``ms`` from now (None = the group's ack deadline)."""
        return self._settle(broker_pb2.ACK_ACTION_EXTEND, extend_ms=ms or 0)

    def _settle(self, action: int, **fields: object) -> Future[AckOutcome]:
        item = broker_pb2.AckItem(
            partition=self.record.partition, offset=self.record.offset, action=action, **fields  # type: ignore[arg-type]
        )
        return self._acker.submit(self.member_id, item)

    def __repr__(self) -> str:
        r = self.record
        return f"Message(partition={r.partition}, offset={r.offset}, attempt={r.attempt}, key={r.key!r}, value={r.value!r})"
