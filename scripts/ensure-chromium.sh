#!/usr/bin/env bash
# `make test`: the report's browser test needs Chromium; install Debian's package when missing
# (as benchmarks/run.sh does for wrk). A no-op where chromium is already on the PATH.
set -euo pipefail
command -v chromium >/dev/null && exit 0
echo "installing chromium (Debian package) for the report's browser test ..."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
{ $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium; } >/dev/null
command -v chromium >/dev/null
