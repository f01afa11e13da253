#!/usr/bin/env bash
# `npm test`'s first step: the dashboard test drives Debian's Chromium at /usr/bin/chromium.
# Installs it when it is missing and this user can (root with apt-get); otherwise stops the run
# before anything else starts, saying what to install.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
[ -x "$CHROMIUM" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "npm test: $CHROMIUM is missing; installing Debian's chromium (apt-get install chromium)"
  # Another process may hold the dpkg lock (a parallel test run installing the same package): wait for it.
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium >/dev/null
  [ -x "$CHROMIUM" ] && exit 0
  echo "npm test: apt-get finished but $CHROMIUM is still missing" >&2
  exit 1
fi

cat >&2 <<MESSAGE
npm test: $CHROMIUM is missing; the dashboard test (test/integration/dashboard.test.ts) needs it.
Install Debian's chromium package, then run npm test again:

    sudo apt-get update && sudo apt-get install -y chromium

(On another distribution, install Chromium so that $CHROMIUM runs it, e.g. a symlink.)
MESSAGE
exit 1
