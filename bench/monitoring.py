"""The daily warning and forecast run at national scale (run by hand or `scripts/bench.sh monitoring`;
prints figures, asserts nothing):

  .venv/bin/python bench/monitoring.py [--pg-url URL] [--runs 2] [--no-alerts]

On the national data set of bench/national_data.py (--pg-url, default resmon_national, which must
exist: build it first with `scripts/bench.sh national`; this script never rebuilds or drops it):

1. `forecasts.services.refresh_forecasts()` for every task and task KPI, --runs times (the first
   run may insert the rows, the next ones rewrite them): the seconds to read the tasks and the
   accepted history, to compute every forecast (numpy, all tasks at once), to write the rows; the
   methods found; the process's peak memory;
2. if `resmon.monitoring.alerts.services.refresh_alerts` exists, the daily alert job after it, in a
   transaction rolled back at the end (the bench writes nothing outside the forecast tables), and
   the two together: the daily run the issue asks to finish under 60 s on one machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(BENCH))

from national_data import DEFAULT_URL  # noqa: E402


class RolledBack(Exception):
    pass


def setup(url: str) -> None:
    os.environ.update(RESMON_ENV="development", DJANGO_SETTINGS_MODULE="resmon.settings", DATABASE_URL=url)
    os.environ.pop("SQLITE_PATH", None)
    import django

    django.setup()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_forecasts(runs: int) -> float:
    import numpy as np

    from resmon.core import clock
    from resmon.monitoring.forecasts import engine, services
    from resmon.monitoring.forecasts.models import KpiForecast, TaskForecast

    today = clock.today()
    # the parts, timed apart once: read, compute, write
    began = time.perf_counter()
    data = services.task_arrays(today)
    read = time.perf_counter() - began
    began = time.perf_counter()
    _data, fc = services.forecast_all_tasks(today)
    compute_all = time.perf_counter() - began
    began = time.perf_counter()
    engine.forecast_tasks(
        today.toordinal(), data["due"], data["obs_task"], data["obs_day"], data["obs_pct"],
        start=data["start"], completed=data["completed"],
    )  # fmt: skip
    engine_only = time.perf_counter() - began
    methods = {name: int((fc.method == code).sum()) for code, name in enumerate(engine.METHOD_NAMES)}
    parents = int(np.unique(data["parent"][data["parent"] >= 0]).size)
    points = len(data["obs_task"])
    print(f"tasks {len(data['ids']):,}, accepted progress points {points:,}, parents {parents:,}")
    print(f"  read tasks and history        {read:6.2f} s")
    print(f"  forecast_tasks (numpy, all)   {engine_only:6.2f} s")
    print(f"  read + forecast + roll-up     {compute_all:6.2f} s")
    print("  methods: " + ", ".join(f"{k} {v:,}" for k, v in methods.items() if v))
    best = float("inf")
    for i in range(runs):
        began = time.perf_counter()
        result = services.refresh_forecasts()
        seconds = time.perf_counter() - began
        best = min(best, seconds)
        print(
            f"refresh_forecasts run {i + 1}: {seconds:6.2f} s (tasks part {result['seconds_tasks']} s, "
            f"KPIs {result['seconds_kpis']} s, {result['tasks']:,} task rows, {result['kpis']:,} KPI rows, "
            f"P(miss) >= 0.5: {result['p_miss_at_least_half']:,})"
        )
    print(
        f"  rows: TaskForecast {TaskForecast.objects.count():,}, KpiForecast {KpiForecast.objects.count():,}"
    )
    print(f"  peak memory {peak_mb():.0f} MB")
    return best


def time_alerts() -> float | None:
    try:
        from resmon.monitoring.alerts.services import refresh_alerts
    except ImportError:
        print("alerts: no refresh_alerts yet; not timed")
        return None
    from django.db import DatabaseError, transaction

    began = time.perf_counter()
    outcome = None
    try:
        with transaction.atomic():
            outcome = refresh_alerts()
            seconds = time.perf_counter() - began
            raise RolledBack
    except RolledBack:
        pass
    except DatabaseError as exc:  # e.g. another alert run on the same database at the same time
        print(f"refresh_alerts failed after {time.perf_counter() - began:.1f} s: {str(exc).splitlines()[0]}")
        return None
    summary = {k: v for k, v in (outcome or {}).items() if isinstance(v, int | float | str)}
    print(f"refresh_alerts (rolled back): {seconds:6.2f} s {summary}")
    print(f"  peak memory {peak_mb():.0f} MB")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_NATIONAL_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--no-alerts", action="store_true")
    args = parser.parse_args()
    setup(args.pg_url)
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores; database {args.pg_url.rsplit('/', 1)[-1]}"
    )
    forecasts = time_forecasts(max(args.runs, 1))
    alerts = None if args.no_alerts else time_alerts()
    if alerts is not None:
        total = forecasts + alerts
        print(f"daily forecast + warning run: {total:.1f} s (target under 60 s)")


if __name__ == "__main__":
    main()
