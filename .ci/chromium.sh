#!/usr/bin/env bash
# Installs Debian's Chromium for the web console's browser tests (driven by playwright-core, which
# downloads no browser) and prints its path, which the tests read from CRUST_TEST_CHROMIUM.
# Exits non-zero when it cannot: the browser tests must fail then, not be skipped.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
fi
path=$(command -v chromium)
"$path" --headless --no-sandbox --disable-gpu --dump-dom about:blank >/dev/null 2>&1 || { echo "chromium at $path does not start" >&2; exit 1; }
echo "$path"
