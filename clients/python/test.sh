#!/usr/bin/env bash
# The Python client's checks: set up .venv, verify clients/python/gen is what the proto
# generates, then run pytest (unit tests and the shared scenarios against a real broker,
# which the tests start themselves from <repo>/bin/ferry.js; build it first with
# `npm ci` or `npm run build`). Exits non-zero on any failure, including "no tests ran"
# and "every test skipped". A broker that cannot start fails the broker tests.
# With FERRY_RESULTS_DIR set, writes $FERRY_RESULTS_DIR/python.counts: "<passed> <failed>".
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

write_counts() {
  if [[ -n "${FERRY_RESULTS_DIR:-}" ]]; then
    mkdir -p "$FERRY_RESULTS_DIR"
    echo "$1 $2" > "$FERRY_RESULTS_DIR/python.counts"
  fi
}

if ! bash scripts/setup-python.sh; then
  echo "python: scripts/setup-python.sh failed" >&2
  write_counts 0 1
  exit 1
fi

extra_failed=0
echo "python: checking that clients/python/gen is current"
if bash clients/python/generate.sh \
  && git diff --exit-code --stat -- clients/python/gen \
  && [[ -z "$(git status --porcelain --untracked-files=all -- clients/python/gen)" ]]; then
  echo "python: generated code is current"
else
  echo "python: FAILED: clients/python/gen differs from what proto/ generates; run clients/python/generate.sh and commit" >&2
  git status --short -- clients/python/gen >&2
  extra_failed=1
fi

if (cd "$here" && "$repo/.venv/bin/python" -m mypy); then
  echo "python: mypy --strict is clean"
else
  echo "python: FAILED: mypy --strict (type hints of ferry_client)" >&2
  extra_failed=1
fi

junit="$(mktemp "${TMPDIR:-/tmp}/ferry-python-junit-XXXXXX.xml")"
trap 'rm -f "$junit"' EXIT
cd "$here"
"$repo/.venv/bin/python" -m pytest -q -rfEs -p no:cacheprovider --junitxml="$junit" tests
rc=$?

read -r passed failed < <("$repo/.venv/bin/python" - "$junit" <<'PY'
import sys
import xml.etree.ElementTree as ET

try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print(0, 0)
    raise SystemExit
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
tests = sum(int(s.get("tests", 0)) for s in suites)
failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
print(tests - failed - skipped, failed)
PY
)
failed=$((failed + extra_failed))

if [[ $rc -eq 5 ]]; then
  echo "python: FAILED: pytest collected no tests" >&2
  failed=$((failed > 0 ? failed : 1))
elif [[ $rc -ne 0 && $failed -eq 0 ]]; then
  failed=1  # pytest failed without a counted test (usage or internal error)
elif [[ $rc -eq 0 && $passed -eq 0 ]]; then
  echo "python: FAILED: no test passed (all skipped)" >&2
  failed=1
  rc=1
fi
write_counts "$passed" "$failed"

if [[ $rc -ne 0 || $extra_failed -ne 0 ]]; then
  exit 1
fi
exit 0
