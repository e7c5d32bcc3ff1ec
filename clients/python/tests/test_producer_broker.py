"""What the Producer relies on from the real broker: murmur2 agreement and idempotent retries."""

from __future__ import annotations

import threading
import uuid

import pytest

import ferry_client
from ferry.v1 import broker_pb2, common_pb2
from ferry_client import partition_for_key


def test_broker_puts_keys_where_the_client_does(client: ferry_client.Client, unique: str) -> None:
    topic = f"py-murmur-{unique}"
    client.admin.create_topic(topic, 7)
    for key in (b"21", b"foobar", b"abc", b"customer-7", b"k0", b"k1"):
        resp = client.call(
            client.broker.Produce,
            broker_pb2.ProduceRequest(topic=topic, record=common_pb2.Record(key=key, value=b"v")),
        )
        assert resp.partition == partition_for_key(key, 7), key


def test_resent_batch_is_answered_with_original_positions(client: ferry_client.Client, unique: str) -> None:
    topic = f"py-idem-{unique}"
    client.admin.create_topic(topic, 2)
    request = broker_pb2.ProduceBatchRequest(
        topic=topic,
        records=[common_pb2.Record(value=b"a"), common_pb2.Record(value=b"b")],
        partition=1,
        producer_id=uuid.uuid4().hex,
        first_sequence=0,
    )
    first = client.call(client.broker.ProduceBatch, request)
    again = client.call(client.broker.ProduceBatch, request)
    assert list(again.offsets) == list(first.offsets) == [0, 1]
    assert (first.duplicates, again.duplicates) == (0, 2)
    assert client.fetch(topic, 1, 0).log_end_offset == 2

    gap = broker_pb2.ProduceBatchRequest()
    gap.CopyFrom(request)
    gap.first_sequence = 5
    with pytest.raises(ferry_client.OutOfOrderSequenceError):
        client.call(client.broker.ProduceBatch, gap)


def test_threads_share_one_producer(client: ferry_client.Client, unique: str) -> None:
    topic = f"py-threads-{unique}"
    client.admin.create_topic(topic, 3)
    positions: list[ferry_client.Position] = []
    lock = threading.Lock()
    with client.producer(topic, linger_ms=20) as producer:

        def work(t: int) -> None:
            for i in range(25):
                pos = producer.send(f"t{t}-{i}", key=f"thread-{t}")
                with lock:
                    positions.append(pos)

        threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    assert len(positions) == 200
    assert len({(p.partition, p.offset) for p in positions}) == 200
    total = sum(client.fetch(topic, p, 0).log_end_offset for p in range(3))
    assert total == 200


def test_non_idempotent_producer(client: ferry_client.Client, unique: str) -> None:
    topic = f"py-plain-{unique}"
    with client.producer(topic, idempotent=False) as producer:
        assert producer.producer_id == ""
        pos = producer.send(b"x", key=b"k")
    assert client.fetch(topic, pos.partition, pos.offset).records[0].value == b"x"
