"""The roll-up engine at national scale (run by hand or `scripts/bench.sh rollups`; prints figures,
asserts nothing):

  .venv/bin/python bench/rollups.py [--pg-url URL] [--keep] [--scale 1.0] [--n 50] [--writes 30]
      [--rounds 10] [--resolution NUMBER]

On the national data set of bench/national_data.py (--pg-url, default resmon_national; generated
first — the database is DROPPED and created again — unless --keep reuses it, topping it up to the
targets of --scale):

1. full rebuild (`rollups.services.rebuild()`) from an empty cache, then again with nothing to
   change: time, rows written, the process's peak memory (getrusage maxrss); and
   `compute_resolution` of every resolution (its tasks, the subtrees it yields, the time);
2. the national figure of one resolution (--resolution, default the one with the most tasks) for
   the national leader (lanhdao.tw): from the cache (`rollups.selectors.progress_rollup(user,
   agency=root, resolution=r)`) against the same answer from raw rows, both the engine's
   `compute_resolution(r, today)` (every subtree) and the root alone (task rows, `planning.rollup.
   subtree_progress` and `derive_status` counts): p50/p95 over --n runs each and the ratio; and
   whether the cached row equals the raw answer;
3. the fold's cost per round when one resolution is touched: one progress write
   (`planning.services.tasks.record_progress` by the system administrator), `audit.sealing.seal()`,
   then `rollups.services.fold()` timed, --rounds times, with `compute_resolution` timed apart
   (write = fold - compute);
4. freshness: the sealer (`manage.py fold_rollups --loop --seal --interval 1`: seal, then fold,
   every second, or at once when a write commits: audit.wake) runs as the Procfile runs it, in a
   process of its own; --writes times, a leaf task of r is completed through `record_progress`
   (its status changes, so the national counts must change) and the national dashboard
   (GET /api/v1/dashboard as the national leader, in process, through the server's cache) is
   polled every 20 ms until it shows the change: p50/p95 of "write committed -> shown on the
   national dashboard". The writes are
   spaced by a random 0-1.5 s pause, so they fall at every phase of the loop.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from national_data import DEFAULT_URL, generate  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
POLL = 0.02  # seconds between two reads of the national dashboard
TIMEOUT = 60.0  # give up waiting for one change after this long
NATIONAL_USER = "lanhdao.tw"
COUNT_FIELDS = ("not_started", "in_progress", "overdue", "done_on_time", "done_late", "paused", "cancelled")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timings(fn: Callable[[], Any], n: int, warmup: int = 2) -> tuple[float, float, Any]:
    """p50 and p95 in ms over ``n`` runs after ``warmup`` runs; and the last result."""
    result = None
    for _ in range(warmup):
        result = fn()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), pct(times, 0.95), result


# --- 1. rebuild ---------------------------------------------------------------------------------


def rebuild_figures() -> list[tuple[str, str]]:
    from django.db import connection

    from resmon.rollups import services
    from resmon.rollups.models import ProgressRollup

    out = []
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {ProgressRollup._meta.db_table}")
    before = maxrss_mb()
    start = time.perf_counter()
    written = services.rebuild()
    took = time.perf_counter() - start
    out.append(("rebuild, empty cache", f"{took:.1f} s, {written:,} rows written"))
    out.append(("peak memory (maxrss)", f"{maxrss_mb():.0f} MB (before the rebuild: {before:.0f} MB)"))
    start = time.perf_counter()
    written = services.rebuild()
    took = time.perf_counter() - start
    out.append(("rebuild, nothing changed", f"{took:.1f} s, {written:,} rows written"))
    for label, value in out:
        print(f"  {label}: {value}", flush=True)
    return out


def per_resolution(today: Any) -> list[tuple[str, int, int, float]]:
    from django.db.models import Count

    from resmon.planning.models import Resolution
    from resmon.rollups.services import compute_resolution

    rows = []
    for res in Resolution.objects.annotate(n=Count("tasks")).order_by("-n"):
        start = time.perf_counter()
        figures = compute_resolution(res.pk, today)
        rows.append((res.number, res.n, len(figures), (time.perf_counter() - start) * 1000))
    print(f"  {'resolution':<10} {'tasks':>8} {'subtrees':>9} {'compute ms':>11}")
    for number, tasks, subtrees, ms in rows:
        print(f"  {number:<10} {tasks:>8,} {subtrees:>9,} {ms:>11.0f}")
    return rows


# --- 2. cached vs raw ---------------------------------------------------------------------------


def national_from_raw(resolution_id: int, root_path: str, today: Any) -> tuple[Any, Counter[str]]:
    """The national figure alone, from raw rows: planning's one function over the resolution's
    tasks (top-most tasks led inside the root's subtree) and the status rule per task."""
    from resmon.planning.models import Task
    from resmon.planning.rollup import Node, rounded, subtree_progress
    from resmon.planning.status import TaskState, derive_status
    from resmon.rollups.services import TASK_FIELDS

    rows = list(Task.objects.filter(resolution_id=resolution_id).values_list(*TASK_FIELDS))
    nodes = [
        Node(pk, parent, weight, percent, completed is not None, state == TaskState.CANCELLED, path)
        for pk, parent, weight, percent, completed, state, _due, _ongoing, _first, path in rows
    ]
    counts: Counter[str] = Counter()
    for _pk, _parent, _w, _p, completed, state, due, ongoing, first, path in rows:
        if path.startswith(root_path):
            status = derive_status(
                first_progress_on=first,
                completed_on=completed,
                due_date=due,
                today=today,
                ongoing=ongoing,
                state=state,
            )
            counts[status.value] += 1
    return rounded(subtree_progress(nodes, lambda p: p.startswith(root_path))), counts


def read_figures(user: Any, root: Any, res: Any, today: Any, n: int) -> dict[str, Any]:
    from resmon.rollups.selectors import progress_rollup
    from resmon.rollups.services import compute_resolution

    cached = timings(lambda: progress_rollup(user, agency=root, resolution=res), n)
    print(f"  cache: p50 {cached[0]:.2f} ms, p95 {cached[1]:.2f} ms", flush=True)
    engine = timings(lambda: compute_resolution(res.pk, today)[root.path], n, warmup=1)
    print(f"  compute_resolution: p50 {engine[0]:.0f} ms, p95 {engine[1]:.0f} ms", flush=True)
    alone = timings(lambda: national_from_raw(res.pk, root.path, today), n, warmup=1)
    print(f"  root alone from raw rows: p50 {alone[0]:.0f} ms, p95 {alone[1]:.0f} ms", flush=True)
    row, figures, (progress, counts) = cached[2], engine[2], alone[2]
    same = (
        row.progress == figures.progress == progress
        and all(getattr(row, f) == figures.counts.get(f, 0) == counts.get(f, 0) for f in COUNT_FIELDS)
        and row.tasks == figures.tasks
    )
    print(f"  cached row: progress {row.progress}, {row.tasks:,} tasks; equals the raw answer: {same}")
    return {"cached": cached[:2], "engine": engine[:2], "alone": alone[:2], "same": same}


# --- 3. the fold's cost per round ----------------------------------------------------------------


def leaf_tasks(res: Any, count: int, rng: random.Random) -> list[Any]:
    """Active leaf tasks of the resolution, not completed, led by a current agency."""
    from resmon.planning.models import Task

    ids = list(
        Task.objects.filter(
            resolution=res,
            state="active",
            completed_on__isnull=True,
            children__isnull=True,
            lead_agency__valid_to__isnull=True,
        ).values_list("pk", flat=True)
    )
    return list(Task.objects.filter(pk__in=rng.sample(ids, min(count, len(ids)))))


def complete(admin: Any, task: Any) -> None:
    from resmon.core import clock
    from resmon.planning.services.tasks import record_progress

    record_progress(admin, task, percent_done=100, completed_on=clock.today(), expected_version=task.version)


def fold_rounds(admin: Any, res: Any, today: Any, rounds: int, rng: random.Random) -> dict[str, Any]:
    from resmon.audit.sealing import seal
    from resmon.rollups import services

    seal()
    services.fold_all()
    folds, computes = [], []
    for task in leaf_tasks(res, rounds, rng):
        complete(admin, task)
        seal()
        start = time.perf_counter()
        folded = services.fold()
        folds.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        services.compute_resolution(res.pk, today)
        computes.append((time.perf_counter() - start) * 1000)
        if folded != 1:
            print(f"  (a round folded {folded} audit rows)")
    out = {
        "fold": (statistics.median(folds), pct(folds, 0.95)),
        "compute": (statistics.median(computes), pct(computes, 0.95)),
    }
    write = out["fold"][0] - out["compute"][0]
    print(
        f"  fold() p50 {out['fold'][0]:.0f} ms, p95 {out['fold'][1]:.0f} ms; compute_resolution alone "
        f"p50 {out['compute'][0]:.0f} ms; the rest (audit read, row compare, writes) ~{write:.0f} ms"
    )
    return out


# --- 4. freshness --------------------------------------------------------------------------------


class Loops:
    """The Procfile's sealer (seal, then fold, every second) in a process of its own, stopped when
    the block ends."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log, self.procs = env, log, []

    def __enter__(self) -> Loops:
        out = self.log.open("ab")
        for cmd in (["fold_rollups", "--loop", "--seal", "--interval", "1"],):
            self.procs.append(
                subprocess.Popen(
                    [PY, "manage.py", *cmd],
                    cwd=ROOT,
                    env=self.env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        time.sleep(4)  # it has started and done a first round
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


class NationalDashboard:
    """The national dashboard of one resolution as the national leader's API client gets it
    (GET /api/v1/dashboard, in process, through the same cache the server keeps)."""

    def __init__(self, res: Any) -> None:
        from django.test import Client

        from resmon.accounts.models import User
        from resmon.accounts.tokens import create_token

        _token, secret = create_token(User.objects.get(username="lanhdao.tw"), "freshness bench")
        self.client = Client(headers={"Authorization": f"Bearer {secret}"})
        self.res = res

    def counts(self) -> dict[str, int]:
        data = self.client.get("/api/v1/dashboard", {"resolution": self.res.pk}).json()
        return data["by_resolution"][0]["counts"]


def sealed(audit_id: int) -> bool:
    from resmon.audit.models import AuditEntry

    return AuditEntry.objects.filter(pk=audit_id, seq__isnull=False).exists()


def freshness(admin: Any, root: Any, res: Any, writes: int, env: dict[str, str], rng: random.Random) -> dict:
    """Each write, then poll: when its audit row is sealed, when the national dashboard shows it."""
    from django.db import close_old_connections

    from resmon.audit.models import AuditEntry

    lags, seals, missed = [], [], 0
    log = Path(tempfile.gettempdir()) / "resmon-bench-rollups-loops.log"
    tasks = leaf_tasks(res, writes, rng)
    dashboard = NationalDashboard(res)
    close_old_connections()
    with Loops(env, log):
        for n, task in enumerate(tasks, 1):
            before = dashboard.counts()
            complete(admin, task)
            committed = time.perf_counter()
            audit_id = (
                AuditEntry.objects.filter(object_type="planning.task", object_id=str(task.pk))
                .order_by("-id")
                .values_list("id", flat=True)
                .first()
            )
            seal_at = None
            while True:
                now = time.perf_counter()
                if seal_at is None and sealed(audit_id):
                    seal_at = now
                if dashboard.counts() != before:
                    lags.append(now - committed)
                    seals.append((seal_at or now) - committed)
                    break
                if now - committed > TIMEOUT:
                    missed += 1
                    break
                time.sleep(POLL)
            if n % 10 == 0 and lags:
                print(f"  {n} writes, last {lags[-1]:.2f} s", flush=True)
            time.sleep(rng.uniform(0, 1.5))
    lags, seals = lags or [float("nan")], seals or [float("nan")]
    out = {
        "p50": pct(lags, 0.5),
        "p95": pct(lags, 0.95),
        "max": max(lags),
        "seal_p50": pct(seals, 0.5),
        "seal_p95": pct(seals, 0.95),
        "n": len(lags),
        "missed": missed,
    }
    print(
        f"  write committed -> shown on the national dashboard (API): p50 {out['p50']:.2f} s, "
        f"p95 {out['p95']:.2f} s, "
        f"max {out['max']:.2f} s over {len(lags)} writes ({missed} not seen within {TIMEOUT:.0f} s)\n"
        f"  of which write committed -> audit row sealed: p50 {out['seal_p50']:.2f} s, "
        f"p95 {out['seal_p95']:.2f} s; loops' log {log}"
    )
    return out


# --- main ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_NATIONAL_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--keep", action="store_true", help="reuse the generated database")
    parser.add_argument("--scale", type=float, default=1.0, help="of the generated data set (0.1: quick)")
    parser.add_argument("--n", type=int, default=50, help="runs per read measurement")
    parser.add_argument("--writes", type=int, default=30, help="progress writes timed for freshness")
    parser.add_argument("--rounds", type=int, default=10, help="fold rounds timed")
    parser.add_argument("--resolution", default="", help="number, e.g. 57-NQ/TW (default: most tasks)")
    parser.add_argument("--seed", type=int, default=57)
    args = parser.parse_args()
    load = os.getloadavg()
    generate(
        args.pg_url,
        keep=args.keep,
        scale=args.scale,
        seed=args.seed,
        tasks=200_000,
        users=20_000,
        observations=2_000_000,
    )
    from django.db.models import Count

    from resmon.accounts.models import User
    from resmon.agencies.models import Agency
    from resmon.core import clock
    from resmon.planning.models import Resolution

    rng = random.Random(args.seed)
    today = clock.today()
    env = {k: v for k, v in os.environ.items() if k != "SQLITE_PATH"}
    print(f"\nload average when the bench started: {load[0]:.2f} (other work on this 2-core machine)")
    print("\n1. rebuild", flush=True)
    rebuilt = rebuild_figures()
    print("\n   compute_resolution per resolution", flush=True)
    resolutions = per_resolution(today)
    if args.resolution:
        res = Resolution.objects.get(number=args.resolution)
    else:
        res = Resolution.objects.annotate(n=Count("tasks")).order_by("-n").first()
    root = Agency.objects.get(depth=1)
    user = User.objects.select_related("agency").get(username=NATIONAL_USER)
    user.scope  # noqa: B018 - computed once per request, as in a view
    admin = User.objects.select_related("agency").get(username="admin")
    print(
        f"\n2. the national figure of {res.number} ({res.pk}): cache vs raw rows, {args.n} runs each",
        flush=True,
    )
    reads = read_figures(user, root, res, today, args.n)
    print(f"\n3. the fold's cost per round ({args.rounds} rounds, one progress write each)", flush=True)
    rounds = fold_rounds(admin, res, today, args.rounds, rng)
    print(
        f"\n4. freshness: {args.writes} writes, the sealer (seal, then fold) every 1 s in the background",
        flush=True,
    )
    fresh = freshness(admin, root, res, args.writes, env, rng)
    tasks_in = next(t for number, t, _s, _ms in resolutions if number == res.number)
    cached, engine, alone = reads["cached"], reads["engine"], reads["alone"]
    print(f"\nsummary ({res.number}: {tasks_in:,} tasks; load average now {os.getloadavg()[0]:.2f})")
    fold, computed = rounds["fold"], rounds["compute"]
    rows = [
        *rebuilt,
        ("national figure from the cache", f"p50 {cached[0]:.2f} ms, p95 {cached[1]:.2f} ms"),
        ("from raw rows: compute_resolution", f"p50 {engine[0]:.0f} ms, p95 {engine[1]:.0f} ms"),
        ("from raw rows: the root alone", f"p50 {alone[0]:.0f} ms, p95 {alone[1]:.0f} ms"),
        (
            "cache faster by (p50 / p50)",
            f"{engine[0] / cached[0]:,.0f}x (root alone: {alone[0] / cached[0]:,.0f}x)",
        ),
        ("cached row equals the raw answer", str(reads["same"])),
        ("fold round, one resolution touched", f"p50 {fold[0]:.0f} ms, p95 {fold[1]:.0f} ms"),
        ("  of which compute_resolution", f"p50 {computed[0]:.0f} ms"),
        (
            "write -> national dashboard (sealer woken by NOTIFY)",
            f"p50 {fresh['p50']:.2f} s, p95 {fresh['p95']:.2f} s, max {fresh['max']:.2f} s",
        ),
        (
            "  of which waiting for the sealer",
            f"p50 {fresh['seal_p50']:.2f} s, p95 {fresh['seal_p95']:.2f} s",
        ),
    ]
    width = max(len(label) for label, _v in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")


if __name__ == "__main__":
    main()
