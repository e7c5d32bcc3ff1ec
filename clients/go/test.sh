#!/usr/bin/env bash
# Tests of the Go client: tools, go vet, generated code up to date, then
# `go test -json ./...` (unit tests and the shared client scenarios against a
# broker the tests start: node bin/ferry.js serve ...), with a readable summary.
#
# Exits non-zero on any failure. With FERRY_RESULTS_DIR set, writes
# $FERRY_RESULTS_DIR/go.counts: one line "<passed> <failed>" (top-level tests and
# subtests; a failed vet or generated-code check counts as one failure each).
# Under CI=true a missing toolchain is a failure, never a skip; a broker that
# cannot start always fails the tests that need it. A run in which no test passed
# (everything skipped) fails too.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$here"

counts() {
  if [[ -n "${FERRY_RESULTS_DIR:-}" ]]; then
    mkdir -p "$FERRY_RESULTS_DIR" && echo "$1 $2" > "$FERRY_RESULTS_DIR/go.counts"
  fi
}

if ! command -v go >/dev/null 2>&1; then
  echo "test.sh: go is not installed" >&2
  counts 0 1
  exit 1
fi

echo "== tools"
if ! "$repo/scripts/setup-go-tools.sh"; then
  echo "test.sh: setup-go-tools.sh failed" >&2
  counts 0 1
  exit 1
fi

pre_failed=0
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "== go vet"
if ! go vet ./...; then
  echo "test.sh: go vet failed" >&2
  pre_failed=$((pre_failed + 1))
fi

echo "== generated code (buf generate --template buf.gen.go.yaml into a temp dir)"
buf="$repo/node_modules/.bin/buf"
if [[ ! -x "$buf" ]]; then
  echo "test.sh: $buf not found (the repo's npm dependencies are not installed)" >&2
  pre_failed=$((pre_failed + 1))
elif ! (cd "$repo" && "$buf" generate --template buf.gen.go.yaml -o "$tmp/gen-check"); then
  echo "test.sh: buf generate failed" >&2
  pre_failed=$((pre_failed + 1))
elif ! diff -r "$tmp/gen-check/clients/go/gen" "$here/gen" >/dev/null; then
  diff -r "$tmp/gen-check/clients/go/gen" "$here/gen" | head -40
  echo "test.sh: clients/go/gen is stale: run 'npx buf generate --template buf.gen.go.yaml' in $repo and commit" >&2
  pre_failed=$((pre_failed + 1))
else
  echo "clients/go/gen is current"
fi

echo "== go test"
if ! go build -o "$tmp/testsummary" ./internal/testsummary; then
  counts 0 $((pre_failed + 1))
  exit 1
fi
summary_args=(-extra-failed "$pre_failed")
if [[ -n "${FERRY_RESULTS_DIR:-}" ]]; then
  mkdir -p "$FERRY_RESULTS_DIR"
  summary_args+=(-counts "$FERRY_RESULTS_DIR/go.counts")
fi
go test -count=1 -timeout 5m -json ./... 2>&1 | "$tmp/testsummary" "${summary_args[@]}"
rc=("${PIPESTATUS[@]}")
if [[ ${rc[0]} -ne 0 || ${rc[1]} -ne 0 || $pre_failed -ne 0 ]]; then
  echo "test.sh: FAIL" >&2
  exit 1
fi
echo "test.sh: ok"
