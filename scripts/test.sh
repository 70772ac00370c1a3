#!/usr/bin/env bash
# Runs every check and test. Installs what it needs first (idempotent), so on
# a fresh machine this one command is the whole setup.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1;32m==> %s\033[0m\n' "$*"; }

step "toolchain"
bash scripts/setup.sh

step "format"
cargo fmt --check

step "lint (host and wasm32)"
cargo clippy --quiet --all-targets -- -D warnings
# The wasm library (no_std, its own panic handler) and, apart, its browser
# tests (std, through the test-only dependencies): one invocation with both
# would link std into the no_std build.
cargo clippy --quiet --target wasm32-unknown-unknown --lib -- -D warnings
cargo clippy --quiet --target wasm32-unknown-unknown --lib --profile test -- -D warnings

step "core tests on the host (simulated clock)"
cargo test --quiet

step "browser tests (wasm-bindgen-test, headless Chromium)"
WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-120} \
  cargo test --target wasm32-unknown-unknown --lib

step "package build"
bash scripts/build.sh

step "TypeScript: the published types, strict"
node_modules/.bin/tsc -p tests/types/tsconfig.json

if compgen -G "tests/e2e/*.test.mjs" >/dev/null; then
  step "end-to-end (Playwright, several pages)"
  node --test --test-concurrency=1 tests/e2e/
fi
step "all checks passed"
