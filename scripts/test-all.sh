#!/usr/bin/env bash
# Runs every check and test suite of the repository and ends with one line over all
# of them: "N passed, N failed". Exits non-zero on any failure.
#
#   1. tools: grpcurl and the Go generators (scripts/setup-go-tools.sh)
#   2. contract: buf lint, buf breaking against proto/baseline.binpb, generated
#      TypeScript current (the Go and Python suites check their own generated code)
#   3. typecheck, lint and build
#   4. TypeScript tests (vitest): unit, storage, integration, fault, TS client, examples
#   5. Go client tests, 6. Python client tests (each against real brokers)
#
# Checks count as one test each. Under CI=true nothing is skipped: a missing
# toolchain is a failure. The Go and Python broker tests fail, never skip, when their
# broker cannot start.
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
results="$(mktemp -d "${TMPDIR:-/tmp}/ferry-results-XXXXXX")"
trap 'rm -rf "$results"' EXIT
export FERRY_RESULTS_DIR="$results"
# This script builds the broker before the Go and Python suites, which start it
# themselves: a broker that does not start is a failure there, never a skip.
buf="$repo/node_modules/.bin/buf"

check_passed=0
check_failed=0
check() { # name command...
  local name="$1"
  shift
  echo "== $name"
  if "$@"; then
    check_passed=$((check_passed + 1))
  else
    echo "FAILED: $name" >&2
    check_failed=$((check_failed + 1))
  fi
}

generated_ts_current() {
  local tmp
  tmp="$(mktemp -d)"
  local ok=0
  for template in buf.gen.yaml buf.gen.ts-client.yaml; do
    [[ -f "$template" ]] || continue
    "$buf" generate --template "$template" -o "$tmp" || return 1
  done
  for dir in src/gen clients/ts/src/gen; do
    [[ -d "$tmp/$dir" ]] || continue
    if ! diff -r "$tmp/$dir" "$dir" >/dev/null; then
      diff -r "$tmp/$dir" "$dir" | head -20
      echo "$dir is stale: run 'npm run generate' and commit the result" >&2
      ok=1
    fi
  done
  rm -rf "$tmp"
  return $ok
}

check "tools (grpcurl, protoc-gen-go)" bash scripts/setup-go-tools.sh
check "buf lint" "$buf" lint
check "buf breaking against proto/baseline.binpb" "$buf" breaking proto --against proto/baseline.binpb
check "generated TypeScript is current" generated_ts_current
check "typecheck" npx tsc -p tsconfig.json --noEmit
check "typecheck TS client and its tests" npm run typecheck --silent -w @ferry-broker/client
check "lint (eslint: no floating or misused promises, no any)" npm run lint --silent
check "build" npm run build --silent

echo "== TypeScript tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile="$results/vitest.json"
vitest_rc=$?
read -r ts_passed ts_failed < <(node -e '
  try { const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        console.log(r.numPassedTests, r.numFailedTests + (r.numTotalTestSuites > 0 && r.success === false && r.numFailedTests === 0 ? 1 : 0)); }
  catch { console.log("0 1"); }' "$results/vitest.json")
if [[ $vitest_rc -ne 0 && $ts_failed -eq 0 ]]; then ts_failed=1; fi
if [[ $ts_passed -eq 0 ]]; then ts_failed=$((ts_failed + 1)); echo "FAILED: vitest ran no test" >&2; fi

echo "== Go client"
bash clients/go/test.sh
go_rc=$?
echo "== Python client"
bash clients/python/test.sh
py_rc=$?

suite_counts() { # lang rc
  local file="$results/$1.counts"
  if [[ -f "$file" ]]; then cat "$file"; elif [[ $2 -ne 0 ]]; then echo "0 1"; else echo "0 0"; fi
}
read -r go_passed go_failed < <(suite_counts go $go_rc)
read -r py_passed py_failed < <(suite_counts python $py_rc)
if [[ $go_rc -ne 0 && $go_failed -eq 0 ]]; then go_failed=1; fi
if [[ $py_rc -ne 0 && $py_failed -eq 0 ]]; then py_failed=1; fi

echo
echo "checks:     $check_passed passed, $check_failed failed"
echo "typescript: $ts_passed passed, $ts_failed failed"
echo "go:         $go_passed passed, $go_failed failed"
echo "python:     $py_passed passed, $py_failed failed"
passed=$((check_passed + ts_passed + go_passed + py_passed))
failed=$((check_failed + ts_failed + go_failed + py_failed))
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
