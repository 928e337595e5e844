#!/usr/bin/env bash
# The README's main job: a quickstart migration between two throwaway local MariaDB servers
# through a real dm-master + dm-worker cluster. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/ensure-deps.sh
npx tsc -p tsconfig.json
exec node dist/scripts/quickstart.js "$@"
