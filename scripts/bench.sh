#!/usr/bin/env bash
# Benchmarks nsmd against Debian's rpc.statd and sm-notify (npm run bench). Installs the Debian
# packages it needs when root, builds, and runs bench/run.ts; results go to bench/results/.
# Usage: bash scripts/bench.sh [--smoke] [--only NAME,...] [--runs N]   (see --help)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

bash scripts/install-deps.sh >&2
if [ -z "${NSMD_BENCH_NO_BUILD:-}" ]; then
  [ -d node_modules ] || npm ci --no-audit --no-fund >&2
  npm run build >&2
fi
exec node dist/bench/run.js "$@"
