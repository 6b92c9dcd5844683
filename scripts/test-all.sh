#!/usr/bin/env bash
# The project's one test command (README, .ci/run): installs what the tests need and runs every
# suite: build, lint, generated code up to date, no circular imports, unit tests, interop tests
# against Debian's rpcbind / rpc.statd / sm-notify in network namespaces (root), benchmark smoke.
# Run it as root on Debian to run everything; as another user the interop suite is skipped
# (with CI=true it fails instead).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

started=$(date +%s)
log_dir=$(mktemp -d "${TMPDIR:-/tmp}/nsmd-test-all.XXXXXX")
results=()
failed=0

step() { printf '\n==> %s\n' "$*"; }

# Runs a test suite, keeps going when it fails, and records node's summary lines for the end.
suite() {
  local name=$1
  shift
  step "$name"
  local rc=0
  "$@" 2>&1 | tee "$log_dir/$name.log" || rc=$?
  local summary
  summary=$(grep -E '^(# |ℹ )(tests|pass|fail|cancelled|skipped|todo) ' "$log_dir/$name.log" | tail -6 |
    sed -E 's/^(# |ℹ )//' | paste -sd ' ' - || true)
  results+=("$(printf '%-8s %-6s %s' "$name" "$([ "$rc" = 0 ] && echo ok || echo FAILED)" "$summary")")
  [ "$rc" = 0 ] || failed=1
}

# Networks left by an earlier run that was killed (its owner process is gone).
remove_stale() {
  [ "$(id -u)" = 0 ] && [ -f dist/test/harness/cleanup.js ] || return 0
  node --input-type=module -e "
    const { cleanupStale } = await import('./dist/test/harness/cleanup.js');
    const ids = cleanupStale();
    if (ids.length) console.log('removed stale test networks: ' + ids.join(' '));"
}

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "test-all: Node.js >= 20 is needed, found $(node --version)" >&2
  exit 1
fi

step "system packages"
bash scripts/install-deps.sh

step "npm ci"
npm ci --no-audit --no-fund

step "build"
# As root, install-deps.sh has made sure of g++, make and python3: the native addons must build.
if [ "$(id -u)" = 0 ] && [ "$(uname -s)" = Linux ]; then export NSMD_NATIVE_REQUIRED=1; fi
npm run build

step "lint"
npm run lint

step "generated code is up to date"
npm run gen:check

step "circular imports and layer order"
npm run circular

trap remove_stale EXIT
remove_stale

suite unit bash scripts/run-suite.sh unit

if [ "$(id -u)" = 0 ]; then
  suite interop timeout --kill-after=30s 40m bash scripts/run-suite.sh interop
elif [ "${CI:-}" = true ] || [ "${CI:-}" = 1 ]; then
  echo "test-all: CI=$CI but not root: the interop suite cannot run" >&2
  results+=("interop  FAILED not root")
  failed=1
else
  step "interop"
  echo "(not root: interop tests skipped; run 'sudo bash scripts/test-all.sh' to run them)"
  results+=("interop  SKIPPED not root")
fi

if [ -f bench/run.ts ]; then
  suite bench env NSMD_BENCH_NO_BUILD=1 timeout --kill-after=10s 5m bash scripts/bench.sh --smoke
fi

step "summary ($(($(date +%s) - started)) s)"
printf '%s\n' "${results[@]}"
rm -rf "$log_dir"
if [ "$failed" != 0 ]; then
  echo "test-all: FAILED"
  exit 1
fi
echo "test-all: all passed"
