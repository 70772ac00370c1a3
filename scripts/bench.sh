#!/usr/bin/env bash
# The benchmark (tests/bench/run.mjs): ours against a baseline and against
# clerk-js in one run, cold starts, and what each crate puts in the module.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# clerk-js, the baseline, is a dependency of the benchmark only.
[ -d tests/bench/node_modules/@clerk/clerk-js ] || npm ci --prefix tests/bench --no-audit --no-fund
bash scripts/build.sh
# The same release module, optimised as the package's (scripts/build.sh's
# flags) but with its names kept, for the per-crate breakdown.
named=$(mktemp -d)
trap 'rm -rf "$named"' EXIT
wasm-bindgen --target web --keep-debug --out-dir "$named" target/wasm32-unknown-unknown/release/session_swr.wasm
node_modules/.bin/wasm-opt -g --merge-similar-functions -Oz --one-caller-inline-max-function-size=35 \
  --always-inline-max-function-size=5 --low-memory-unused --converge --enable-bulk-memory \
  --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-reference-types \
  --enable-multivalue "$named/session_swr_bg.wasm" -o "$named/named.wasm"
NAMED_WASM="$named/named.wasm" node tests/bench/run.mjs
