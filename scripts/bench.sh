#!/usr/bin/env bash
# Benchmarks, ours against a baseline in one run (see tests/bench/run.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
node tests/bench/run.mjs
