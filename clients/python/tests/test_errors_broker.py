"""Typed errors as the real broker sends them, and what the clients do after them."""

from __future__ import annotations

import grpc
import pytest

import ferry_client
from ferry_client import GroupOptions


def test_fetch_errors(client: ferry_client.Client, unique: str) -> None:
    topic = f"py-errs-{unique}"
    client.admin.create_topic(topic, 2)
    with pytest.raises(ferry_client.OffsetOutOfRangeError) as out_of_range:
        client.fetch(topic, 0, 5)
    assert out_of_range.value.code == grpc.StatusCode.OUT_OF_RANGE
    with pytest.raises(ferry_client.InvalidPartitionError) as bad_partition:
        client.fetch(topic, 9, 0)
    assert bad_partition.value.code == grpc.StatusCode.INVALID_ARGUMENT
    empty = client.fetch(topic, 0, 0)
    assert (empty.records, empty.next_offset, empty.log_end_offset) == ([], 0, 0)


def test_refused_record_fails_its_send_and_the_producer_goes_on(client: ferry_client.Client, unique: str) -> None:
    topic = f"py-big-{unique}"
    client.admin.create_topic(topic, 1)
    with client.producer(topic) as producer:
        assert producer.send(b"small 1").offset == 0
        with pytest.raises(ferry_client.RecordTooLargeError) as info:
            producer.send(b"x" * (2 << 20))
        assert info.value.reason == "RECORD_TOO_LARGE"
        # The refused batch's sequence is used again: no gap, no OUT_OF_ORDER_SEQUENCE.
        after = producer.send(b"small 2")
    assert (after.offset, after.duplicate) == (1, False)
    assert [r.value for r in client.fetch(topic, 0, 0).records] == [b"small 1", b"small 2"]


def test_group_options_mismatch_ends_the_consumer(client: ferry_client.Client, unique: str) -> None:
    topic, group = f"py-mismatch-{unique}", f"g-{unique}"
    client.admin.create_topic(topic, 1)
    with client.consumer(topic, group, options=GroupOptions(max_attempts=3)) as first:
        first.wait_for_assignment(10)
        with client.consumer(topic, group, options=GroupOptions(max_attempts=4)) as second:
            with pytest.raises(ferry_client.GroupOptionsMismatchError) as info:
                second.wait_for_assignment(10)
            assert info.value.code == grpc.StatusCode.FAILED_PRECONDITION
            with pytest.raises(ferry_client.GroupOptionsMismatchError):
                next(iter(second))
