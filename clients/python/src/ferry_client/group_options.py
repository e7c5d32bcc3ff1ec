"""A consumer group's settings (``ferry.v1.GroupOptions``)."""

from __future__ import annotations

from dataclasses import dataclass

from ferry.v1 import broker_pb2


@dataclass(frozen=True)
class GroupOptions:
    """Group settings, applied when a subscription creates the group; 0 / "" = the broker's default.

    Attributes:
        ack_deadline_ms: how long a delivered record may stay unacked (default 30000).
        max_attempts: failed deliveries before a record is dead-lettered (default 5).
        backoff_min_ms: the first retry delay after a nack or timeout (default 1000).
        backoff_max_ms: the largest retry delay (default 60000).
        dead_letter_topic: where dead letters go (default ``<topic>.<group>.dlq``).
        delivery_mode: ``broker_pb2.DELIVERY_MODE_*``; only PARTITIONED exists today.
    """

    ack_deadline_ms: int = 0
    max_attempts: int = 0
    backoff_min_ms: int = 0
    backoff_max_ms: int = 0
    dead_letter_topic: str = ""
    delivery_mode: int = broker_pb2.DELIVERY_MODE_UNSPECIFIED

    def to_proto(self) -> broker_pb2.GroupOptions:
        return broker_pb2.GroupOptions(
            ack_deadline_ms=self.ack_deadline_ms,
            max_attempts=self.max_attempts,
            backoff_min_ms=self.backoff_min_ms,
            backoff_max_ms=self.backoff_max_ms,
            dead_letter_topic=self.dead_letter_topic,
            delivery_mode=self.delivery_mode,  # type: ignore[arg-type]
        )

    @classmethod
    def from_proto(cls, o: broker_pb2.GroupOptions) -> GroupOptions:
        return cls(
            o.ack_deadline_ms, o.max_attempts, o.backoff_min_ms, o.backoff_max_ms, o.dead_letter_topic, o.delivery_mode
        )
