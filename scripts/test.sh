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
cargo clippy --quiet --target wasm32-unknown-unknown --lib -- -D warnings
cargo clippy --quiet --target wasm32-unknown-unknown --lib --tests -- -D warnings

step "core tests on the host (simulated clock)"
cargo test --quiet

step "browser tests (wasm-pack test, headless Chromium)"
bash scripts/browser-tests.sh

step "package build"
bash scripts/build.sh

step "JavaScript: lint, and the entry and its types checked with tsc"
node_modules/.bin/eslint src/web tests/web tests/e2e tests/bench www scripts
node_modules/.bin/tsc -p tests/types/tsconfig.json
node_modules/.bin/tsc -p tests/types/esnext.tsconfig.json
node_modules/.bin/tsc -p tests/types/entry.tsconfig.json
node_modules/.bin/tsc -p tests/types/node.tsconfig.json

step "the docs' figures: what tests/bench/results.json says"
node tests/bench/figures.mjs

if compgen -G "tests/e2e/*.test.mjs" >/dev/null; then
  step "end-to-end (Playwright, several pages)"
  node --test --test-concurrency=1 tests/e2e/
fi
step "all checks passed"
