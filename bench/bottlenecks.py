"""Bottlenecks: the ranking over the whole country and its pages, timed (run by hand or
`scripts/bench.sh bottlenecks`; prints figures, asserts nothing):

  .venv/bin/python bench/bottlenecks.py [--db-url URL] [--inject] [--extra N] [--n 20]
      [--engine-tasks 1000000 --engine-edges 200000 --engine-parts 20000]

1. the data: tasks, dependencies (open at both ends), coordination parts with a due date, late parts;
2. for the national leader (lanhdao.tw), a province (daumoi.hni) and a ministry (daumoi.bkhcn):
   `selectors.analyse()` split into its reads (`facts`: two `.values()` queries), the pure engine
   (`engine.compute`) and the agencies' names; then a page of the ranking shaped
   (`rank_rows`, 50 rows with their top blockers), the graph and the top agency's drill-down;
   p50/p95 in ms over --n runs; and the full pages through Django's test client (templates
   included);
3. the pure engine alone on a synthetic graph (--engine-*): how it scales past the data set.

--db-url defaults to BENCH_DATABASE_URL, then the national data set (resmon_national). Everything
runs in one transaction that is rolled back: the database is left exactly as it was. --inject
first adds, inside that transaction, the demo's parts' dates and dependencies
(`demo.builder.coordination.add_parts_and_dependencies`, for a data set loaded before it existed)
and --extra N more random finish-to-start dependencies between open dated tasks (acyclic).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from national_data import DEFAULT_URL, setup_django  # noqa: E402

from rollups import timings  # noqa: E402

USERS = ("lanhdao.tw", "daumoi.hni", "daumoi.bkhcn")


class Rollback(Exception):
    pass


def line(label: str, p50: float, p95: float, extra: str = "") -> None:
    print(f"  {label:<34} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   {extra}")


def data_figures(today: dt.date) -> None:
    from django.db.models import Q

    from resmon.planning.models import Task, TaskCoordination, TaskDependency

    open_ = Q(completed_on__isnull=True) & ~Q(state="cancelled")
    deps = TaskDependency.objects.all()
    open_deps = deps.filter(task__completed_on__isnull=True, depends_on__completed_on__isnull=True).exclude(
        Q(task__state="cancelled") | Q(depends_on__state="cancelled")
    )
    parts = TaskCoordination.objects.all()
    n_tasks, n_open = Task.objects.count(), Task.objects.filter(open_).count()
    print(f"  tasks                          {n_tasks:>10,}   open {n_open:,}")
    print(f"  dependencies                   {deps.count():>10,}   open at both ends {open_deps.count():,}")
    print(
        f"  coordination parts             {parts.count():>10,}   with a due date "
        f"{parts.filter(due_date__isnull=False).count():,}, late (undelivered, past due) "
        f"{parts.filter(due_date__lt=today, delivered_on__isnull=True).count():,}"
    )


def inject(today: dt.date, extra: int, seed: int) -> None:
    from resmon.demo.builder.coordination import add_parts_and_dependencies
    from resmon.planning.models import Task, TaskDependency

    started = time.perf_counter()
    added = add_parts_and_dependencies(today, seed)
    ids = list(
        Task.objects.filter(completed_on__isnull=True, ongoing=False, due_date__isnull=False)
        .exclude(state="cancelled")
        .values_list("pk", flat=True)
    )
    rng = random.Random(seed)
    rng.shuffle(ids)  # an order: an edge always points to an earlier task in it (no cycles)
    edges = set()
    while len(edges) < min(extra, len(ids) * 2) and len(ids) > 1:
        a, b = sorted(rng.sample(range(len(ids)), 2))
        edges.add((ids[b], ids[a]))
    TaskDependency.objects.bulk_create(
        [TaskDependency(task_id=t, depends_on_id=p) for t, p in edges], batch_size=2000, ignore_conflicts=True
    )
    print(
        f"  injected (rolled back at the end): {added['parts_dated']:,} parts dated "
        f"({added['parts_late']:,} late), "
        f"{added['dependencies']:,} demo dependencies, {len(edges):,} random ones; "
        f"{time.perf_counter() - started:.1f} s"
    )


def bench_user(username: str, n: int, pages: bool = True) -> None:
    from resmon.accounts.models import User
    from resmon.core import clock
    from resmon.monitoring.bottlenecks import engine, selectors

    user = User.objects.filter(username=username).first()
    if user is None:
        print(f"  (no user {username})")
        return
    assert user.scope is not None  # the grants: read once per request, before what is timed
    today = clock.today()
    print(f"{username} ({user.agency.name if user.agency else '-'}):")
    p50, p95, (tasks, edges, parts) = timings(lambda: selectors.facts(user, today=today), n)
    line(
        "reads (facts: 2 queries)",
        p50,
        p95,
        f"{len(tasks):,} tasks, {len(edges):,} edges, {len(parts):,} parts",
    )
    cpu_start = time.process_time()
    p50, p95, result = timings(lambda: engine.compute(tasks, edges, parts, today), n)
    cpu = (time.process_time() - cpu_start) * 1000 / (n + 1)
    line(
        "engine.compute (pure)",
        p50,
        p95,
        f"{len(result.blockers):,} blockers, {len(result.agencies):,} agencies; CPU {cpu:.0f} ms a run",
    )
    p50, p95, analysis = timings(lambda: selectors.analyse(user, today=today), n)
    line("analyse (reads + engine + names)", p50, p95, f"{len(analysis.result.links):,} links")
    ranking = analysis.ranking()
    p50, p95, _rows = timings(lambda: selectors.rank_rows(analysis, ranking[: selectors.PAGE_SIZE]), n)
    line("ranking page 1 shaped (50 rows)", p50, p95)
    p50, p95, _g = timings(lambda: selectors.graph(analysis), n)
    line("graph", p50, p95)
    if ranking:
        top = ranking[0]
        p50, p95, _v = timings(
            lambda: selectors.blocker_views(
                analysis, top.blockers[: selectors.BLOCKERS_PAGE], with_held=True
            ),
            n,
        )
        line("drill-down of the top agency", p50, p95, f"{top.blocked_tasks:,} tasks held")
        name = analysis.agencies[top.agency_id].name
        print(f"  top: {name}: {top.blocked_tasks} tasks, {top.weighted_days} weighted days,", end="")
        print(f" longest {top.max_days}")
    if pages:
        full_pages(user, n, ranking[0].agency_id if ranking else None)


def full_pages(user: Any, n: int, top_agency: int | None) -> None:
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(user)
    urls = [reverse("bottlenecks:ranking"), reverse("bottlenecks:links"), reverse("bottlenecks:graph")]
    if top_agency:
        urls.append(reverse("bottlenecks:agency", args=[top_agency]))
    urls.append("/api/v1/bottlenecks")
    for url in urls:
        p50, p95, response = timings(lambda url=url: client.get(url), max(3, n // 2))
        line(f"GET {url}", p50, p95, f"{response.status_code}, {len(response.content) // 1024} KB")


def engine_scale(n_tasks: int, n_edges: int, n_parts: int, seed: int) -> None:
    from resmon.monitoring.bottlenecks import engine

    rng = random.Random(seed)
    today = dt.date(2026, 12, 1)
    tasks = {
        i: engine.TaskFact(
            i,
            rng.randrange(4500),
            today + dt.timedelta(days=rng.randint(-400, 700)),
            Decimal(rng.choice((1, 1, 2, 3))),
        )
        for i in range(1, n_tasks + 1)
    }
    edges = set()
    while len(edges) < n_edges:
        a, b = sorted(rng.sample(range(1, n_tasks + 1), 2))
        edges.add((b, a))  # later waits for earlier: acyclic
    parts = [
        engine.PartFact(
            i, rng.randint(1, n_tasks), rng.randrange(4500), today - dt.timedelta(days=rng.randint(-90, 200))
        )
        for i in range(1, n_parts + 1)
    ]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start, cpu_start = time.perf_counter(), time.process_time()
    result = engine.compute(tasks, list(edges), parts, today)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    held = sum(len(b.held) for b in result.blockers)
    print(
        f"  {n_tasks:,} tasks, {n_edges:,} edges, {n_parts:,} parts: {seconds:.2f} s (CPU {cpu:.2f} s); "
        f"{len(result.blockers):,} blockers holding {held:,} task-blocker pairs, "
        f"{len(result.agencies):,} agencies; "
        f"peak memory {after:.0f} MB (+{max(0.0, after - before):.0f})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument(
        "--inject", action="store_true", help="add the demo's parts' dates and dependencies first"
    )
    parser.add_argument("--extra", type=int, default=0, help="and this many random dependencies")
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--users", default=",".join(USERS), help="comma-separated usernames")
    parser.add_argument("--no-pages", action="store_true", help="skip the full pages")
    parser.add_argument("--no-engine", action="store_true", help="skip the synthetic engine run")
    parser.add_argument("--engine-tasks", type=int, default=1_000_000)
    parser.add_argument("--engine-edges", type=int, default=200_000)
    parser.add_argument("--engine-parts", type=int, default=20_000)
    args = parser.parse_args()
    setup_django(args.db_url)
    from django.db import connection, transaction

    from resmon.core import clock

    today = clock.today()
    where = f"{connection.vendor} {connection.settings_dict['NAME']}"
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; {where}; today {today:%d/%m/%Y}")
    try:
        with transaction.atomic():
            if args.inject:
                inject(today, args.extra, args.seed)
            print("data:")
            data_figures(today)
            for username in args.users.split(","):
                bench_user(username.strip(), args.n, pages=not args.no_pages)
            raise Rollback
    except Rollback:
        pass
    if not args.no_engine:
        print("engine alone, synthetic graph:")
        engine_scale(args.engine_tasks, args.engine_edges, args.engine_parts, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
