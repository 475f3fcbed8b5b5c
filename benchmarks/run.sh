#!/usr/bin/env bash
# One command for every benchmark (`make bench`): prints the tables the notes quote.
# First run builds a 1 M-event store in benchmarks/.data (a few minutes), later runs reuse it.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package) ..."
  { apt-get update -qq && apt-get install -y -qq wrk; } >/dev/null
fi
python bench_store.py "$@"
python bench_server.py "$@"
python bench_sync.py "$@"
python bench_analysis.py "$@"
python bench_writes.py "$@"
python bench_auth.py
python bench_client.py
