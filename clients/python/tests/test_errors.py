"""Typed errors from status code and ``ferry-error-reason`` (no broker needed)."""

from __future__ import annotations

from typing import Iterator

import grpc
import pytest

import ferry_client
from ferry_client import errors

from .fake_broker import FakeBroker

# The reason catalog of docs/broker-contract-for-clients.md: reason → (code, class).
CATALOG = [
    ("TOPIC_NOT_FOUND", grpc.StatusCode.NOT_FOUND, errors.TopicNotFoundError),
    ("GROUP_NOT_FOUND", grpc.StatusCode.NOT_FOUND, errors.GroupNotFoundError),
    ("TOPIC_ALREADY_EXISTS", grpc.StatusCode.ALREADY_EXISTS, errors.TopicAlreadyExistsError),
    ("INVALID_ARGUMENT", grpc.StatusCode.INVALID_ARGUMENT, errors.InvalidArgumentError),
    ("INVALID_TOPIC_NAME", grpc.StatusCode.INVALID_ARGUMENT, errors.InvalidTopicNameError),
    ("INVALID_PARTITION", grpc.StatusCode.INVALID_ARGUMENT, errors.InvalidPartitionError),
    ("RECORD_TOO_LARGE", grpc.StatusCode.INVALID_ARGUMENT, errors.RecordTooLargeError),
    ("BATCH_TOO_LARGE", grpc.StatusCode.INVALID_ARGUMENT, errors.BatchTooLargeError),
    ("OFFSET_OUT_OF_RANGE", grpc.StatusCode.OUT_OF_RANGE, errors.OffsetOutOfRangeError),
    ("OUT_OF_ORDER_SEQUENCE", grpc.StatusCode.FAILED_PRECONDITION, errors.OutOfOrderSequenceError),
    ("DUPLICATE_SEQUENCE", grpc.StatusCode.ALREADY_EXISTS, errors.DuplicateSequenceError),
    ("GROUP_HAS_MEMBERS", grpc.StatusCode.FAILED_PRECONDITION, errors.GroupHasMembersError),
    ("GROUP_OPTIONS_MISMATCH", grpc.StatusCode.FAILED_PRECONDITION, errors.GroupOptionsMismatchError),
    ("NOT_IMPLEMENTED", grpc.StatusCode.UNIMPLEMENTED, errors.NotImplementedByBrokerError),
    ("SHUTTING_DOWN", grpc.StatusCode.UNAVAILABLE, errors.ShuttingDownError),
    ("INTERNAL", grpc.StatusCode.INTERNAL, errors.InternalError),
]


class FakeRpcError(grpc.RpcError):
    def __init__(self, code: grpc.StatusCode, details: str, trailers: tuple[tuple[str, str | bytes], ...]) -> None:
        self._code, self._details, self._trailers = code, details, trailers

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def trailing_metadata(self) -> tuple[tuple[str, str | bytes], ...]:
        return self._trailers


@pytest.mark.parametrize(("reason", "code", "cls"), CATALOG, ids=[c[0] for c in CATALOG])
def test_every_reason_maps_to_its_class(reason: str, code: grpc.StatusCode, cls: type) -> None:
    err = errors.from_rpc_error(FakeRpcError(code, "what happened", (("ferry-error-reason", reason),)))
    assert type(err) is cls
    assert isinstance(err, ferry_client.FerryError)
    assert err.reason == reason
    assert err.code == code
    assert err.details == "what happened"
    assert reason in str(err)


def test_unknown_reason_falls_back_to_code() -> None:
    err = errors.from_rpc_error(
        FakeRpcError(grpc.StatusCode.NOT_FOUND, "x", (("ferry-error-reason", "SOMETHING_NEW"),))
    )
    assert type(err) is errors.NotFoundError
    assert err.reason == "SOMETHING_NEW"


def test_no_reason_falls_back_to_code_and_retriable_codes() -> None:
    err = errors.from_rpc_error(FakeRpcError(grpc.StatusCode.UNAVAILABLE, "down", ()))
    assert type(err) is errors.UnavailableError
    assert err.reason is None
    assert err.retriable
    assert errors.from_rpc_error(FakeRpcError(grpc.StatusCode.DEADLINE_EXCEEDED, "", ())).retriable
    assert not errors.from_rpc_error(FakeRpcError(grpc.StatusCode.NOT_FOUND, "", ())).retriable


def test_reason_with_a_mismatched_code_keeps_the_code_class() -> None:
    err = errors.from_rpc_error(
        FakeRpcError(grpc.StatusCode.INTERNAL, "x", (("ferry-error-reason", "TOPIC_NOT_FOUND"),))
    )
    assert type(err) is errors.InternalError
    assert err.reason == "TOPIC_NOT_FOUND"


def test_unmapped_code_is_plain_ferry_error() -> None:
    err = errors.from_rpc_error(FakeRpcError(grpc.StatusCode.RESOURCE_EXHAUSTED, "full", ()))
    assert type(err) is ferry_client.FerryError
    assert err.code == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_bytes_reason_is_decoded() -> None:
    assert errors.reason_of((("other", "x"), ("ferry-error-reason", b"TOPIC_NOT_FOUND"))) == "TOPIC_NOT_FOUND"


@pytest.fixture
def fake() -> Iterator[FakeBroker]:
    broker = FakeBroker()
    yield broker
    broker.stop()


def test_typed_error_over_a_real_grpc_call(fake: FakeBroker) -> None:
    with ferry_client.connect(fake.addr) as client:
        with pytest.raises(ferry_client.TopicNotFoundError) as info:
            client.fetch("nope", 0, 0)
    assert info.value.reason == "TOPIC_NOT_FOUND"
    assert info.value.code == grpc.StatusCode.NOT_FOUND
