"""An in-process stand-in for the broker's produce path and errors, for unit tests.

It implements DescribeTopic, ProduceBatch (with idempotent sequences) and Fetch in memory,
and can inject failures: ``fail_after_apply`` answers UNAVAILABLE after appending (a lost
reply), ``fail_before_apply`` answers UNAVAILABLE without appending. It is no substitute
for the real broker: the scenario tests run against that.
"""

from __future__ import annotations

import threading
import time
from concurrent import futures
from dataclasses import dataclass, field

import grpc

from ferry.v1 import admin_pb2, admin_pb2_grpc, broker_pb2, broker_pb2_grpc, common_pb2


@dataclass
class _Topic:
    partitions: list[list[common_pb2.ConsumedRecord]]
    # (producer_id, partition) → list of offsets by sequence
    sequences: dict[tuple[str, int], list[int]] = field(default_factory=dict)


class FakeBroker(broker_pb2_grpc.BrokerServiceServicer, admin_pb2_grpc.AdminServiceServicer):
    def __init__(self, default_partitions: int = 3) -> None:
        self.default_partitions = default_partitions
        self.topics: dict[str, _Topic] = {}
        self.lock = threading.Lock()
        self.produce_calls = 0
        self.fail_after_apply = 0
        self.fail_before_apply = 0
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        broker_pb2_grpc.add_BrokerServiceServicer_to_server(self, self.server)
        admin_pb2_grpc.add_AdminServiceServicer_to_server(self, self.server)
        port = self.server.add_insecure_port("127.0.0.1:0")
        self.addr = f"127.0.0.1:{port}"
        self.server.start()

    def stop(self) -> None:
        self.server.stop(grace=None)

    @staticmethod
    def _abort(context: grpc.ServicerContext, code: grpc.StatusCode, reason: str, message: str) -> None:
        context.set_trailing_metadata((("ferry-error-reason", reason),))
        context.abort(code, message)

    def _topic(self, name: str, create: bool, context: grpc.ServicerContext) -> _Topic:
        if name not in self.topics:
            if not create:
                self._abort(context, grpc.StatusCode.NOT_FOUND, "TOPIC_NOT_FOUND", f"topic '{name}' does not exist")
            self.topics[name] = _Topic([[] for _ in range(self.default_partitions)])
        return self.topics[name]

    def CreateTopic(self, request, context):  # noqa: N802
        with self.lock:
            if request.name in self.topics:
                self._abort(context, grpc.StatusCode.ALREADY_EXISTS, "TOPIC_ALREADY_EXISTS", "exists")
            n = request.partitions or self.default_partitions
            self.topics[request.name] = _Topic([[] for _ in range(n)])
            return admin_pb2.CreateTopicResponse(topic=admin_pb2.TopicInfo(name=request.name, partitions=n))

    def DescribeTopic(self, request, context):  # noqa: N802
        with self.lock:
            topic = self._topic(request.name, request.create_if_missing, context)
            return admin_pb2.DescribeTopicResponse(
                topic=admin_pb2.TopicInfo(name=request.name, partitions=len(topic.partitions)),
                partitions=[
                    admin_pb2.PartitionInfo(partition=i, start_offset=0, end_offset=len(p))
                    for i, p in enumerate(topic.partitions)
                ],
            )

    def ProduceBatch(self, request, context):  # noqa: N802
        with self.lock:
            self.produce_calls += 1
            if self.fail_before_apply > 0:
                self.fail_before_apply -= 1
                self._abort(context, grpc.StatusCode.UNAVAILABLE, "SHUTTING_DOWN", "injected: not applied")
            topic = self._topic(request.topic, True, context)
            if not request.HasField("partition") and request.producer_id:
                self._abort(context, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", "needs a partition")
            p = request.partition
            log = topic.partitions[p]
            offsets: list[int] = []
            duplicates = 0
            now = int(time.time() * 1000)
            seqs = topic.sequences.setdefault((request.producer_id, p), []) if request.producer_id else None
            for i, rec in enumerate(request.records):
                if seqs is not None:
                    seq = request.first_sequence + i
                    if seq < len(seqs):
                        offsets.append(seqs[seq])
                        duplicates += 1
                        continue
                    if seq > len(seqs):
                        self._abort(
                            context, grpc.StatusCode.FAILED_PRECONDITION, "OUT_OF_ORDER_SEQUENCE", f"gap at {seq}"
                        )
                offset = len(log)
                log.append(common_pb2.ConsumedRecord(partition=p, offset=offset, record=rec, append_time_ms=now))
                if seqs is not None:
                    seqs.append(offset)
                offsets.append(offset)
            if self.fail_after_apply > 0:
                self.fail_after_apply -= 1
                self._abort(context, grpc.StatusCode.UNAVAILABLE, "SHUTTING_DOWN", "injected: reply lost")
            return broker_pb2.ProduceBatchResponse(
                partitions=[p] * len(offsets), offsets=offsets, append_time_ms=now, duplicates=duplicates
            )

    def Fetch(self, request, context):  # noqa: N802
        with self.lock:
            topic = self._topic(request.topic, False, context)
            log = topic.partitions[request.partition]
            records = log[request.offset : request.offset + (request.max_records or 500)]
            return broker_pb2.FetchResponse(
                records=records, next_offset=request.offset + len(records), log_end_offset=len(log)
            )
