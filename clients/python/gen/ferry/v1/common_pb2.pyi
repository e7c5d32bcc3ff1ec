from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StartFrom(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    START_FROM_UNSPECIFIED: _ClassVar[StartFrom]
    START_FROM_EARLIEST: _ClassVar[StartFrom]
    START_FROM_LATEST: _ClassVar[StartFrom]
    START_FROM_OFFSET: _ClassVar[StartFrom]
    START_FROM_TIMESTAMP: _ClassVar[StartFrom]
START_FROM_UNSPECIFIED: StartFrom
START_FROM_EARLIEST: StartFrom
START_FROM_LATEST: StartFrom
START_FROM_OFFSET: StartFrom
START_FROM_TIMESTAMP: StartFrom

class Record(_message.Message):
    __slots__ = ("key", "value", "headers", "timestamp_ms")
    class HeadersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: bytes
        def __init__(self, key: _Optional[str] = ..., value: _Optional[bytes] = ...) -> None: ...
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_MS_FIELD_NUMBER: _ClassVar[int]
    key: bytes
    value: bytes
    headers: _containers.ScalarMap[str, bytes]
    timestamp_ms: int
    def __init__(self, key: _Optional[bytes] = ..., value: _Optional[bytes] = ..., headers: _Optional[_Mapping[str, bytes]] = ..., timestamp_ms: _Optional[int] = ...) -> None: ...

class ConsumedRecord(_message.Message):
    __slots__ = ("partition", "offset", "record", "append_time_ms", "attempt")
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    APPEND_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    partition: int
    offset: int
    record: Record
    append_time_ms: int
    attempt: int
    def __init__(self, partition: _Optional[int] = ..., offset: _Optional[int] = ..., record: _Optional[_Union[Record, _Mapping]] = ..., append_time_ms: _Optional[int] = ..., attempt: _Optional[int] = ...) -> None: ...

class StartPosition(_message.Message):
    __slots__ = ("offset", "timestamp_ms")
    FROM_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_MS_FIELD_NUMBER: _ClassVar[int]
    offset: int
    timestamp_ms: int
    def __init__(self, offset: _Optional[int] = ..., timestamp_ms: _Optional[int] = ..., **kwargs) -> None: ...
