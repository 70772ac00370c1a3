#!/usr/bin/env bash
# Builds the package and serves the demo page with the local Frontend API
# stand-in. Installs what it needs first (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
SKIP_BROWSER=1 bash scripts/setup.sh
bash scripts/build.sh
exec node www/server.mjs "$@"
