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

#: HTTP/2 keepalive, as the TypeScript client's: ping a connection that has been quiet
#: this long... (the broker pings every 10 s too and enforces no minimum interval)
DEFAULT_KEEPALIVE_TIME_MS = 10_000
#: ...and drop it (calls fail with UNAVAILABLE, the consumer rejoins) when no answer comes
#: within this. Without keepalive a consumer waits forever on a frozen broker (SIGSTOP).
DEFAULT_KEEPALIVE_TIMEOUT_MS = 5_000

#: Channel options: reconnect quickly after a broker restart (gRPC's own default waits
#: up to 120 s between attempts) and accept large record batches. The keepalive options
#: come from :func:`keepalive_options`.
DEFAULT_CHANNEL_OPTIONS: Sequence[tuple[str, int]] = (
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 2_000),
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
    ("grpc.max_send_message_length", 64 * 1024 * 1024),
)


def keepalive_options(time_ms: int, timeout_ms: int) -> list[tuple[str, int]]:
    """The gRPC channel options for keepalive; none when ``time_ms`` <= 0 (keepalive off)."""
    if time_ms <= 0:
        return []
    return [
        ("grpc.keepalive_time_ms", time_ms),
        ("grpc.keepalive_timeout_ms", timeout_ms),
        # Ping also while no call is open, and keep pinging a stream that carries no data
        # (a consumer waiting for records): gRPC core stops after 2 such pings by default.
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.max_pings_without_data", 0),
        # gRPC core folds a keepalive ping into a ping already in flight (its flow-control
        # probe, say) and then waits for that ping's own timeout, 60 s by default: give
        # every ping the keepalive timeout, or a freeze right after a probe goes unnoticed.
        ("grpc.http2.ping_timeout_ms", timeout_ms),
    ]


Req = TypeVar("Req")
Resp = TypeVar("Resp")


class Client:
    """A connection to one broker (``host:port``), over a plaintext gRPC channel.

    Make producers, consumers and the admin API from it. Thread-safe. Close it when done
    (or use it as a context manager); closing the client ends everything made from it.

    ``keepalive_time_ms`` / ``keepalive_timeout_ms``: HTTP/2 keepalive, so that a consumer
    notices a broker that froze or vanished without closing the connection, and rejoins
    (defaults :data:`DEFAULT_KEEPALIVE_TIME_MS`, :data:`DEFAULT_KEEPALIVE_TIMEOUT_MS`;
    ``keepalive_time_ms=0`` turns keepalive off). ``channel_options``: extra gRPC channel
    options; they win over the client's own. :attr:`channel_options` holds the result.
    """

    def __init__(
        self,
        addr: str,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        keepalive_time_ms: int = DEFAULT_KEEPALIVE_TIME_MS,
        keepalive_timeout_ms: int = DEFAULT_KEEPALIVE_TIMEOUT_MS,
        channel_options: Sequence[tuple[str, int | str]] = (),
    ) -> None:
        self.addr = addr
        self.timeout_s = timeout_s
        options: dict[str, int | str] = dict(DEFAULT_CHANNEL_OPTIONS)
        options.update(keepalive_options(keepalive_time_ms, keepalive_timeout_ms))
        options.update(dict(channel_options))
        #: The options the channel was made with.
        self.channel_options: list[tuple[str, int | str]] = list(options.items())
        self.channel = grpc.insecure_channel(addr, options=self.channel_options)
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
