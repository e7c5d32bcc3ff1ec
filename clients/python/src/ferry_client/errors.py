"""Typed errors rebuilt from a gRPC status and its ``ferry-error-reason`` trailer.

The broker sends a stable reason (``TOPIC_NOT_FOUND``...) in the trailing metadata key
``ferry-error-reason``. :func:`from_rpc_error` picks the class from that reason; an unknown
reason, or none, falls back to a class chosen by the gRPC code. Branch on the class or on
``.reason``, never on the message text.
"""

from __future__ import annotations

from typing import Final

import grpc

REASON_METADATA_KEY: Final = "ferry-error-reason"


class FerryError(Exception):
    """Base of every error the client raises for a failed RPC.

    Attributes:
        reason: the broker's stable reason (``"TOPIC_NOT_FOUND"``), or ``None`` when the
            status carried none (for example a transport failure).
        code: the gRPC status code.
        details: the broker's message, meant for a person.
    """

    def __init__(self, details: str, *, code: grpc.StatusCode, reason: str | None = None) -> None:
        super().__init__(details)
        self.details = details
        self.code = code
        self.reason = reason

    @property
    def retriable(self) -> bool:
        """True for failures where the same request may succeed later (UNAVAILABLE, DEADLINE_EXCEEDED)."""
        return self.code in RETRIABLE_CODES

    def __str__(self) -> str:
        label = self.reason or self.code.name
        return f"{label}: {self.details}" if self.details else label

    def __repr__(self) -> str:
        return f"{type(self).__name__}(reason={self.reason!r}, code={self.code.name}, details={self.details!r})"


# One class per gRPC code the broker uses; reason classes below derive from these.
class NotFoundError(FerryError):
    """NOT_FOUND."""


class AlreadyExistsError(FerryError):
    """ALREADY_EXISTS."""


class InvalidArgumentError(FerryError):
    """INVALID_ARGUMENT (also the class of the INVALID_ARGUMENT reason)."""


class FailedPreconditionError(FerryError):
    """FAILED_PRECONDITION."""


class OutOfRangeError(FerryError):
    """OUT_OF_RANGE."""


class UnavailableError(FerryError):
    """UNAVAILABLE: the broker is down, restarting or shutting down. Retriable."""


class DeadlineExceededError(FerryError):
    """DEADLINE_EXCEEDED. Retriable."""


class UnimplementedError(FerryError):
    """UNIMPLEMENTED."""


class CancelledError(FerryError):
    """CANCELLED."""


class InternalError(FerryError):
    """INTERNAL (also the class of the INTERNAL reason)."""


# One class per broker reason (docs/broker-contract-for-clients.md).
class TopicNotFoundError(NotFoundError):
    """TOPIC_NOT_FOUND."""


class GroupNotFoundError(NotFoundError):
    """GROUP_NOT_FOUND."""


class TopicAlreadyExistsError(AlreadyExistsError):
    """TOPIC_ALREADY_EXISTS."""


class InvalidTopicNameError(InvalidArgumentError):
    """INVALID_TOPIC_NAME."""


class InvalidPartitionError(InvalidArgumentError):
    """INVALID_PARTITION."""


class RecordTooLargeError(InvalidArgumentError):
    """RECORD_TOO_LARGE."""


class BatchTooLargeError(InvalidArgumentError):
    """BATCH_TOO_LARGE."""


class OffsetOutOfRangeError(OutOfRangeError):
    """OFFSET_OUT_OF_RANGE."""


class OutOfOrderSequenceError(FailedPreconditionError):
    """OUT_OF_ORDER_SEQUENCE: an idempotent produce skipped a sequence number."""


class DuplicateSequenceError(AlreadyExistsError):
    """DUPLICATE_SEQUENCE."""


class GroupHasMembersError(FailedPreconditionError):
    """GROUP_HAS_MEMBERS: the operation needs a group without live members."""


class GroupOptionsMismatchError(FailedPreconditionError):
    """GROUP_OPTIONS_MISMATCH: the subscription's group options differ from the group's."""


class NotImplementedByBrokerError(UnimplementedError):
    """NOT_IMPLEMENTED: the broker does not support this yet."""


class ShuttingDownError(UnavailableError):
    """SHUTTING_DOWN. Retriable."""


RETRIABLE_CODES: Final = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})

ERRORS_BY_REASON: Final[dict[str, type[FerryError]]] = {
    "TOPIC_NOT_FOUND": TopicNotFoundError,
    "GROUP_NOT_FOUND": GroupNotFoundError,
    "TOPIC_ALREADY_EXISTS": TopicAlreadyExistsError,
    "INVALID_ARGUMENT": InvalidArgumentError,
    "INVALID_TOPIC_NAME": InvalidTopicNameError,
    "INVALID_PARTITION": InvalidPartitionError,
    "RECORD_TOO_LARGE": RecordTooLargeError,
    "BATCH_TOO_LARGE": BatchTooLargeError,
    "OFFSET_OUT_OF_RANGE": OffsetOutOfRangeError,
    "OUT_OF_ORDER_SEQUENCE": OutOfOrderSequenceError,
    "DUPLICATE_SEQUENCE": DuplicateSequenceError,
    "GROUP_HAS_MEMBERS": GroupHasMembersError,
    "GROUP_OPTIONS_MISMATCH": GroupOptionsMismatchError,
    "NOT_IMPLEMENTED": NotImplementedByBrokerError,
    "SHUTTING_DOWN": ShuttingDownError,
    "INTERNAL": InternalError,
}

ERRORS_BY_CODE: Final[dict[grpc.StatusCode, type[FerryError]]] = {
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExistsError,
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPreconditionError,
    grpc.StatusCode.OUT_OF_RANGE: OutOfRangeError,
    grpc.StatusCode.UNAVAILABLE: UnavailableError,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceededError,
    grpc.StatusCode.UNIMPLEMENTED: UnimplementedError,
    grpc.StatusCode.CANCELLED: CancelledError,
    grpc.StatusCode.INTERNAL: InternalError,
}


def error_for(code: grpc.StatusCode, details: str, reason: str | None) -> FerryError:
    """Builds the typed error for a status: by reason when known, else by code.

    A reason class is used only when its code agrees with the status code's class
    (a reason that arrives with an unexpected code still yields the code's class).
    """
    by_code = ERRORS_BY_CODE.get(code, FerryError)
    cls = ERRORS_BY_REASON.get(reason, by_code) if reason else by_code
    if not issubclass(cls, by_code):
        cls = by_code
    return cls(details, code=code, reason=reason)


def reason_of(metadata: object) -> str | None:
    """The ``ferry-error-reason`` value in trailing metadata, if any."""
    if not metadata:
        return None
    for item in metadata:  # type: ignore[attr-defined]
        key, value = item[0], item[1]
        if key == REASON_METADATA_KEY:
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return None


def from_rpc_error(error: grpc.RpcError) -> FerryError:
    """Converts a ``grpc.RpcError`` (a failed call) into a typed :class:`FerryError`."""
    code_fn = getattr(error, "code", None)
    details_fn = getattr(error, "details", None)
    trailers_fn = getattr(error, "trailing_metadata", None)
    code = code_fn() if callable(code_fn) else grpc.StatusCode.UNKNOWN
    details = details_fn() if callable(details_fn) else str(error)
    trailers = trailers_fn() if callable(trailers_fn) else None
    return error_for(code or grpc.StatusCode.UNKNOWN, details or "", reason_of(trailers))


class ClosedError(RuntimeError):
    """The producer, consumer or client was closed; no RPC was attempted."""
