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
# scripts/bench.sh kpi_rollups [options]: KPI bands from the roll-ups vs scored live, on resmon_national (bench/kpi_rollups.py)
if [ "${1:-}" = kpi_rollups ]; then
  shift
  exec "$PY" bench/kpi_rollups.py "$@"
fi
# scripts/bench.sh dashboard [options]: the national dashboard API under load (bench/dashboard_load.py)
if [ "${1:-}" = dashboard ]; then
  shift
  exec "$PY" bench/dashboard_load.py "$@"
fi
# scripts/bench.sh alerts [options]: the early warnings at national scale, refresh and list (bench/alerts.py)
if [ "${1:-}" = alerts ]; then
  shift
  exec "$PY" bench/alerts.py "$@"
fi
# scripts/bench.sh trends [options]: trends and compare at national scale, read-only on resmon_national (bench/trends.py)
if [ "${1:-}" = trends ]; then
  shift
  exec "$PY" bench/trends.py "$@"
fi
# scripts/bench.sh bottlenecks [options]: the bottleneck ranking over the whole country, its pages (bench/bottlenecks.py)
if [ "${1:-}" = bottlenecks ]; then
  shift
  exec "$PY" bench/bottlenecks.py "$@"
fi
# scripts/bench.sh monitoring [options]: the daily forecast and warning run at national scale (bench/monitoring.py)
if [ "${1:-}" = monitoring ]; then
  shift
  exec "$PY" bench/monitoring.py "$@"
fi
# scripts/bench.sh fuzz [options]: the API fuzzing, 200 requests per operation (bench/fuzz_api.py)
if [ "${1:-}" = fuzz ]; then
  shift
  exec "$PY" bench/fuzz_api.py "$@"
fi
# scripts/bench.sh drills [options]: crash and concurrency drills, kill -9, 200 simultaneous saves, a full
# disk (bench/drills.py; resmon_drill is DROPPED and created again; the full-disk drill needs root)
if [ "${1:-}" = drills ]; then
  shift
  exec "$PY" bench/drills.py "$@"
fi
exec "$PY" bench/run.py "$@"
