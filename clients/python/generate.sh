#!/usr/bin/env bash
# Regenerates clients/python/gen from proto/ (run scripts/setup-python.sh first).
#  1. buf generate --template buf.gen.python.yaml: *_pb2.py and *_pb2.pyi (protoc builtins
#     through grpcio-tools' protoc in .venv).
#  2. grpc_tools.protoc --grpc_python_out over buf's image: *_pb2_grpc.py service stubs.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
python="$repo/.venv/bin/python"
out="clients/python/gen"
if [[ ! -x "$python" ]]; then
  echo "generate: $python missing; run scripts/setup-python.sh first" >&2
  exit 1
fi

npx --no-install buf generate --template buf.gen.python.yaml

image="$(mktemp "${TMPDIR:-/tmp}/ferry-proto-XXXXXX.binpb")"
trap 'rm -f "$image"' EXIT
npx --no-install buf build proto -o "$image"
"$python" -m grpc_tools.protoc --descriptor_set_in="$image" --grpc_python_out="$out" \
  ferry/v1/broker.proto ferry/v1/admin.proto
# common.proto has no service: grpc_tools writes an empty common_pb2_grpc.py only when asked,
# and it is not asked, so gen/ holds exactly *_pb2.py, *_pb2.pyi and the two *_pb2_grpc.py.
