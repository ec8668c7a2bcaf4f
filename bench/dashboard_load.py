"""The national dashboard under load (run by hand or `scripts/bench.sh dashboard`; prints figures,
asserts nothing):

  .venv/bin/python bench/dashboard_load.py [--pg-url URL] [--rate 200] [--seconds 20] [--users 50]
      [--closed-seconds 15] [--n 30]

On the national data set of bench/national_data.py (--pg-url, default resmon_national, reused as it
is: build it first with `scripts/bench.sh national`), for the national leader (lanhdao.tw), the
overview of the whole country, all resolutions, the current quarter — `GET /api/v1/dashboard`, the
same read model the page and the exports use:

1. in-process: the overview from the roll-ups (`dashboards.selectors.overview`) against the same
   answer from raw rows (each resolution's subtree figures by `rollups.services.compute_resolution`
   and the period's reporting completeness counted live by `reporting.selectors_completeness`):
   p50/p95 over --n runs each and the ratio;
2. the site served as `make run` serves it (the Procfile's `web` line: gunicorn gthread, 2 workers
   x 4 threads, access log on) on a free port, warmed up; then OPEN LOOP: --rate requests/s for
   --seconds, request i due at i/rate whatever happened to the earlier ones, taken by the next
   free one of 64 client threads (each with a keep-alive connection, as browsers and nginx's
   upstream pool keep them), latency measured from the moment it was due (no coordinated omission; see
   bench/reporting_burst.py for why not locust); p50/p95/p99, errors, the rate the server kept up;
3. CLOSED LOOP: --users clients each sending its next request as soon as the previous answer came,
   for --closed-seconds: the throughput 50 concurrent users get and their latency;
4. the resident memory (VmRSS) of each gunicorn worker after the runs.

The roll-ups must be built (the bench rebuilds them when the fold state says they never were).
The load driver runs on the same 2-core machine as gunicorn and PostgreSQL and takes CPU too.
"""

from __future__ import annotations

import argparse
import http.client
import os
import queue
import random
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT / "src"))

from national_data import DEFAULT_URL, setup_django  # noqa: E402
from reporting_burst import Site, pct  # noqa: E402

from rollups import timings  # noqa: E402

NATIONAL_USER = "lanhdao.tw"
TOKEN_NAME = "dashboard load bench"


# --- 1. in-process: cache against raw rows ---------------------------------------------------------


def in_process(user: Any, n: int) -> dict[str, Any]:
    from resmon.agencies.models import Agency
    from resmon.core import clock
    from resmon.dashboards import selectors as dashboards
    from resmon.planning.models import Resolution
    from resmon.reporting import selectors_completeness as live
    from resmon.rollups.services import compute_resolution

    root = Agency.objects.get(depth=1)
    period = dashboards.default_period(user)
    today = clock.today()

    def cached() -> Any:
        return dashboards.overview(user, root, None, period)

    def raw() -> Any:
        figures = {
            r: compute_resolution(r, today).get(root.path)
            for r in Resolution.objects.values_list("pk", flat=True)
        }
        counts = live.completeness_by_child(user, period=period, agency=root)
        return figures, counts

    fast = timings(cached, n)
    print(f"  overview from the roll-ups: p50 {fast[0]:.1f} ms, p95 {fast[1]:.1f} ms", flush=True)
    slow = timings(raw, max(3, n // 10), warmup=1)
    print(f"  the same from raw rows: p50 {slow[0]:.0f} ms, p95 {slow[1]:.0f} ms", flush=True)
    o, (figures, counts) = fast[2], slow[2]
    same_tasks = o.headline.tasks == sum(f.tasks for f in figures.values() if f is not None)
    same_missing = o.headline.reports_missing == sum(c.missing for _a, c in counts)
    print(f"  same tasks: {same_tasks}; same missing reports: {same_missing}")
    return {"cached": fast[:2], "raw": slow[:2], "same": same_tasks and same_missing, "period": period}


# --- 2. and 3. the server under load ---------------------------------------------------------------


def worker_rss_mb(port: int) -> list[float]:
    """VmRSS of each gunicorn worker (the children of the gunicorn master)."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        if "gunicorn" not in cmdline or f"127.0.0.1:{port}" not in cmdline:
            continue
        ppid = int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))
        parent = Path(f"/proc/{ppid}/cmdline").read_bytes().decode(errors="replace") if ppid else ""
        if "gunicorn" not in parent:
            continue  # the master
        rss = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
        out.append(int(rss) / 1024)
    return sorted(out)


class Connection:
    """One keep-alive HTTP connection (as a browser or nginx's upstream pool keeps one), opened
    again after an error."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.headers = port, {"Authorization": f"Bearer {token}"}
        self.conn: http.client.HTTPConnection | None = None

    def get(self, path: str) -> tuple[int, str]:
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
            self.conn.request("GET", path, headers=self.headers)
            resp = self.conn.getresponse()
            resp.read()
            return resp.status, ""
        except (OSError, http.client.HTTPException) as exc:
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return 0, f"{type(exc).__name__}: {exc}"


def get(port: int, path: str, token: str) -> tuple[int, str]:
    return Connection(port, token).get(path)


def open_loop(
    port: int, paths: list[str], token: str, rate: float, seconds: float, connections: int = 64
) -> dict[str, Any]:
    """Request i is due at start + i/rate whatever happened to the earlier ones; ``connections``
    client threads, each with its keep-alive connection, take the due requests in order; the
    latency counts from the moment a request was due, so a request waiting for a free client
    (the server being slow) is counted as slow (no coordinated omission)."""
    total = int(rate * seconds)
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    lock = threading.Lock()
    due_queue: queue.Queue[int | None] = queue.Queue()
    start = time.perf_counter()

    def client() -> None:
        conn = Connection(port, token)
        while (i := due_queue.get()) is not None:
            status, error = conn.get(paths[i % len(paths)])
            took = (time.perf_counter() - (start + i / rate)) * 1000
            with lock:
                latencies.append(took)
                statuses[str(status) if not error else error[:40]] += 1

    threads = [threading.Thread(target=client, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    for i in range(total):
        wait = start + i / rate - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        due_queue.put(i)
    for _ in threads:
        due_queue.put(None)
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return {
        "requests": total,
        "wall": wall,
        "kept_up": total / wall,
        "p50": pct(latencies, 0.5),
        "p95": pct(latencies, 0.95),
        "p99": pct(latencies, 0.99),
        "statuses": dict(statuses),
    }


def closed_loop(port: int, paths: list[str], token: str, users: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def user(k: int) -> None:
        i, conn = k, Connection(port, token)
        while time.perf_counter() < stop:
            began = time.perf_counter()
            status, error = conn.get(paths[i % len(paths)])
            took = (time.perf_counter() - began) * 1000
            i += users
            with lock:
                latencies.append(took)
                statuses[str(status) if not error else error[:40]] += 1

    start = time.perf_counter()
    threads = [threading.Thread(target=user, args=(k,), daemon=True) for k in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return {
        "requests": len(latencies),
        "throughput": len(latencies) / wall,
        "p50": pct(latencies, 0.5),
        "p95": pct(latencies, 0.95),
        "statuses": dict(statuses),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_NATIONAL_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--rate", type=float, default=200.0, help="open loop: requests per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="open loop: how long")
    parser.add_argument("--users", type=int, default=50, help="closed loop: concurrent users")
    parser.add_argument("--closed-seconds", type=float, default=15.0, help="closed loop: how long")
    parser.add_argument("--n", type=int, default=30, help="in-process runs (cache side)")
    parser.add_argument("--provinces", action="store_true", help="mix in the 34 provinces' overviews")
    args = parser.parse_args()
    load = os.getloadavg()
    setup_django(args.pg_url)
    from django.core.management import call_command

    from resmon.accounts.models import User
    from resmon.accounts.tokens import create_token
    from resmon.agencies.models import Agency, AgencyKind
    from resmon.rollups import services as rollups
    from resmon.rollups.selectors import fold_state

    call_command("migrate", verbosity=0)
    state = fold_state()
    if state is None or state.completeness_from is None:
        start = time.perf_counter()
        written = rollups.rebuild()
        print(f"roll-ups rebuilt: {written:,} rows in {time.perf_counter() - start:.1f} s", flush=True)
    user = User.objects.select_related("agency").get(username=NATIONAL_USER)
    user.scope  # noqa: B018 - computed once per request, as in a view
    print(f"load average when the bench started: {load[0]:.2f} (other work on this 2-core machine)")
    print(f"\n1. in-process, {args.n} runs", flush=True)
    inproc = in_process(user, args.n)
    period = inproc["period"]
    _token, secret = create_token(user, TOKEN_NAME)
    paths = [f"/api/v1/dashboard?period={period.pk}"]
    if args.provinces:
        provinces = Agency.objects.filter(kind=AgencyKind.PROVINCIAL_PARTY, valid_to__isnull=True)
        paths += [f"/api/v1/dashboard?agency={p.pk}&period={period.pk}" for p in provinces]
        random.Random(57).shuffle(paths)
    env = {k: v for k, v in os.environ.items() if k not in {"SQLITE_PATH"}}
    env.update(
        DATABASE_URL=args.pg_url,
        RESMON_ENV="development",
        DJANGO_SETTINGS_MODULE="resmon.settings",
        PYTHONPATH=str(ROOT / "src"),
    )
    log = Path(os.environ.get("TMPDIR", "/tmp")) / "resmon-dashboard-load.log"
    with Site(env, log, processes=("web",)) as web:
        for _ in range(40):
            get(web.port, paths[0], secret)
        print(f"\n2. open loop: {args.rate:g} requests/s for {args.seconds:g} s", flush=True)
        opened = open_loop(web.port, paths, secret, args.rate, args.seconds)
        print(f"   {opened}", flush=True)
        print(f"\n3. closed loop: {args.users} users for {args.closed_seconds:g} s", flush=True)
        closed = closed_loop(web.port, paths, secret, args.users, args.closed_seconds)
        print(f"   {closed}", flush=True)
        rss = worker_rss_mb(web.port)
    cached, raw = inproc["cached"], inproc["raw"]
    print(f"\nsummary (load average now {os.getloadavg()[0]:.2f}; server log {log})")
    rows = [
        ("overview in-process, from the roll-ups", f"p50 {cached[0]:.1f} ms, p95 {cached[1]:.1f} ms"),
        ("the same from raw rows", f"p50 {raw[0]:.0f} ms, p95 {raw[1]:.0f} ms"),
        ("roll-ups faster by (p50 / p50)", f"{raw[0] / cached[0]:,.0f}x; same figures: {inproc['same']}"),
        (
            f"open loop {args.rate:g}/s, {opened['requests']} requests",
            f"p50 {opened['p50']:.1f} ms, p95 {opened['p95']:.1f} ms, p99 {opened['p99']:.0f} ms; "
            f"kept up {opened['kept_up']:.0f}/s; {opened['statuses']}",
        ),
        (
            f"closed loop, {args.users} users",
            f"{closed['throughput']:.0f} requests/s, p50 {closed['p50']:.0f} ms, p95 {closed['p95']:.0f} ms; "
            f"{closed['statuses']}",
        ),
        (
            "the API's answer under load faster by",
            f"{raw[0] / max(opened['p50'], 0.1):,.0f}x (raw p50 / open-loop p50, HTTP included; the"
            " answer is kept until the roll-ups move: dashboards.cache)",
        ),
        ("memory per web worker (VmRSS)", ", ".join(f"{m:.0f} MB" for m in rss) or "not found"),
    ]
    width = max(len(k) for k, _v in rows)
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")


if __name__ == "__main__":
    main()
