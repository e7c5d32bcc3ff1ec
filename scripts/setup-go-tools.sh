#!/usr/bin/env bash
# Installs the Go code generators and CLI tools into <repo>/.tools/bin (gitignored).
# Idempotent: a tool already present at its path is skipped. Fails loudly on error.
#
#   protoc-gen-go, protoc-gen-go-grpc  versions pinned by clients/go/go.mod (`tool` block)
#   grpcurl                            v1.9.3
#   ghz                                v0.121.0
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$repo/.tools/bin"
mkdir -p "$bin"

command -v go >/dev/null 2>&1 || { echo "setup-go-tools: go is not installed" >&2; exit 1; }

if [[ -x "$bin/protoc-gen-go" && -x "$bin/protoc-gen-go-grpc" ]]; then
  echo "setup-go-tools: protoc-gen-go, protoc-gen-go-grpc present"
else
  echo "setup-go-tools: installing protoc-gen-go, protoc-gen-go-grpc from clients/go/go.mod"
  (cd "$repo/clients/go" && GOBIN="$bin" go install tool)
fi

install_at() { # name package@version
  local name="$1" pkg="$2"
  if [[ -x "$bin/$name" ]]; then
    echo "setup-go-tools: $name present"
    return
  fi
  echo "setup-go-tools: installing $pkg"
  GOBIN="$bin" go install "$pkg"
}

install_at grpcurl github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.3
install_at ghz github.com/bojand/ghz/cmd/ghz@v0.121.0

for t in protoc-gen-go protoc-gen-go-grpc grpcurl ghz; do
  [[ -x "$bin/$t" ]] || { echo "setup-go-tools: $t missing after install" >&2; exit 1; }
done
echo "setup-go-tools: tools in $bin"
