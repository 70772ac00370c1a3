#!/usr/bin/env bash
# Installs everything the demo and the tests need, idempotently: each step
# checks first and skips what is already there, so a warm run costs seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

# The wasm-bindgen CLI must match the library version exactly, so read it
# from Cargo.lock (generate the lock first on a fresh clone).
bindgen_version() {
  [ -f Cargo.lock ] || cargo generate-lockfile >/dev/null 2>&1
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

want=$(bindgen_version)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  log "installing wasm-bindgen-cli $want (found: ${have:-none})"
  # --locked fails: a locked dependency of the CLI is missing from the registry.
  cargo install wasm-bindgen-cli --version "=$want" --force
fi

if ! wasm-pack --version >/dev/null 2>&1; then
  log "installing wasm-pack"
  cargo install wasm-pack --locked
fi

if [ "${SKIP_BROWSER:-}" != 1 ]; then
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    log "installing chromium and chromedriver from apt"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
fi

if [ -f package.json ]; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing npm packages"
    npm ci --no-audit --no-fund --loglevel=error
  fi
fi
log "toolchain ready"
