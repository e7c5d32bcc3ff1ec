"""The partitioner against Kafka's murmur2 vectors (test/murmur2-vectors.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ferry_client import murmur2, partition_for_key

from .broker import REPO

VECTORS = json.loads((REPO / "test" / "murmur2-vectors.json").read_text())["vectors"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["key"] for v in VECTORS])
def test_murmur2_matches_kafka(vector: dict[str, object]) -> None:
    assert murmur2(str(vector["key"]).encode("utf-8")) == vector["murmur2"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["key"] for v in VECTORS])
def test_partition_is_positive_hash_mod_partitions(vector: dict[str, object]) -> None:
    h = int(vector["murmur2"])  # type: ignore[arg-type]
    for n in (1, 3, 4, 7, 100):
        assert partition_for_key(str(vector["key"]).encode("utf-8"), n) == (h & 0x7FFFFFFF) % n


def test_empty_and_short_keys_cover_every_tail_length() -> None:
    # Kafka: murmur2 of the empty array is 275646681; lengths 1-3 exercise the tail switch.
    assert murmur2(b"") == 275646681
    values = {murmur2(b"a"), murmur2(b"ab"), murmur2(b"abc"), murmur2(b"abcd")}
    assert len(values) == 4
    assert all(-(2**31) <= v < 2**31 for v in values)


def test_partition_count_must_be_positive() -> None:
    with pytest.raises(ValueError):
        partition_for_key(b"k", 0)


def test_vectors_file_is_where_expected() -> None:
    assert Path(REPO / "test" / "murmur2-vectors.json").is_file()
