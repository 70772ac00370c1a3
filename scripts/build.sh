#!/usr/bin/env bash
# Builds the npm package into pkg/: release wasm, wasm-bindgen glue, optional
# wasm-opt (npm binaryen only: Debian's wasm-opt corrupts the output), the
# entry module that re-exports SessionError beside the glue, and package.json
# merged from pkg.json.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --target wasm32-unknown-unknown --lib --quiet
rm -rf pkg
wasm-bindgen --target web --out-dir pkg --remove-name-section --remove-producers-section \
  target/wasm32-unknown-unknown/release/session_swr.wasm

if [ -x node_modules/.bin/wasm-opt ] && [ "${NO_WASM_OPT:-}" != 1 ]; then
  # --low-memory-unused lets wasm-opt fold constant offsets into loads and
  # stores: Rust lays the stack first, below 1 MiB and growing down, so the
  # low 1 KiB is only reached by a stack a thousand times deeper than this
  # code's (JSON nesting stops at 32). --converge repeats -Oz while it helps.
  node_modules/.bin/wasm-opt -Oz --converge --low-memory-unused --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    pkg/session_swr_bg.wasm -o pkg/session_swr_bg.wasm
  # One-letter import, export and module names: wasm-bindgen's are long and
  # hashed, and gzip cannot shrink a hash. package.mjs renames them in the
  # glue from the map wasm-opt prints.
  node_modules/.bin/wasm-opt --minify-imports-and-exports-and-modules --enable-bulk-memory \
    --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    --enable-reference-types --enable-multivalue \
    pkg/session_swr_bg.wasm -o pkg/session_swr_bg.wasm > pkg/wasm-names.json
fi

node scripts/package.mjs
