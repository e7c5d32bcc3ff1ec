"""An in-process stand-in for the broker's produce path and errors, for unit tests.

It implements DescribeTopic, ProduceBatch (with idempotent sequences), Fetch, and a
one-member-per-group Subscribe/Ack (every partition to the newest stream; ack, runs of
acks with ``count``, nack with delay, redelivery with attempt + 1) in memory. ``drop_streams()`` ends open Subscribe
streams with UNAVAILABLE, as a broker restart does. It can also inject produce failures: ``fail_after_apply`` answers UNAVAILABLE after appending (a lost
reply), ``fail_before_apply`` answers UNAVAILABLE without appending. It is no substitute
for the real broker: the scenario tests run against that.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent import futures
from dataclasses import dataclass, field

import grpc

from ferry.v1 import admin_pb2, admin_pb2_grpc, broker_pb2, broker_pb2_grpc, common_pb2


_ONE_OFFSET_ACTIONS = (broker_pb2.ACK_ACTION_NACK, broker_pb2.ACK_ACTION_EXTEND)


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
        self.ack_calls = 0
        self.ack_requests: list[broker_pb2.AckRequest] = []  # every Ack call, in order
        self.subscribe_calls = 0
        self.changed = threading.Condition(self.lock)
        # (topic, group) → {(partition, offset): done | attempt count}
        self.done: dict[tuple[str, str], set[tuple[int, int]]] = {}
        self.attempts: dict[tuple[str, str], dict[tuple[int, int], int]] = {}
        self.not_before: dict[tuple[str, str], dict[tuple[int, int], float]] = {}
        self.in_flight: dict[tuple[str, str], dict[tuple[int, int], str]] = {}
        self.members: dict[tuple[str, str], str] = {}
        self.stream_epoch = 0
        self.subscribe_error: tuple[grpc.StatusCode, str] | None = None  # (code, reason) to refuse with
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
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
            self.changed.notify_all()
            if self.fail_after_apply > 0:
                self.fail_after_apply -= 1
                self._abort(context, grpc.StatusCode.UNAVAILABLE, "SHUTTING_DOWN", "injected: reply lost")
            return broker_pb2.ProduceBatchResponse(
                partitions=[p] * len(offsets), offsets=offsets, append_time_ms=now, duplicates=duplicates
            )

    def drop_streams(self) -> None:
        with self.lock:
            self.stream_epoch += 1
            self.changed.notify_all()

    def Subscribe(self, request, context):  # noqa: N802
        gk = (request.topic, request.group)
        member = uuid.uuid4().hex
        if self.subscribe_error is not None:
            self._abort(context, self.subscribe_error[0], self.subscribe_error[1], "injected: refused")
        with self.lock:
            self.subscribe_calls += 1
            topic = self._topic(request.topic, True, context)
            epoch = self.stream_epoch
            self.members[gk] = member
            for d in (self.done, self.attempts, self.not_before, self.in_flight):
                d.setdefault(gk, {} if d is not self.done else set())  # type: ignore[arg-type]
            # A new member takes over: what the old one had in flight comes again.
            self.in_flight[gk].clear()
            parts = list(range(len(topic.partitions)))
        yield broker_pb2.SubscribeResponse(
            assignment=broker_pb2.Assignment(member_id=member, generation=self.subscribe_calls, partitions=parts)
        )
        while True:
            with self.lock:
                if self.stream_epoch != epoch:
                    context.abort(grpc.StatusCode.UNAVAILABLE, "injected: stream dropped")
                if not context.is_active() or self.members.get(gk) != member:
                    return
                now = time.monotonic()
                batch = []
                wake = now + 0.2
                for p, log in enumerate(topic.partitions):
                    for rec in log:
                        key = (p, rec.offset)
                        if key in self.done[gk] or key in self.in_flight[gk]:
                            continue
                        due = self.not_before[gk].get(key, 0.0)
                        if due > now:
                            wake = min(wake, due)
                            continue
                        attempt = self.attempts[gk].get(key, 0) + 1
                        self.attempts[gk][key] = attempt
                        self.in_flight[gk][key] = member
                        out = common_pb2.ConsumedRecord()
                        out.CopyFrom(rec)
                        out.attempt = attempt
                        batch.append(out)
                if not batch:
                    self.changed.wait(max(0.0, wake - now))
                    continue
            yield broker_pb2.SubscribeResponse(records=broker_pb2.RecordBatch(records=batch))

    def Ack(self, request, context):  # noqa: N802
        gk = (request.topic, request.group)
        if any(item.count > 1 and item.action in _ONE_OFFSET_ACTIONS for item in request.items):
            self._abort(context, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", "count above 1 is for ACK only")
        with self.lock:
            self.ack_calls += 1
            self.ack_requests.append(request)
            outcomes = []
            for item in request.items:
                in_flight = self.in_flight.get(gk, {})
                if item.action in _ONE_OFFSET_ACTIONS:
                    key = (item.partition, item.offset)
                    if in_flight.get(key) is None:
                        outcomes.append(broker_pb2.ACK_OUTCOME_NOT_IN_FLIGHT)
                        continue
                    if item.action == broker_pb2.ACK_ACTION_NACK:
                        del in_flight[key]
                        self.not_before[gk][key] = time.monotonic() + item.delay_ms / 1000.0
                    outcomes.append(broker_pb2.ACK_OUTCOME_OK)
                    continue
                # An ack of `count` offsets from `offset` (0 = 1): OK when all were in flight.
                all_pending = True
                for offset in range(item.offset, item.offset + max(1, item.count)):
                    key = (item.partition, offset)
                    if in_flight.pop(key, None) is None:
                        all_pending = False
                    else:
                        self.done[gk].add(key)
                outcomes.append(broker_pb2.ACK_OUTCOME_OK if all_pending else broker_pb2.ACK_OUTCOME_NOT_IN_FLIGHT)
            self.changed.notify_all()
            return broker_pb2.AckResponse(outcomes=outcomes)

    def Fetch(self, request, context):  # noqa: N802
        with self.lock:
            topic = self._topic(request.topic, False, context)
            log = topic.partitions[request.partition]
            records = log[request.offset : request.offset + (request.max_records or 500)]
            return broker_pb2.FetchResponse(
                records=records, next_offset=request.offset + len(records), log_end_offset=len(log)
            )
