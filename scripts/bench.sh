#!/usr/bin/env bash
# make bench: prints the benchmark figures (bench/run.py). BENCH_DATABASE_URL adds a PostgreSQL run.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[ -x "$PY" ] || sync_env
mkdir -p var/static
exec "$PY" bench/run.py "$@"
