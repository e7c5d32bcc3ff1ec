"""The connection to a broker: one gRPC channel, the two service stubs, and Fetch."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Callable, Sequence, TypeVar

import grpc

from ferry.v1 import admin_pb2_grpc, broker_pb2, broker_pb2_grpc

from .errors import from_rpc_error
from .records import ConsumedRecord, FetchResult

if TYPE_CHECKING:
    from .admin import Admin
    from .consumer import Consumer
    from .producer import Producer

DEFAULT_TIMEOUT_S = 10.0

#: Channel options: reconnect quickly after a broker restart (gRPC's own default waits
#: up to 120 s between attempts) and accept large record batches.
DEFAULT_CHANNEL_OPTIONS: Sequence[tuple[str, int]] = (
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 2_000),
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
    ("grpc.max_send_message_length", 64 * 1024 * 1024),
)

Req = TypeVar("Req")
Resp = TypeVar("Resp")


class Client:
    """A connection to one broker (``host:port``), over a plaintext gRPC channel.

    Make producers, consumers and the admin API from it. Thread-safe. Close it when done
    (or use it as a context manager); closing the client ends everything made from it.
    """

    def __init__(
        self,
        addr: str,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        channel_options: Sequence[tuple[str, int | str]] = (),
    ) -> None:
        self.addr = addr
        self.timeout_s = timeout_s
        options: dict[str, int | str] = dict(DEFAULT_CHANNEL_OPTIONS)
        options.update(dict(channel_options))
        self.channel = grpc.insecure_channel(addr, options=list(options.items()))
        self.broker = broker_pb2_grpc.BrokerServiceStub(self.channel)  # type: ignore[no-untyped-call]
        self.admin_stub = admin_pb2_grpc.AdminServiceStub(self.channel)  # type: ignore[no-untyped-call]
        self._closed = False

    def call(self, method: Callable[..., Resp], request: object, timeout_s: float | None = None) -> Resp:
        """Calls a unary RPC; a failure raises the typed :class:`~ferry_client.errors.FerryError`."""
        try:
            return method(request, timeout=timeout_s if timeout_s is not None else self.timeout_s)
        except grpc.RpcError as err:
            raise from_rpc_error(err) from None

    def fetch(
        self, topic: str, partition: int, offset: int, *, max_records: int = 0, max_bytes: int = 0
    ) -> FetchResult:
        """Reads one partition from ``offset`` without a group (0 = the broker's default limits)."""
        resp: broker_pb2.FetchResponse = self.call(
            self.broker.Fetch,
            broker_pb2.FetchRequest(
                topic=topic, partition=partition, offset=offset, max_records=max_records, max_bytes=max_bytes
            ),
        )
        return FetchResult(
            records=[ConsumedRecord.from_proto(r) for r in resp.records],
            next_offset=resp.next_offset,
            log_start_offset=resp.log_start_offset,
            log_end_offset=resp.log_end_offset,
        )

    def producer(self, topic: str, **options: object) -> "Producer":
        """A :class:`~ferry_client.producer.Producer` for ``topic`` (keyword options as its constructor)."""
        from .producer import Producer

        return Producer(self, topic, **options)  # type: ignore[arg-type]

    def consumer(self, topic: str, group: str, **options: object) -> "Consumer":
        """A :class:`~ferry_client.consumer.Consumer` joining ``group`` on ``topic``."""
        from .consumer import Consumer

        return Consumer(self, topic, group, **options)  # type: ignore[arg-type]

    @property
    def admin(self) -> "Admin":
        """The :class:`~ferry_client.admin.Admin` API over this connection."""
        from .admin import Admin

        return Admin(self)

    def close(self) -> None:
        """Closes the channel. Idempotent."""
        if not self._closed:
            self._closed = True
            self.channel.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def connect(addr: str, **options: object) -> Client:
    """Opens a :class:`Client` to the broker at ``addr`` (``"127.0.0.1:7070"``)."""
    return Client(addr, **options)  # type: ignore[arg-type]
