#!/usr/bin/env bash
# Builds the npm package into pkg/: what `wasm-pack build --target web` makes,
# the .wasm optimised by npm binaryen's wasm-opt (Debian's corrupts it), the
# entry and its types from src/web/, and package.json merged from pkg.json.
set -euo pipefail
cd "$(dirname "$0")/.."

# Panic messages name their source files, in this machine's cargo registry:
# mapped to a short fixed path, the .wasm is the same wherever it is built
# (a longer CARGO_HOME made it larger) and smaller. The .cargo/config.toml
# flag is repeated in case these replace it rather than add to it. Cargo
# splits the variable at spaces: a path with one is left as it is.
flags="--cfg=web_sys_unstable_apis"
for dir in "${CARGO_HOME:-${HOME:-}/.cargo}"/registry/src/*/; do
  case "$dir" in *[[:space:]]*) continue ;; esac
  if [ -d "$dir" ]; then flags="$flags --remap-path-prefix=${dir%/}=~"; fi
done
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$flags"

rm -rf pkg
wasm-pack --quiet build --target web --release --out-dir pkg --out-name session_swr

# --low-memory-unused: the module's low kilobyte is never used (the stack
# sits below 1 MiB and grows down to it only on overflow), which lets
# wasm-opt fold constant offsets into loads and stores: 0.6 KB gzip less
# with --converge.
if [ "${NO_WASM_OPT:-}" != 1 ]; then
  features=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
    --enable-mutable-globals --enable-reference-types --enable-multivalue)
  # --merge-similar-functions first: functions that differ only in constants
  # (serde's and wasm-bindgen's shims, mostly) become one, which -Oz then
  # optimises as one: 0.37 KB gzip less.
  # Inlining: a function with one caller is inlined only when small (35
  # instructions, where -Oz inlines any): larger raw, but separate functions
  # compress better than ones merged into their callers: 2.2 KB gzip less
  # (docs/performance.md has the grid measured).
  inlining=(--one-caller-inline-max-function-size=35 --always-inline-max-function-size=5)
  node_modules/.bin/wasm-opt --merge-similar-functions -Oz "${inlining[@]}" --low-memory-unused \
    --converge --strip-debug --strip-producers "${features[@]}" pkg/session_swr_bg.wasm \
    -o pkg/session_swr_bg.wasm
  # Short names for what the glue and the .wasm share, the glue rewritten
  # to match and checked against the module (scripts/short-names.mjs).
  names=$(mktemp)
  trap 'rm -f "$names"' EXIT
  node_modules/.bin/wasm-opt --minify-imports-and-exports-and-modules "${features[@]}" \
    pkg/session_swr_bg.wasm -o pkg/session_swr_bg.wasm >"$names"
fi

node scripts/package.mjs
if [ "${NO_WASM_OPT:-}" != 1 ]; then
  node scripts/short-names.mjs "$names" pkg/session_swr.js pkg/session_swr_bg.wasm
fi
