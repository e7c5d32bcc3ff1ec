#!/usr/bin/env bash
# Creates <repo>/.venv for the Python client (clients/python): python3.11, the exact
# pins of clients/python/requirements-dev.txt, and the client itself installed editable.
# Idempotent: a stamp keyed by the hash of the pins and pyproject.toml skips the work
# when nothing changed. Fails loudly on any error.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.venv"
reqs="$repo/clients/python/requirements-dev.txt"
pyproject="$repo/clients/python/pyproject.toml"
stamp="$venv/.ferry-python-setup.stamp"

# Python 3.11 (FERRY_PYTHON overrides); a python3 of 3.11 or newer will do when
# python3.11 itself is not on PATH.
python_bin="${FERRY_PYTHON:-python3.11}"
if ! command -v "$python_bin" >/dev/null 2>&1; then
  if [[ -z "${FERRY_PYTHON:-}" ]] && command -v python3 >/dev/null 2>&1 \
    && python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    python_bin=python3
  else
    echo "setup-python: ${python_bin} not found on PATH (install Python 3.11 or set FERRY_PYTHON)" >&2
    exit 1
  fi
fi

want="$(cat "$reqs" "$pyproject" | sha256sum | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "setup-python: $venv is up to date"
  exit 0
fi

if [[ ! -x "$venv/bin/python" ]]; then
  echo "setup-python: creating $venv with $("$python_bin" --version)"
  "$python_bin" -m venv "$venv"
fi

rm -f "$stamp"
pip=("$venv/bin/python" -m pip --disable-pip-version-check --no-input)
"${pip[@]}" install --quiet -r "$reqs"
# setuptools is pinned above, so build without isolation (no unpinned download).
"${pip[@]}" install --quiet --no-build-isolation --no-deps -e "$repo/clients/python"
"$venv/bin/python" -c 'import grpc, grpc_tools, google.protobuf, pytest, importlib.util as u; assert u.find_spec("ferry_client"), "ferry_client not installed"'
echo "$want" > "$stamp"
echo "setup-python: $venv ready"
