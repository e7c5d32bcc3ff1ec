"""The README's Python snippets, run against the real broker so that they stay true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import ferry_client

from .broker import BrokerProcess, wait_for

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
SNIPPETS = re.findall(r"```python\n(.*?)```", README, flags=re.S)


class _Done(BaseException):
    """Raised from the consume snippet's handler to leave its endless loop (through its `with`s)."""


def _adapt(code: str, broker: BrokerProcess, unique: str) -> str:
    return (
        code.replace("127.0.0.1:7070", broker.addr)
        .replace('"orders"', f'"py-readme-{unique}"')
        .replace('"billing"', f'"billing-{unique}"')
    )


def test_readme_has_the_three_snippets() -> None:
    assert len(SNIPPETS) == 3


def test_readme_produce_consume_admin(broker: BrokerProcess, client: ferry_client.Client, unique: str) -> None:
    topic, group = f"py-readme-{unique}", f"billing-{unique}"
    exec(compile(_adapt(SNIPPETS[0], broker, unique), "README produce", "exec"), {})  # noqa: S102
    assert client.admin.describe_topic(topic).topic.partitions == 4
    with client.producer(topic) as producer:
        producer.send(b'{"id": 2}', key="customer-7")

    handled: list[bytes] = []

    def handle(key: bytes, value: bytes, headers: object) -> None:
        handled.append(value)
        if len(handled) == 2:
            raise _Done  # the second message is left unacked; the first was acked

    with pytest.raises(_Done):
        exec(compile(_adapt(SNIPPETS[1], broker, unique), "README consume", "exec"), {"handle": handle})  # noqa: S102
    assert handled == [b'{"id": 1}', b'{"id": 2}']

    def first_acked() -> bool:
        parts = client.admin.describe_group(group, topic).partitions
        return sum(p.committed_offset for p in parts) == 1

    wait_for(first_acked, 5, what="the first message's ack applied")
    exec(compile(_adapt(SNIPPETS[2], broker, unique), "README admin", "exec"), {"client": client, "ferry_client": ferry_client})  # noqa: S102
    assert topic not in {t.name for t in client.admin.list_topics()}
