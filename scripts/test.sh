#!/usr/bin/env bash
# npm test: build, then run unit tests (beside the code) and integration tests (test/) with
# node's test runner. `scripts/test.sh unit` runs unit tests only.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci
bash scripts/ensure-deps.sh
rm -rf dist
npx tsc -p tsconfig.json
files=$(find dist/src -name '*.test.js' | sort)
if [ "${1:-all}" != unit ]; then
  files="$files $(find dist/test -name '*.test.js' | sort)"
fi
# Integration tests start servers; two files at a time suit this 2-core machine.
exec node --test --test-concurrency="${DM_TEST_CONCURRENCY:-2}" --test-timeout=600000 $files
