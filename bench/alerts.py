"""Benchmark of the early warnings at national scale (run by hand; prints figures, asserts nothing):

  .venv/bin/python bench/alerts.py [--db-url URL] [--n 200] [--runs 2] [--no-refresh] [--as-of yyyy-mm-dd]

On the national data set (default postgres://postgres@127.0.0.1:5432/resmon_national, built by
bench/national_data.py; never dropped here — only the alert tables are written):

1. ``refresh_alerts`` over the whole country, --runs times (the first run on a database without
   alerts raises them all; the next ones are the daily case: everything kept, nothing raised), with
   the counts, the seconds of each phase and the process's peak memory;
2. the alert list of a province, for its leader (lanhdao.hni, Thành ủy Hà Nội) and the national
   leader (lanhdao.tw): the selector (count + first page of 50), the page /monitoring/alerts/
   (all, high only, page 2) and GET /api/v1/alerts, each p50/p95 over --n requests with the Django
   test client (after 3 warm-up requests), with the number of SQL queries of one request.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))
from national_data import DEFAULT_URL, setup_django  # noqa: E402

from rollups import timings  # noqa: E402

USERS = ("lanhdao.hni", "lanhdao.tw")
WARMUP = 3


def queries_of(fn: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ensure_migrated() -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    targets = [t for t in executor.loader.graph.leaf_nodes() if t[0] == "alerts"]
    if executor.migration_plan(targets):
        print("migrating the alerts app ...", flush=True)
        call_command("migrate", "alerts", verbosity=0)


def refresh(runs: int, as_of: dt.date | None) -> None:
    from django.db import connection

    from resmon.monitoring.alerts.services import refresh_alerts
    from resmon.planning.models import Task

    print(f"refresh_alerts over {Task.objects.count():,} tasks", flush=True)
    for i in range(runs):
        result = refresh_alerts(as_of)
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in result["timings"].items())
        print(
            f"  run {i + 1}: {result['seconds']:.1f} s, "
            f"{result['cpu_seconds']:.1f} s CPU in Python ({phases}); "
            f"raised {result['raised']:,}, "
            f"kept {result['kept']:,} ({result['updated']:,} updated), cleared {result['cleared']:,}, "
            f"open {result['open']:,}, notifications {result['notified']:,}; peak memory {peak_mb():.0f} MB",
            flush=True,
        )
        if i == 0:
            by_kind = ", ".join(f"{k} {n:,}" for k, n in result["open_by_kind"].items() if n)
            print(f"  open by kind: {by_kind}", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE alerts_alert")


def lists(n: int) -> None:
    from django.test import Client

    from resmon.accounts.models import User
    from resmon.monitoring.alerts import selectors

    for username in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            print(f"  {username}: no such user (load_demo first)")
            continue
        total = selectors.alerts_for(user).count()
        print(f"{username} ({user.agency.name}): {total:,} open alerts in scope", flush=True)

        def selector(user=user):
            qs = selectors.alerts_for(user)
            return qs.count(), list(qs[:50])

        p50, p95, _r = timings(selector, n, WARMUP)
        calls = queries_of(selector)
        print(f"  selector count + first 50: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({calls} queries)")
        client = Client()
        client.force_login(user)
        for url in (
            "/monitoring/alerts/",
            "/monitoring/alerts/?severity=high",
            "/monitoring/alerts/?page=2",
            "/api/v1/alerts",
            "/api/v1/alerts?kind=overdue&limit=100",
        ):

            def get(url=url, client=client):
                return client.get(url)

            p50, p95, response = timings(get, n, WARMUP)
            print(
                f"  GET {url}: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
                f"({response.status_code}, {len(response.content) // 1024} KB, {queries_of(get)} queries)",
                flush=True,
            )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--n", type=int, default=200, help="requests per list figure")
    parser.add_argument("--runs", type=int, default=2, help="refresh_alerts runs")
    parser.add_argument(
        "--no-refresh", action="store_true", help="time the lists on the alerts already there"
    )
    parser.add_argument("--as-of", default="", help="judge as of this day (yyyy-mm-dd; default today)")
    args = parser.parse_args()
    setup_django(args.db_url)
    import django

    from resmon.core import clock

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; {args.db_url.rsplit('/', 1)[-1]}")
    load = os.getloadavg()[0]
    print(f"today {clock.today():%d/%m/%Y}; load average {load:.1f}; django {django.get_version()}")
    ensure_migrated()
    if not args.no_refresh:
        refresh(args.runs, dt.date.fromisoformat(args.as_of) if args.as_of else None)
    lists(args.n)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
