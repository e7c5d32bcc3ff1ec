"""The runtime and generator pins: pyproject.toml, requirements-dev.txt, gen/ and the venv agree."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GEN = ROOT / "gen" / "ferry" / "v1"


def exact_pins(lines: list[str]) -> dict[str, str]:
    pins = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep and re.fullmatch(r"[0-9][0-9A-Za-z.]*", version.strip()), f"not an exact pin: {line!r}"
            pins[name.strip().lower()] = version.strip()
    return pins


def version_tuple(v: str) -> tuple[int, ...]:
    return tuple(int(p) for p in v.split("."))


PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
RUNTIME = exact_pins(PYPROJECT["project"]["dependencies"])
DEV = exact_pins(PYPROJECT["project"]["optional-dependencies"]["dev"])
REQUIREMENTS = exact_pins((ROOT / "requirements-dev.txt").read_text().splitlines())


def test_runtime_dependencies_are_pinned_exactly() -> None:
    assert set(RUNTIME) == {"grpcio", "protobuf"}
    for name, version in {**RUNTIME, **DEV}.items():
        assert REQUIREMENTS.get(name) == version, f"pyproject pins {name}=={version}, requirements-dev.txt {REQUIREMENTS.get(name)}"


def test_pins_are_what_is_installed() -> None:
    for name, version in REQUIREMENTS.items():
        assert metadata.version(name) == version, f"{name}: installed {metadata.version(name)}, pinned {version}"


def test_pins_satisfy_the_generated_code() -> None:
    grpc_generated = {
        m.group(1)
        for f in GEN.glob("*_pb2_grpc.py")
        if (m := re.search(r"^GRPC_GENERATED_VERSION = '([0-9.]+)'", f.read_text(), re.M))
    }
    protobuf_gencode = {
        m.group(1) for f in GEN.glob("*_pb2.py") if (m := re.search(r"^# Protobuf Python Version: ([0-9.]+)", f.read_text(), re.M))
    }
    assert len(grpc_generated) == 1 and len(protobuf_gencode) == 1, (grpc_generated, protobuf_gencode)
    [grpc_gen], [pb_gen] = grpc_generated, protobuf_gencode
    assert DEV["grpcio-tools"] == grpc_gen, "gen/ was made by another grpcio-tools than the pinned one"
    assert version_tuple(RUNTIME["grpcio"]) >= version_tuple(grpc_gen)
    assert version_tuple(RUNTIME["protobuf"]) >= version_tuple(pb_gen)
    assert version_tuple(RUNTIME["protobuf"])[0] == version_tuple(pb_gen)[0], "protobuf major must match the gencode"
