"""Keepalive: the channel options the client sets, and a consumer noticing a frozen broker."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import grpc
import pytest

import ferry_client
from ferry_client import client as client_module

from .broker import BrokerProcess, wait_for
from .conftest import start_broker

KEEPALIVE_KEYS = (
    "grpc.keepalive_time_ms",
    "grpc.keepalive_timeout_ms",
    "grpc.keepalive_permit_without_calls",
    "grpc.http2.max_pings_without_data",
    "grpc.http2.ping_timeout_ms",
)


@pytest.fixture
def channel_options(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The options of every channel the client makes (grpc.insecure_channel is wrapped)."""
    seen: list[dict[str, Any]] = []
    real = grpc.insecure_channel

    def spy(target: str, options: Any = None, *args: Any, **kwargs: Any) -> grpc.Channel:
        seen.append(dict(options or ()))
        return real(target, options, *args, **kwargs)

    monkeypatch.setattr(client_module.grpc, "insecure_channel", spy)
    return seen


def test_default_keepalive_options(channel_options: list[dict[str, Any]]) -> None:
    with ferry_client.connect("127.0.0.1:1"):  # lazy: nothing dials
        pass
    [opts] = channel_options
    assert {k: opts.get(k) for k in KEEPALIVE_KEYS} == {
        "grpc.keepalive_time_ms": 10_000,
        "grpc.keepalive_timeout_ms": 5_000,
        "grpc.keepalive_permit_without_calls": 1,
        "grpc.http2.max_pings_without_data": 0,
        "grpc.http2.ping_timeout_ms": 5_000,
    }
    assert client_module.DEFAULT_KEEPALIVE_TIME_MS == 10_000
    assert client_module.DEFAULT_KEEPALIVE_TIMEOUT_MS == 5_000
    assert opts["grpc.max_reconnect_backoff_ms"] == 2_000  # the other defaults stay


def test_keepalive_options_are_configurable(channel_options: list[dict[str, Any]]) -> None:
    with ferry_client.connect("127.0.0.1:1", keepalive_time_ms=30_000, keepalive_timeout_ms=1_000) as c:
        assert dict(c.channel_options)["grpc.keepalive_time_ms"] == 30_000
    with ferry_client.connect("127.0.0.1:1", channel_options=[("grpc.keepalive_time_ms", 20_000)]):
        pass
    with ferry_client.connect("127.0.0.1:1", keepalive_time_ms=0):
        pass
    custom, raw, off = channel_options
    assert custom["grpc.keepalive_time_ms"] == 30_000 and custom["grpc.keepalive_timeout_ms"] == 1_000
    assert custom["grpc.http2.ping_timeout_ms"] == 1_000
    assert raw["grpc.keepalive_time_ms"] == 20_000, "channel_options win over the keepalive defaults"
    assert not any(k in off for k in KEEPALIVE_KEYS), "keepalive_time_ms=0 turns keepalive off"


def test_consumer_notices_a_frozen_broker(tmp_path: Path, unique: str) -> None:
    """SIGSTOP the broker: keepalive ends the idle Subscribe stream; after SIGCONT it rejoins.

    Without ``grpc.http2.ping_timeout_ms`` this took 60 s: the keepalive ping joined the
    flow-control probe still in flight and waited for that ping's default timeout.
    """
    own: BrokerProcess = start_broker(tmp_path / "data")
    proc = own.proc
    assert proc is not None
    try:
        topic, group = f"py-frozen-{unique}", f"g-{unique}"
        with ferry_client.connect(own.addr, keepalive_time_ms=300, keepalive_timeout_ms=700) as client:
            client.admin.create_topic(topic, 1)
            assignments: list[ferry_client.Assignment | None] = []
            with client.consumer(topic, group, on_assignment=assignments.append) as consumer:
                consumer.wait_for_assignment(10)
                proc.send_signal(signal.SIGSTOP)
                frozen_at = time.monotonic()
                try:
                    wait_for(lambda: None in assignments, 10, what="the consumer to notice the frozen broker")
                    noticed_s = time.monotonic() - frozen_at
                finally:
                    proc.send_signal(signal.SIGCONT)
                assert noticed_s < 5, f"noticed only after {noticed_s:.1f} s"
                with client.producer(topic, delivery_timeout_ms=10_000) as producer:
                    producer.send(b"thawed")
                got = None
                deadline = time.monotonic() + 15
                while got is None and time.monotonic() < deadline:
                    got = consumer.receive(0.5)
                assert got is not None and got.value == b"thawed"
                got.ack()
                assert consumer.subscriptions >= 2
                live = [a for a in assignments if a is not None]
                assert len(live) >= 2 and live[-1].member_id != live[0].member_id
    finally:
        proc.send_signal(signal.SIGCONT)  # never leave it stopped
        own.stop()
