#!/usr/bin/env bash
# The browser tests: `wasm-pack test` in headless Chromium through Debian's
# chromedriver (flags in webdriver.json).
#
# Chromium reaches the test runner's server through scripts/test-proxy.mjs:
# without it, about one run in three hung before any test ran (the server's
# thread pool can leave a new connection unserved while Chromium opens several
# at once; the proxy's comment says how). A run takes about 10 s. A run in
# which no test started (no "running N tests" line: the browser or the page
# never came up) is stopped after 45 s and retried, at most twice. A run in
# which tests started is never retried, whatever its end: a test that hangs
# (each is bounded by WASM_BINDGEN_TEST_TIMEOUT) fails the step, so a hang
# that happens one time in three cannot pass on a second attempt.
set -uo pipefail
cd "$(dirname "$0")/.."

export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-40}
work=$(mktemp -d)
log=$work/log
proxy=
trap '[ -n "$proxy" ] && kill "$proxy" 2>/dev/null; rm -rf "$work"' EXIT
# Compile first, as wasm-pack would, so that the bound below is for the run.
cargo build --quiet --tests --target wasm32-unknown-unknown --lib || exit

node scripts/test-proxy.mjs webdriver.json "$work/webdriver.json" &
proxy=$!
for _ in $(seq 50); do [ -s "$work/webdriver.json" ] && break; sleep 0.1; done
[ -s "$work/webdriver.json" ] || { echo "browser tests: the test proxy did not start" >&2; exit 1; }
export WASM_BINDGEN_TEST_WEBDRIVER_JSON=$work/webdriver.json

for attempt in 1 2 3; do
  # A hung start (no browser session) is not covered by the test timeout.
  timeout -k 5 45 \
    wasm-pack test --headless --chrome --chromedriver "$(command -v chromedriver)" -- --lib 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  [ "$status" = 0 ] && exit 0
  # Tests started: a real failure or a hang inside a test, never retried.
  if grep -Eq '^running [0-9]+ tests?$' "$log"; then exit "$status"; fi
  echo "browser tests: attempt $attempt never started a test (exit $status)" >&2
done
exit 1
