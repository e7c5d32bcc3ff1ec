"""Fixtures: one broker for the whole session, a client, and unique names per test.

The broker is the real one (``node bin/ferry.js serve``), started as a child process on a
free port with a temporary data dir. When it cannot start, broker tests are skipped
locally and FAIL under ``CI=true`` or ``FERRY_REQUIRE_BROKER=1`` (which
``scripts/test-all.sh``, what ``npm test`` runs, sets).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Iterator

import pytest

import ferry_client

from .broker import BrokerProcess, BrokerStartError

IN_CI = os.environ.get("CI", "").lower() == "true"
REQUIRE_BROKER = os.environ.get("FERRY_REQUIRE_BROKER", "").lower() not in ("", "0", "false")


def broker_required() -> str | None:
    """Why a broker that cannot start is a failure (``None``: it is a skip)."""
    if IN_CI:
        return "CI=true"
    if REQUIRE_BROKER:
        return f"FERRY_REQUIRE_BROKER={os.environ['FERRY_REQUIRE_BROKER']}"
    return None


def broker_unavailable(reason: str) -> None:
    """Fails under CI or FERRY_REQUIRE_BROKER, skips elsewhere."""
    why = broker_required()
    if why is not None:
        pytest.fail(f"broker could not start ({why} makes this a failure): {reason}", pytrace=False)
    pytest.skip(f"broker could not start (set FERRY_REQUIRE_BROKER=1 or CI=true to fail instead): {reason}")


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
