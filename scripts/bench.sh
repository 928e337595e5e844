#!/usr/bin/env bash
# All benchmarks, one after the other; each prints its side-by-side comparison and ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/ensure-deps.sh
command -v sysbench >/dev/null && command -v mydumper >/dev/null || {
  [ "$(id -u)" = 0 ] && SUDO="" || SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq sysbench mydumper >/dev/null
}
for b in bench:binlog bench:full bench:incremental; do
  if node -e "process.exit(require('./package.json').scripts['$b'] ? 0 : 1)"; then
    echo "=== $b"
    npm run -s "$b"
  fi
done
