"""Benchmark of the reporting completeness counts (run by hand; prints figures, asserts nothing):

  .venv/bin/python bench/completeness.py [--n 30] [--reports 400] [--pg-url URL] [--reuse] [--sqlite]

On a throw-away PostgreSQL database (default
postgres://postgres@127.0.0.1:5432/resmon_bench_completeness, dropped and created again: never point
it at a database you keep; --sqlite: a temporary SQLite file instead): migrates, loads the demo
data set (load_demo: ~7,400 agencies counting the former provinces, 342 programmes, ~10,000 tasks),
then creates --reports period reports through the ORM for the latest quarter already due, spread
over the states (draft, awaiting the head, sent on time, sent late, accepted, returned), and
ANALYZEs (reports the demo data already holds for that quarter stay). --reuse keeps a database
that already holds the demo data (each run adds --reports more).

Then times, p50/p95 over --n runs (after 2 warm-up runs), for the national leader (lanhdao.tw), a
steering-committee member (bcd.nq57) and Hà Nội's focal officer (daumoi.hni):
completeness() for the whole country, completeness_by_child() of the root and of Thành ủy Hà Nội,
and missing_reports() of the root (the sorted list, then with its first page of 50 rows loaded);
with the number of SQL queries of each call and the counts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/resmon_bench_completeness"
USERS = ("lanhdao.tw", "bcd.nq57", "daumoi.hni")
PROVINCE = "HNI"
WARMUP = 2


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def recreate_pg(url: str) -> None:
    import psycopg
    from pgdb import server_params
    from psycopg import sql

    params, name = server_params(url)
    if name in {"resmon", ""}:
        raise SystemExit("refusing to drop the database 'resmon'")
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def due_quarter(today: dt.date):
    """The latest quarter whose default due date (end + 5 days) has passed."""
    from resmon.catalogue.models import PeriodKind, ReportingPeriod
    from resmon.catalogue.services_periods import configured_cutoff

    return (
        ReportingPeriod.objects.filter(
            kind=PeriodKind.QUARTER, cutoff=configured_cutoff(), end__lt=today - dt.timedelta(days=5)
        )
        .order_by("-end")
        .first()
    )


def make_reports(period, count: int, seed: int = 57) -> dict[str, int]:
    """``count`` more reports for expected pairs of ``period`` without one, in every state (bulk insert)."""
    from resmon.agencies.models import Agency
    from resmon.planning.models import ActionProgram
    from resmon.reporting.models import PeriodReport, ReportState
    from resmon.reporting.selectors_completeness import expected_reports

    pairs = sorted(expected_reports(period))
    existing = set(PeriodReport.objects.filter(period=period).values_list("program_id", "agency_id"))
    free = [pair for pair in pairs if pair not in existing]
    rng = random.Random(seed)
    chosen = rng.sample(free, min(count, len(free)))
    programs = ActionProgram.objects.in_bulk({p for p, _a in chosen})
    agencies = Agency.objects.in_bulk({a for _p, a in chosen})
    due = period.end + dt.timedelta(days=5)
    on_time = dt.datetime.combine(due - dt.timedelta(days=1), dt.time(9), tzinfo=dt.UTC)
    late = dt.datetime.combine(due + dt.timedelta(days=3), dt.time(9), tzinfo=dt.UTC)
    plan = [
        (ReportState.DRAFT, None, False),
        (ReportState.AWAITING_HEAD, None, False),
        (ReportState.SENT, on_time, False),
        (ReportState.SENT, late, True),
        (ReportState.ACCEPTED, on_time, False),
        (ReportState.ACCEPTED, late, True),
        (ReportState.RETURNED, on_time, False),
    ]
    rows = []
    tally: dict[str, int] = {}
    for i, (p, a) in enumerate(chosen):
        state, sent, is_late = plan[i % len(plan)]
        program = programs[p]
        agency = agencies[a]
        rows.append(
            PeriodReport(
                program=program,
                resolution_id=program.resolution_id,
                period=period,
                agency=agency,
                accepting_agency_id=program.agency_id,
                state=state,
                due_date=due,
                grace_until=due,
                first_sent_at=sent,
                sent_at=sent,
                is_late=is_late,
            )
        )
        tally[state] = tally.get(state, 0) + 1
    PeriodReport.objects.bulk_create(rows, batch_size=500)
    tally["expected pairs"] = len(pairs)
    tally["already there (demo data, earlier runs)"] = len(existing)
    return tally


def measure(fn: Callable[[], object], n: int) -> tuple[float, float, int, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARMUP):
        fn()
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    queries = len(ctx.captured_queries)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), pct(times, 0.95), queries, result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--reports", type=int, default=400)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_COMPLETENESS_DATABASE_URL", DEFAULT_PG))
    parser.add_argument(
        "--reuse", action="store_true", help="keep a database that already holds the demo data"
    )
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite database instead")
    args = parser.parse_args()

    os.environ.update(RESMON_ENV="development", DJANGO_SETTINGS_MODULE="resmon.settings")
    if args.sqlite:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "bench-completeness.sqlite3")
    else:
        if not args.reuse:
            recreate_pg(args.pg_url)
        os.environ["DATABASE_URL"] = args.pg_url
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from resmon.accounts.models import User
    from resmon.agencies.models import Agency
    from resmon.core import clock
    from resmon.demo.builder import demo_loaded
    from resmon.reporting.selectors_completeness import completeness, completeness_by_child, missing_reports

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, database: {connection.vendor}")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if not demo_loaded():
        load_start = time.perf_counter()
        call_command("load_demo", verbosity=0)
        print(f"load_demo: {time.perf_counter() - load_start:.1f} s")
    period = due_quarter(clock.today())
    if period is None:
        raise SystemExit("no quarter is due yet in the period calendar")
    tally = make_reports(period, args.reports)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"prepared in {time.perf_counter() - started:.1f} s; period {period.code} ({period.label})")
    print("reports created: " + ", ".join(f"{k} {v:,}" for k, v in sorted(tally.items())))

    root = Agency.objects.get(code="TW")
    province = Agency.objects.get(code=PROVINCE)
    print()
    print(f"p50/p95 over {args.n} runs (after {WARMUP} warm-up), in the process (no HTTP)")
    head = f"{'user':<12} {'call':<34} {'p50 ms':>8} {'p95 ms':>8} {'SQL':>4}  result"
    print(head)
    print("-" * (len(head) + 30))
    for username in USERS:
        user = User.objects.select_related("agency").get(username=username)
        user.scope  # noqa: B018 - computed once per request, as in a view
        calls: list[tuple[str, Callable[[], object]]] = [
            ("completeness(root)", lambda u=user: completeness(u, period=period)),
            (
                "completeness_by_child(root)",
                lambda u=user: completeness_by_child(u, period=period, agency=root),
            ),
            (
                f"completeness_by_child({PROVINCE})",
                lambda u=user: completeness_by_child(u, period=period, agency=province),
            ),
            ("missing_reports(root)", lambda u=user: missing_reports(u, period=period)),
            ("missing_reports(root)[:50] (a page)", lambda u=user: missing_reports(u, period=period)[:50]),
        ]
        for label, fn in calls:
            p50, p95, queries, result = measure(fn, args.n)
            if isinstance(result, Sequence):
                summary = f"{len(result):,} rows"
            else:
                summary = (
                    f"expected {result.expected:,}, received {result.received:,} "  # type: ignore[attr-defined]
                    f"({result.received_rate}%), on time {result.on_time:,}"  # type: ignore[attr-defined]
                )
            print(f"{username:<12} {label:<34} {p50:>8.1f} {p95:>8.1f} {queries:>4}  {summary}")


if __name__ == "__main__":
    main()
