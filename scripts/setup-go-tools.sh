#!/usr/bin/env bash
# Installs the Go code generators and CLI tools into <repo>/.tools/bin (gitignored).
# Idempotent: a tool already present at its path (for the generators: at the
# version go.mod pins) is skipped. Fails loudly on error.
#
#   protoc-gen-go, protoc-gen-go-grpc  versions pinned by clients/go/go.mod: its `tool`
#                                      block (added with `go get -tool <pkg>@<version>`),
#                                      installed with `GOBIN=.tools/bin go install tool`
#   grpcurl                            v1.9.3
#   ghz                                v0.121.0
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$repo/.tools/bin"
mkdir -p "$bin"

command -v go >/dev/null 2>&1 || { echo "setup-go-tools: go is not installed" >&2; exit 1; }

# installed_version BINARY MODULE: the version of MODULE the binary was built from.
installed_version() {
  [[ -x "$1" ]] || return 0
  go version -m "$1" 2>/dev/null | awk -v m="$2" '$1 == "mod" && $2 == m { print $3 }'
}
# wanted_version MODULE: the version clients/go/go.mod pins.
wanted_version() {
  (cd "$repo/clients/go" && go list -m -f '{{.Version}}' "$1")
}

gen_go_want="$(wanted_version google.golang.org/protobuf)"
gen_grpc_want="$(wanted_version google.golang.org/grpc/cmd/protoc-gen-go-grpc)"
if [[ "$(installed_version "$bin/protoc-gen-go" google.golang.org/protobuf)" == "$gen_go_want" &&
      "$(installed_version "$bin/protoc-gen-go-grpc" google.golang.org/grpc/cmd/protoc-gen-go-grpc)" == "$gen_grpc_want" ]]; then
  echo "setup-go-tools: protoc-gen-go $gen_go_want, protoc-gen-go-grpc $gen_grpc_want present"
else
  echo "setup-go-tools: installing protoc-gen-go $gen_go_want, protoc-gen-go-grpc $gen_grpc_want (clients/go/go.mod)"
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
