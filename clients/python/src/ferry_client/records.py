"""Records as the application sees them, and their conversion to and from ``ferry.v1`` messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Union

from ferry.v1 import common_pb2

#: Keys and values may be given as ``bytes`` or ``str`` (encoded as UTF-8).
BytesLike = Union[bytes, bytearray, memoryview, str]


def to_bytes(data: BytesLike | None) -> bytes:
    """``str`` → UTF-8 bytes; ``None`` → empty bytes."""
    if data is None:
        return b""
    if isinstance(data, str):
        return data.encode("utf-8")
    return bytes(data)


@dataclass(frozen=True)
class Record:
    """A record to produce.

    Attributes:
        value: the payload (may be empty).
        key: records with the same key land on the same partition; empty = no key.
        headers: application headers, name → bytes.
        partition: an explicit partition; wins over the key.
        timestamp_ms: the producer's own timestamp in ms since the epoch; 0 = unset.
    """

    value: bytes = b""
    key: bytes = b""
    headers: Mapping[str, bytes] = field(default_factory=dict)
    partition: int | None = None
    timestamp_ms: int = 0

    @classmethod
    def of(
        cls,
        value: BytesLike | None = None,
        *,
        key: BytesLike | None = None,
        headers: Mapping[str, BytesLike] | None = None,
        partition: int | None = None,
        timestamp_ms: int = 0,
    ) -> Record:
        """Builds a record, encoding ``str`` keys, values and header values as UTF-8."""
        return cls(
            value=to_bytes(value),
            key=to_bytes(key),
            headers={name: to_bytes(v) for name, v in (headers or {}).items()},
            partition=partition,
            timestamp_ms=timestamp_ms,
        )

    def to_proto(self) -> common_pb2.Record:
        return common_pb2.Record(
            key=self.key, value=self.value, headers=dict(self.headers), timestamp_ms=self.timestamp_ms
        )


@dataclass(frozen=True)
class Position:
    """Where a produced record landed.

    Attributes:
        partition: the record's partition.
        offset: the record's offset in that partition.
        append_time_ms: the broker's append time.
        duplicate: True when the broker recognised an idempotent retry and answered
            with the original position.
    """

    partition: int
    offset: int
    append_time_ms: int = 0
    duplicate: bool = False


@dataclass(frozen=True)
class ConsumedRecord:
    """A stored record as a reader receives it (from Fetch or a subscription)."""

    partition: int
    offset: int
    key: bytes
    value: bytes
    headers: Mapping[str, bytes]
    timestamp_ms: int
    append_time_ms: int
    #: 1 on the first delivery to a group, then +1 per nack or timeout; 0 without a group.
    attempt: int

    @classmethod
    def from_proto(cls, msg: common_pb2.ConsumedRecord) -> ConsumedRecord:
        rec = msg.record
        return cls(
            partition=msg.partition,
            offset=msg.offset,
            key=rec.key,
            value=rec.value,
            headers=dict(rec.headers),
            timestamp_ms=rec.timestamp_ms,
            append_time_ms=msg.append_time_ms,
            attempt=msg.attempt,
        )


@dataclass(frozen=True)
class FetchResult:
    """What Fetch returned for one partition."""

    records: list[ConsumedRecord]
    #: The offset to fetch next.
    next_offset: int
    log_start_offset: int
    log_end_offset: int


@dataclass(frozen=True)
class StartPosition:
    """Where a new group, or a group-less reader, starts. Build with the class methods."""

    start_from: int = common_pb2.START_FROM_UNSPECIFIED
    offset: int = 0
    timestamp_ms: int = 0

    @classmethod
    def earliest(cls) -> StartPosition:
        return cls(common_pb2.START_FROM_EARLIEST)

    @classmethod
    def latest(cls) -> StartPosition:
        return cls(common_pb2.START_FROM_LATEST)

    @classmethod
    def at_offset(cls, offset: int) -> StartPosition:
        return cls(common_pb2.START_FROM_OFFSET, offset=offset)

    @classmethod
    def at_timestamp(cls, timestamp_ms: int) -> StartPosition:
        return cls(common_pb2.START_FROM_TIMESTAMP, timestamp_ms=timestamp_ms)

    def to_proto(self) -> common_pb2.StartPosition:
        return common_pb2.StartPosition(
            **{"from": self.start_from}, offset=self.offset, timestamp_ms=self.timestamp_ms
        )
