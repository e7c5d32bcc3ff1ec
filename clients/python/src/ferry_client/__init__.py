"""Ferry Python client: a Producer with batching and idempotence, a Consumer with acks,
and the admin API, over the ``ferry.v1`` gRPC contract (generated package ``ferry``).

    import ferry_client

    with ferry_client.connect("127.0.0.1:7070") as client:
        with client.producer("orders") as producer:
            position = producer.send(b"order 1", key="customer-7")
        with client.consumer("orders", "billing") as consumer:
            for msg in consumer:
                handle(msg.value)
                msg.ack()
"""

from .acker import AckOutcome
from .admin import (
    Admin,
    GroupDescription,
    GroupMember,
    GroupPartition,
    GroupSummary,
    PartitionInfo,
    TopicDescription,
    TopicInfo,
)
from .client import Client, connect
from .consumer import Assignment, Consumer
from .errors import (
    AlreadyExistsError,
    BatchTooLargeError,
    CancelledError,
    ClosedError,
    DeadlineExceededError,
    DuplicateSequenceError,
    FailedPreconditionError,
    FerryError,
    GroupHasMembersError,
    GroupNotFoundError,
    GroupOptionsMismatchError,
    InternalError,
    InvalidArgumentError,
    InvalidPartitionError,
    InvalidTopicNameError,
    NotFoundError,
    NotImplementedByBrokerError,
    OffsetOutOfRangeError,
    OutOfOrderSequenceError,
    OutOfRangeError,
    RecordTooLargeError,
    ShuttingDownError,
    TopicAlreadyExistsError,
    TopicNotFoundError,
    UnavailableError,
    UnimplementedError,
)
from .group_options import GroupOptions
from .message import Message
from .murmur2 import murmur2, partition_for_key
from .producer import Producer
from .records import ConsumedRecord, FetchResult, Position, Record, StartPosition

__all__ = [
    "AckOutcome",
    "Admin",
    "AlreadyExistsError",
    "Assignment",
    "BatchTooLargeError",
    "CancelledError",
    "Client",
    "ClosedError",
    "ConsumedRecord",
    "Consumer",
    "DeadlineExceededError",
    "DuplicateSequenceError",
    "FailedPreconditionError",
    "FerryError",
    "FetchResult",
    "GroupDescription",
    "GroupHasMembersError",
    "GroupMember",
    "GroupNotFoundError",
    "GroupOptions",
    "GroupOptionsMismatchError",
    "GroupPartition",
    "GroupSummary",
    "InternalError",
    "InvalidArgumentError",
    "InvalidPartitionError",
    "InvalidTopicNameError",
    "Message",
    "NotFoundError",
    "NotImplementedByBrokerError",
    "OffsetOutOfRangeError",
    "OutOfOrderSequenceError",
    "OutOfRangeError",
    "PartitionInfo",
    "Position",
    "Producer",
    "Record",
    "RecordTooLargeError",
    "ShuttingDownError",
    "StartPosition",
    "TopicAlreadyExistsError",
    "TopicDescription",
    "TopicInfo",
    "TopicNotFoundError",
    "UnavailableError",
    "UnimplementedError",
    "connect",
    "murmur2",
    "partition_for_key",
]
