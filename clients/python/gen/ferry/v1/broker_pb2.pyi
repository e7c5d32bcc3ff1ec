from ferry.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeliveryMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_MODE_UNSPECIFIED: _ClassVar[DeliveryMode]
    DELIVERY_MODE_PARTITIONED: _ClassVar[DeliveryMode]
    DELIVERY_MODE_SHARED: _ClassVar[DeliveryMode]
    DELIVERY_MODE_KEY_ORDERED: _ClassVar[DeliveryMode]

class AckAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACK_ACTION_UNSPECIFIED: _ClassVar[AckAction]
    ACK_ACTION_ACK: _ClassVar[AckAction]
    ACK_ACTION_NACK: _ClassVar[AckAction]
    ACK_ACTION_EXTEND: _ClassVar[AckAction]

class AckOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACK_OUTCOME_UNSPECIFIED: _ClassVar[AckOutcome]
    ACK_OUTCOME_OK: _ClassVar[AckOutcome]
    ACK_OUTCOME_NOT_IN_FLIGHT: _ClassVar[AckOutcome]
DELIVERY_MODE_UNSPECIFIED: DeliveryMode
DELIVERY_MODE_PARTITIONED: DeliveryMode
DELIVERY_MODE_SHARED: DeliveryMode
DELIVERY_MODE_KEY_ORDERED: DeliveryMode
ACK_ACTION_UNSPECIFIED: AckAction
ACK_ACTION_ACK: AckAction
ACK_ACTION_NACK: AckAction
ACK_ACTION_EXTEND: AckAction
ACK_OUTCOME_UNSPECIFIED: AckOutcome
ACK_OUTCOME_OK: AckOutcome
ACK_OUTCOME_NOT_IN_FLIGHT: AckOutcome

class ProduceRequest(_message.Message):
    __slots__ = ("topic", "record", "partition", "producer_id", "sequence")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    PRODUCER_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    topic: str
    record: _common_pb2.Record
    partition: int
    producer_id: str
    sequence: int
    def __init__(self, topic: _Optional[str] = ..., record: _Optional[_Union[_common_pb2.Record, _Mapping]] = ..., partition: _Optional[int] = ..., producer_id: _Optional[str] = ..., sequence: _Optional[int] = ...) -> None: ...

class ProduceResponse(_message.Message):
    __slots__ = ("partition", "offset", "append_time_ms", "duplicate")
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    APPEND_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    partition: int
    offset: int
    append_time_ms: int
    duplicate: bool
    def __init__(self, partition: _Optional[int] = ..., offset: _Optional[int] = ..., append_time_ms: _Optional[int] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class ProduceBatchRequest(_message.Message):
    __slots__ = ("topic", "records", "partition", "producer_id", "first_sequence")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    PRODUCER_ID_FIELD_NUMBER: _ClassVar[int]
    FIRST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    topic: str
    records: _containers.RepeatedCompositeFieldContainer[_common_pb2.Record]
    partition: int
    producer_id: str
    first_sequence: int
    def __init__(self, topic: _Optional[str] = ..., records: _Optional[_Iterable[_Union[_common_pb2.Record, _Mapping]]] = ..., partition: _Optional[int] = ..., producer_id: _Optional[str] = ..., first_sequence: _Optional[int] = ...) -> None: ...

class ProduceBatchResponse(_message.Message):
    __slots__ = ("partitions", "offsets", "append_time_ms", "duplicates")
    PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    OFFSETS_FIELD_NUMBER: _ClassVar[int]
    APPEND_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    partitions: _containers.RepeatedScalarFieldContainer[int]
    offsets: _containers.RepeatedScalarFieldContainer[int]
    append_time_ms: int
    duplicates: int
    def __init__(self, partitions: _Optional[_Iterable[int]] = ..., offsets: _Optional[_Iterable[int]] = ..., append_time_ms: _Optional[int] = ..., duplicates: _Optional[int] = ...) -> None: ...

class SubscribeRequest(_message.Message):
    __slots__ = ("topic", "group", "start", "partition", "max_in_flight", "client_id", "options")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    MAX_IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    topic: str
    group: str
    start: _common_pb2.StartPosition
    partition: int
    max_in_flight: int
    client_id: str
    options: GroupOptions
    def __init__(self, topic: _Optional[str] = ..., group: _Optional[str] = ..., start: _Optional[_Union[_common_pb2.StartPosition, _Mapping]] = ..., partition: _Optional[int] = ..., max_in_flight: _Optional[int] = ..., client_id: _Optional[str] = ..., options: _Optional[_Union[GroupOptions, _Mapping]] = ...) -> None: ...

class GroupOptions(_message.Message):
    __slots__ = ("ack_deadline_ms", "max_attempts", "backoff_min_ms", "backoff_max_ms", "dead_letter_topic", "delivery_mode")
    ACK_DEADLINE_MS_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    BACKOFF_MIN_MS_FIELD_NUMBER: _ClassVar[int]
    BACKOFF_MAX_MS_FIELD_NUMBER: _ClassVar[int]
    DEAD_LETTER_TOPIC_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_MODE_FIELD_NUMBER: _ClassVar[int]
    ack_deadline_ms: int
    max_attempts: int
    backoff_min_ms: int
    backoff_max_ms: int
    dead_letter_topic: str
    delivery_mode: DeliveryMode
    def __init__(self, ack_deadline_ms: _Optional[int] = ..., max_attempts: _Optional[int] = ..., backoff_min_ms: _Optional[int] = ..., backoff_max_ms: _Optional[int] = ..., dead_letter_topic: _Optional[str] = ..., delivery_mode: _Optional[_Union[DeliveryMode, str]] = ...) -> None: ...

class SubscribeResponse(_message.Message):
    __slots__ = ("assignment", "records")
    ASSIGNMENT_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    assignment: Assignment
    records: RecordBatch
    def __init__(self, assignment: _Optional[_Union[Assignment, _Mapping]] = ..., records: _Optional[_Union[RecordBatch, _Mapping]] = ...) -> None: ...

class Assignment(_message.Message):
    __slots__ = ("member_id", "generation", "partitions")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    generation: int
    partitions: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, member_id: _Optional[str] = ..., generation: _Optional[int] = ..., partitions: _Optional[_Iterable[int]] = ...) -> None: ...

class RecordBatch(_message.Message):
    __slots__ = ("records",)
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[_common_pb2.ConsumedRecord]
    def __init__(self, records: _Optional[_Iterable[_Union[_common_pb2.ConsumedRecord, _Mapping]]] = ...) -> None: ...

class AckRequest(_message.Message):
    __slots__ = ("topic", "group", "member_id", "items")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    topic: str
    group: str
    member_id: str
    items: _containers.RepeatedCompositeFieldContainer[AckItem]
    def __init__(self, topic: _Optional[str] = ..., group: _Optional[str] = ..., member_id: _Optional[str] = ..., items: _Optional[_Iterable[_Union[AckItem, _Mapping]]] = ...) -> None: ...

class AckItem(_message.Message):
    __slots__ = ("partition", "offset", "action", "delay_ms", "reason", "extend_ms", "count")
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    DELAY_MS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EXTEND_MS_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    partition: int
    offset: int
    action: AckAction
    delay_ms: int
    reason: str
    extend_ms: int
    count: int
    def __init__(self, partition: _Optional[int] = ..., offset: _Optional[int] = ..., action: _Optional[_Union[AckAction, str]] = ..., delay_ms: _Optional[int] = ..., reason: _Optional[str] = ..., extend_ms: _Optional[int] = ..., count: _Optional[int] = ...) -> None: ...

class AckResponse(_message.Message):
    __slots__ = ("outcomes",)
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    outcomes: _containers.RepeatedScalarFieldContainer[AckOutcome]
    def __init__(self, outcomes: _Optional[_Iterable[_Union[AckOutcome, str]]] = ...) -> None: ...

class FetchRequest(_message.Message):
    __slots__ = ("topic", "partition", "offset", "max_records", "max_bytes")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    MAX_RECORDS_FIELD_NUMBER: _ClassVar[int]
    MAX_BYTES_FIELD_NUMBER: _ClassVar[int]
    topic: str
    partition: int
    offset: int
    max_records: int
    max_bytes: int
    def __init__(self, topic: _Optional[str] = ..., partition: _Optional[int] = ..., offset: _Optional[int] = ..., max_records: _Optional[int] = ..., max_bytes: _Optional[int] = ...) -> None: ...

class FetchResponse(_message.Message):
    __slots__ = ("records", "next_offset", "log_start_offset", "log_end_offset")
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_OFFSET_FIELD_NUMBER: _ClassVar[int]
    LOG_START_OFFSET_FIELD_NUMBER: _ClassVar[int]
    LOG_END_OFFSET_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[_common_pb2.ConsumedRecord]
    next_offset: int
    log_start_offset: int
    log_end_offset: int
    def __init__(self, records: _Optional[_Iterable[_Union[_common_pb2.ConsumedRecord, _Mapping]]] = ..., next_offset: _Optional[int] = ..., log_start_offset: _Optional[int] = ..., log_end_offset: _Optional[int] = ...) -> None: ...
