#!/usr/bin/env bash
# Runs one test suite of the built tree with node's test runner: unit or interop.
# Usage: bash scripts/run-suite.sh unit|interop [extra node --test options]
# (node 20's --test does not expand globs, so the files are listed here.)
set -euo pipefail
cd "$(dirname "$0")/.."

suite=${1:?usage: run-suite.sh unit|interop}
shift
case "$suite" in
  unit) defaults=(--test-concurrency="${NSMD_UNIT_CONCURRENCY:-2}" --test-timeout=120000) ;;
  interop) defaults=(--test-concurrency="${NSMD_INTEROP_CONCURRENCY:-2}" --test-timeout=300000) ;;
  *)
    echo "run-suite: unknown suite $suite (unit or interop)" >&2
    exit 2
    ;;
esac

dir="dist/test/$suite"
files=()
if [ -d "$dir" ]; then
  while IFS= read -r f; do files+=("$f"); done < <(find "$dir" -name '*.test.js' | sort)
fi
if [ "${#files[@]}" -eq 0 ]; then
  echo "run-suite: no $suite tests in $dir (run npm run build first?)"
  exit 0
fi
exec node --test "${defaults[@]}" "$@" "${files[@]}"
