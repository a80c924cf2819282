#!/usr/bin/env bash
# Runs the dashboard browser tests. Idempotent: installs Debian's chromium (when missing and
# we are root) and the pinned node dependencies (when node_modules is missing), then runs
# `node --test` here. Playwright's own browser download is never used: it needs the internet.
#
#   tests/browser/run.sh                                  # against the mock server
#   HLMM_DASHBOARD_URL='http://127.0.0.1:8080/#token=…' tests/browser/run.sh   # a running hlmm
#
# Env: CHROMIUM (browser binary, default /usr/bin/chromium), HLMM_TEST_OUTPUT (screenshots,
# default target/test-output/dashboard/ under the repository root).
set -euo pipefail
cd "$(dirname "$0")"

chromium_bin="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium_bin" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
  else
    echo "no browser at $chromium_bin: install chromium or set CHROMIUM" >&2
    exit 1
  fi
fi

if [ ! -d node_modules/playwright-core ]; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
fi

exec node --test "$@"
