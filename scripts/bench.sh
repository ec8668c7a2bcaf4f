#!/usr/bin/env bash
# make bench: prints the benchmark figures (bench/run.py). BENCH_DATABASE_URL adds a PostgreSQL run.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[ -x "$PY" ] || sync_env
mkdir -p var/static
# scripts/bench.sh burst [options]: the deadline-day burst on PostgreSQL (bench/reporting_burst.py)
if [ "${1:-}" = burst ]; then
  shift
  exec "$PY" bench/reporting_burst.py "$@"
fi
# scripts/bench.sh completeness [options]: reporting completeness counts on the demo data (bench/completeness.py)
if [ "${1:-}" = completeness ]; then
  shift
  exec "$PY" bench/completeness.py "$@"
fi
# scripts/bench.sh national [options]: the national-scale data set in resmon_national (bench/national_data.py)
if [ "${1:-}" = national ]; then
  shift
  exec "$PY" bench/national_data.py "$@"
fi
# scripts/bench.sh rollups [options]: the roll-up engine at national scale (bench/rollups.py)
if [ "${1:-}" = rollups ]; then
  shift
  exec "$PY" bench/rollups.py "$@"
fi
# scripts/bench.sh dashboard [options]: the national dashboard API under load (bench/dashboard_load.py)
if [ "${1:-}" = dashboard ]; then
  shift
  exec "$PY" bench/dashboard_load.py "$@"
fi
exec "$PY" bench/run.py "$@"
