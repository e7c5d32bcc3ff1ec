"""Fixtures: one broker for the whole session, a client, and unique names per test.

The broker is the real one (``node bin/ferry.js serve``), started as a child process on a
free port with a temporary data dir. When it cannot start, the broker tests fail (run
``npm run build`` first): none is skipped.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator

import pytest

import ferry_client

from .broker import BrokerProcess, BrokerStartError

def broker_unavailable(reason: str) -> None:
    """A broker that cannot start fails the test that needs it."""
    pytest.fail(f"broker could not start (run `npm run build` first): {reason}", pytrace=False)


def start_broker(data_dir: Path) -> BrokerProcess:
    broker = BrokerProcess(data_dir)
    try:
        broker.start()
    except BrokerStartError as err:
        broker_unavailable(str(err))
    return broker


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerProcess]:
    proc = start_broker(tmp_path_factory.mktemp("broker") / "data")
    yield proc
    proc.stop()


@pytest.fixture
def client(broker: BrokerProcess) -> Iterator[ferry_client.Client]:
    with ferry_client.connect(broker.addr) as c:
        yield c


@pytest.fixture
def unique() -> str:
    """A random suffix for topic and group names."""
    return uuid.uuid4().hex[:10]
