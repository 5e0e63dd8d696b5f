#!/bin/sh
# The console's browser tests drive Debian's chromium (no browser can be downloaded by
# Playwright here). Install it when it is missing and apt-get is at hand (CI runs as root);
# otherwise say what is missing and let the tests report it.
set -e
CHROMIUM="${TRAINYARD_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "chromium is missing: installing Debian's package for the browser tests" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "chromium is missing at $CHROMIUM and cannot be installed here (needs root and apt-get):" >&2
  echo "the browser tests (tests/e2e/browser) will fail until it is installed" >&2
fi
