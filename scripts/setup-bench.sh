#!/usr/bin/env bash
# Installs what `npm run bench` needs beyond node_modules. Idempotent: what is present is kept.
#
#   nats-server         Debian's package, through apt-get (the JetStream peer)
#   ghz                 <repo>/.tools/bin, `go install github.com/bojand/ghz/cmd/ghz@v0.121.0`
#                       (scripts/setup-go-tools.sh installs the same binary at the same path)
#   ferry-nats-bench    <repo>/.tools/bin, built from bench/peer/nats (Go, nats.go from the module proxy)
#
# A missing peer tool is reported and the harness skips that peer, saying so in the results;
# set FERRY_BENCH_STRICT=1 to make this script fail instead.
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$repo/.tools/bin"
mkdir -p "$bin"
failed=0
say() { echo "setup-bench: $*" >&2; }

# nats-server
if command -v nats-server >/dev/null 2>&1; then
  say "nats-server present ($(nats-server --version 2>&1 | head -1))"
else
  sudo=""
  [[ "$(id -u)" != 0 ]] && command -v sudo >/dev/null 2>&1 && sudo="sudo -n"
  if command -v apt-get >/dev/null 2>&1; then
    say "installing nats-server with apt-get"
    if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null 2>&1; then
      $sudo apt-get update -qq >/dev/null 2>&1
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null 2>&1 || true
    fi
  fi
  command -v nats-server >/dev/null 2>&1 || { say "nats-server could not be installed (needs root and apt-get)"; failed=1; }
fi

# Go tools
if command -v go >/dev/null 2>&1; then
  if [[ -x "$bin/ghz" ]]; then
    say "ghz present"
  else
    say "installing ghz v0.121.0"
    GOBIN="$bin" go install github.com/bojand/ghz/cmd/ghz@v0.121.0 || { say "ghz install failed"; failed=1; }
  fi
  peer="$bin/ferry-nats-bench"
  src="$repo/bench/peer/nats"
  if [[ -x "$peer" && -z "$(find "$src" -newer "$peer" -type f 2>/dev/null)" ]]; then
    say "ferry-nats-bench up to date"
  else
    say "building ferry-nats-bench"
    (cd "$src" && go build -o "$peer" .) || { say "ferry-nats-bench build failed"; failed=1; }
  fi
else
  say "go is not installed: no ghz and no JetStream peer"
  failed=1
fi

if [[ "$failed" != 0 && "${FERRY_BENCH_STRICT:-}" == 1 ]]; then exit 1; fi
exit 0
