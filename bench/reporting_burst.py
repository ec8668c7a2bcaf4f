"""The deadline-day burst (run by hand or `scripts/bench.sh burst`; prints figures, asserts nothing):

  .venv/bin/python bench/reporting_burst.py [--reports 3321] [--seconds 30] [--retries 0.02]
      [--scenario both|approve|create] [--baseline 20] [--clients 0] [--pg-url URL] [--profile]

Thousands of commune People's Committees send their quarterly report in the last half-minute before
the deadline. On a PostgreSQL database of its own (--pg-url, default resmon_bench_burst: DROPPED
and created again; never point it at a database you keep), the bench:

1. migrates and loads the demo data (`manage.py load_demo`);
2. picks the quarter containing today (real clock, configured cut-off) and the (programme, commune
   People's Committee) pairs due for reporting in it and not yet reported in the demo data: every
   active commune People's Committee that leads a task due in the quarter, one programme each, then
   second programmes of some communes until there are --reports pairs (in the last quarter of the
   demo's year fewer than 3,321 communes still have a task due);
3. creates, per commune, a focal officer and a leader (the commune's head), each with an API token
   (accounts.tokens.create_token);
4. serves the site exactly as `make run` does (honcho + Procfile: gunicorn gthread 2 workers x 4
   threads with the access log, the background worker, the audit sealer every 2 s) on a free port;
5. scenario "create": each officer's POST /api/v1/reports (program, period) with an Idempotency-Key;
   then, through the services (not timed), the lines are filled and the report sent to the head;
   scenario "approve": each head's POST /api/v1/reports/{id}/approve {"version": n} with an
   Idempotency-Key (approve and send) — with --scenario approve alone the drafts are created by
   the services first;
6. before each burst, --baseline requests on spare pairs one at a time: the latency of a request
   alone and the CPU it costs the server (gunicorn, PostgreSQL backends, sealer and worker, read
   per process from /proc, so other work on the machine does not count);
7. after each burst: status codes, latency, and counts proving nothing was lost or duplicated
   (reports per pair, audit rows per report, idempotency keys), deadlocks (pg_stat_database delta
   and the server log); at the end the sealer runs once and `verify_audit` checks the chain.

The load is OPEN LOOP: request i is due at i x seconds/reports after the start, whatever happened
to the earlier ones; --retries of them (2 %) are sent a second time, same Idempotency-Key and body,
0-0.5 s after the first (a double click, or a client retrying after a lost answer). Each request
has its own client thread (--clients 0), so no request waits for an earlier answer; latency is
measured from the moment a request was DUE, so any wait on the client side counts too (no
coordinated omission).

Why not locust: locust is closed loop — each simulated user sends its next request only after the
previous answer (`constant_throughput` / `constant_pacing` only pace a user while answers are fast),
and its response times start when the request is actually sent, so a slow server lowers the load
and hides its own queueing. An open-loop schedule needs a scheduler that does not wait for answers;
this small driver (a scheduler loop, a thread per request, `http.client` from the standard
library) does that with no new dependency. The driver runs on the same 2-core machine as
gunicorn and PostgreSQL; it is light (one short request per ~9 ms), but it does take some CPU.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT / "src"))

from run import PY, base_env, free_port, pg_recreate, timed  # noqa: E402

HONCHO = str(ROOT / ".venv" / "bin" / "honcho")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/resmon_bench_burst"
TOKEN_NAME = "deadline-day bench"
CLIENT_TIMEOUT = 900  # seconds: long enough to see every answer of an overloaded server


# --- the open-loop driver ----------------------------------------------------------------------


@dataclass
class Job:
    due: float  # seconds after the start
    index: int  # which pair
    path: str
    body: dict
    token: str
    key: str
    retry: bool = False


@dataclass
class Outcome:
    job: Job
    status: int = 0  # 0: no answer (transport error)
    latency_ms: float = 0.0  # from the moment the request was due
    service_ms: float = 0.0  # from the moment it was sent
    lag_ms: float = 0.0  # sent this late after it was due (client threads busy)
    report_id: int | None = None
    state: str = ""
    error: str = ""


def _send(port: int, job: Job, start: float) -> Outcome:
    out = Outcome(job)
    due = start + job.due
    sent = time.perf_counter()
    out.lag_ms = (sent - due) * 1000
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
    try:
        conn.request(
            "POST",
            job.path,
            body=json.dumps(job.body),
            headers={
                "Authorization": f"Bearer {job.token}",
                "Content-Type": "application/json",
                "Idempotency-Key": job.key,
            },
        )
        resp = conn.getresponse()
        raw = resp.read()
        out.status = resp.status
    except OSError as exc:
        out.error = f"{type(exc).__name__}: {exc}"
        raw = b""
    finally:
        conn.close()
    done = time.perf_counter()
    out.latency_ms, out.service_ms = (done - due) * 1000, (done - sent) * 1000
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        data = {}
    if 200 <= out.status < 300:
        out.report_id, out.state = data.get("id"), data.get("state", "")
    elif out.status:
        out.error = str(data.get("code") or data.get("title") or data.get("detail") or raw[:200])
    return out


def warm_up(port: int, token: str, n: int = 40) -> None:
    """A few reads so every gunicorn worker has loaded the code, as on a server that has been up."""
    for _ in range(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", "/api/v1/reports?limit=5", headers={"Authorization": f"Bearer {token}"})
        conn.getresponse().read()
        conn.close()


def burst(port: int, jobs: list[Job], clients: int) -> tuple[list[Outcome], float]:
    """Send every job at its due time (open loop); returns the outcomes and the wall time."""
    jobs = sorted(jobs, key=lambda j: j.due)
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def run(job: Job) -> None:
        out = _send(port, job, start)
        with lock:
            outcomes.append(out)

    clients = clients or len(jobs)  # default: never wait for a free thread (pure open loop)
    threading.stack_size(512 * 1024)
    with cf.ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(time.sleep, [0.2] * clients))  # start the client threads before the clock
        start = time.perf_counter() + 0.2
        for job in jobs:
            wait = start + job.due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            pool.submit(run, job)
    return outcomes, time.perf_counter() - start


def sequential(port: int, jobs: list[Job]) -> list[Outcome]:
    """One request at a time (closed loop): the latency of a request on an idle server."""
    return [_send(port, j, time.perf_counter()) for j in jobs]


def baseline(port: int, jobs: list[Job], meter: CpuMeter) -> dict:
    """Sequential requests on the idle site: latency, and the CPU time each request costs the
    server (gunicorn + PostgreSQL + sealer/worker), hence the most requests per second the cores
    allow. CPU is read per process (/proc), so other work on the machine does not count."""
    if not jobs:
        return {"n": 0, "outcomes": []}
    load = os.getloadavg()[0]
    began = time.perf_counter()
    with meter.measure() as sampling:
        outcomes = sequential(port, jobs)
    cpu, wall = sampling.per_request(len(jobs)), time.perf_counter() - began
    ms = [o.service_ms for o in outcomes]
    row = {
        "n": len(jobs),
        "outcomes": outcomes,
        "codes": Counter(o.status for o in outcomes),
        "p50": pct(ms, 0.5),
        "p95": pct(ms, 0.95),
        "cpu": cpu,
        "cpu_ms": cpu["server"],
        "load": load,
    }
    for err, n in Counter(
        f"{o.status} {o.error}"[:160] for o in outcomes if not 200 <= o.status < 300
    ).items():
        print(f"   sequential error x{n}: {err}")
    row["capacity"] = (os.cpu_count() or 1) * 1000 / row["cpu_ms"] if row["cpu_ms"] else float("nan")
    print(
        f"\n-- {len(jobs)} sequential requests first (load average {load:.1f}): {dict(row['codes'])}, "
        f"p50 {row['p50']:.0f} ms, p95 {row['p95']:.0f} ms (wall {wall * 1000 / len(jobs):.0f} ms each)"
    )
    print(f"   CPU per request: {CpuMeter.describe(cpu)}")
    print(f"   => the {os.cpu_count()} cores serve at most ~{row['capacity']:.0f} such requests/s")
    return row


class CpuMeter:
    """CPU time (user + system) of the site's processes (gunicorn; the sealer, worker and honcho)
    and of the PostgreSQL backends connected to the bench database, read from /proc."""

    def __init__(self, root_pid: int, pg_url: str, dbname: str) -> None:
        import psycopg

        self.root_pid, self.dbname = root_pid, dbname
        self.tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
        admin = pg_url.rsplit("/", 1)[0] + "/postgres"
        self.conn = psycopg.connect(admin, autocommit=True)

    @staticmethod
    def _stat(pid: int) -> tuple[int, int] | None:
        """(ppid, utime + stime in ticks)."""
        try:
            raw = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None
        rest = raw[raw.rindex(")") + 2 :].split()
        return int(rest[1]), int(rest[11]) + int(rest[12])

    def snapshot(self) -> dict[str, dict[int, int]]:
        stats = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit() and (st := self._stat(int(entry))):
                stats[int(entry)] = st
        children: dict[int, list[int]] = {}
        for pid, (ppid, _t) in stats.items():
            children.setdefault(ppid, []).append(pid)
        out: dict[str, dict[int, int]] = {"web": {}, "other": {}, "db": {}}
        todo = [self.root_pid]
        while todo:
            pid = todo.pop()
            if pid in stats:
                try:
                    cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    cmd = b""
                out["web" if b"gunicorn" in cmd else "other"][pid] = stats[pid][1]
            todo.extend(children.get(pid, []))
        rows = self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.dbname]
        ).fetchall()
        for (pid,) in rows:
            if pid in stats:
                out["db"][pid] = stats[pid][1]
        t = os.times()
        out["client"] = {0: round((t.user + t.system) * 1000 / self.tick_ms)}
        return out

    def per_request(self, before: dict, after: dict, n: int) -> dict[str, float]:
        cpu = {
            group: sum(max(0, ticks - before[group].get(pid, 0)) for pid, ticks in after[group].items())
            * self.tick_ms
            / max(1, n)
            for group in after
        }
        cpu["server"] = cpu["web"] + cpu["db"] + cpu["other"]
        return cpu

    def measure(self) -> Sampling:
        return Sampling(self)

    @staticmethod
    def describe(cpu: dict[str, float]) -> str:
        return (
            f"server {cpu['server']:.1f} ms = gunicorn {cpu['web']:.1f} + PostgreSQL {cpu['db']:.1f} + "
            f"sealer/worker {cpu['other']:.1f}; this client {cpu['client']:.1f}"
        )


class Sampling:
    """Snapshots every 0.5 s while the block runs, so PostgreSQL backends that end meanwhile (Django
    closes a connection older than CONN_MAX_AGE) still count; ``per_request(n)`` afterwards."""

    def __init__(self, meter: CpuMeter) -> None:
        self.meter = meter
        self.stop = threading.Event()

    def _merge(self, snap: dict[str, dict[int, int]]) -> None:
        for group, ticks in snap.items():
            seen = self.seen.setdefault(group, {})
            for pid, t in ticks.items():
                seen[pid] = max(t, seen.get(pid, 0))

    def _run(self) -> None:
        while not self.stop.wait(0.5):
            self._merge(self.meter.snapshot())

    def __enter__(self) -> Sampling:
        self.before = self.meter.snapshot()
        self.seen: dict[str, dict[int, int]] = {}
        self._merge(self.before)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self._merge(self.meter.snapshot())

    def per_request(self, n: int) -> dict[str, float]:
        return self.meter.per_request(self.before, self.seen, n)


def cpu_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, from /proc/stat (Linux)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    total = after[1] - before[1]
    return (after[0] - before[0]) / total if total else float("nan")


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    values = sorted(values)
    return values[max(0, min(len(values) - 1, int(-(-q * len(values) // 1)) - 1))]


# --- the server, as `make run` serves it -------------------------------------------------------


class Site:
    """honcho with the Procfile (every process, or only ``processes``, e.g. ("web",)) on a free
    port; its output goes to ``log``."""

    def __init__(self, env: dict[str, str], log: Path, processes: tuple[str, ...] = ()) -> None:
        self.processes = processes
        self.port = free_port()
        self.env = {**env, "RESMON_BIND": f"127.0.0.1:{self.port}", "PYTHONUNBUFFERED": "1"}
        self.log = log
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Site:
        self.out = open(self.log, "ab")
        cmd = [HONCHO, "start", "-f", "Procfile", "--no-colour", *self.processes]
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=self.env, stdout=self.out, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/", timeout=10).read()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    sys.exit(f"the site exited before it answered; see {self.log}")
                time.sleep(0.3)
        self.__exit__()
        sys.exit(f"the site did not answer within 120 s; see {self.log}")

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.out.close()


# --- set-up through Django ---------------------------------------------------------------------


@dataclass
class Pair:
    program_id: int
    agency_id: int
    officer_token: str = ""
    leader_token: str = ""
    report_id: int | None = None
    version: int | None = None


@dataclass
class World:
    period: object
    due_date: object
    pairs: list[Pair]
    communes: int
    baseline: list[Pair] = field(default_factory=list)  # due pairs left out: sequential requests
    probe: tuple[int, int] | None = None  # one more: the in-process query count


def choose(target: int, baseline: int) -> World:
    """The quarter containing today and the (programme, commune People's Committee) pairs due in it."""
    from django.db.models import Q

    from resmon.agencies.models import AgencyKind
    from resmon.catalogue import periods as cal
    from resmon.catalogue.models import ReportingPeriod
    from resmon.catalogue.services_periods import configured_cutoff
    from resmon.core import clock
    from resmon.planning.models import ActionProgram, Task
    from resmon.planning.services.schedule import schedule_of
    from resmon.reporting.models import PeriodReport

    cutoff = configured_cutoff()
    cal_period = cal.period_containing(cal.QUARTER, clock.today(), cutoff)
    period = ReportingPeriod.objects.get(kind=cal.QUARTER, cutoff=cutoff, code=cal_period.code)
    due = (
        Task.objects.filter(
            lead_agency__kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE,
            lead_agency__valid_to__isnull=True,
            program__status__in=("issued", "draft"),
        )
        .exclude(state="cancelled")
        .filter(Q(completed_on__isnull=True) | Q(completed_on__gte=period.start))
        .values_list("lead_agency__path", "lead_agency_id", "program_id")
        .distinct()
        .order_by("lead_agency__path", "program_id")
    )
    # the demo data already holds some reports of this period: those pairs are not due any more
    done = set(PeriodReport.objects.filter(period=period).values_list("program_id", "agency_id"))
    programs = {p.pk: p for p in ActionProgram.objects.prefetch_related("schedule")}
    kinds_ok = {pk for pk, p in programs.items() if any(e.kind == cal.QUARTER for e in schedule_of(p))}
    firsts, seconds, seen = [], [], set()
    for _path, agency_id, program_id in due:
        if program_id not in kinds_ok or (program_id, agency_id) in done:
            continue
        (seconds if agency_id in seen else firsts).append((program_id, agency_id))
        seen.add(agency_id)
    chosen = (firsts + seconds)[:target]
    rest = (firsts + seconds)[target:]
    entry = next(e for e in schedule_of(programs[chosen[0][0]]) if e.kind == cal.QUARTER)
    return World(
        period=period,
        due_date=entry.due_of(cal_period)[0],
        pairs=[Pair(p, a) for p, a in chosen],
        communes=len({a for _p, a in chosen}),
        baseline=[Pair(p, a) for p, a in rest[:baseline]],
        probe=rest[baseline] if len(rest) > baseline else None,
    )


def make_accounts(world: World) -> float:
    """A focal officer and a leader per commune, each with an API token."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from resmon.accounts.models import User
    from resmon.accounts.tokens import create_token
    from resmon.agencies.models import Agency
    from resmon.core.access import Role

    began = time.perf_counter()
    everyone = world.pairs + world.baseline
    agencies = Agency.objects.in_bulk(
        {p.agency_id for p in everyone} | ({world.probe[1]} if world.probe else set())
    )
    unusable = make_password(None)
    users = []
    for agency in agencies.values():
        for role, suffix, title in (
            (Role.FOCAL_OFFICER, "cb", "Cán bộ đầu mối"),
            (Role.LEADER, "ct", "Chủ tịch"),
        ):
            users.append(
                User(
                    username=f"burst.{agency.code}.{suffix}"[:150],
                    full_name=f"{title} {agency.name}"[:150],
                    agency=agency,
                    role=role,
                    password=unusable,
                )
            )
    User.objects.bulk_create(users, batch_size=2000)
    tokens: dict[tuple[int, str], str] = {}
    with transaction.atomic():
        for user in User.objects.filter(username__startswith="burst.").select_related("agency"):
            tokens[(user.agency_id, user.role)] = create_token(user, TOKEN_NAME)[1]
    for pair in everyone:
        pair.officer_token = tokens[(pair.agency_id, Role.FOCAL_OFFICER)]
        pair.leader_token = tokens[(pair.agency_id, Role.LEADER)]
    return time.perf_counter() - began


def prepare_drafts(world: World, pairs: list[Pair]) -> tuple[float, int]:
    """Through the services: create the report if the create burst did not, fill every leaf line,
    send it to the head. Returns (seconds, reports created here)."""
    from django.db import close_old_connections

    from resmon.accounts.models import User
    from resmon.agencies.models import Agency
    from resmon.core.access import Role
    from resmon.planning.models import ActionProgram, Task
    from resmon.reporting.models import PeriodReport, ReportState
    from resmon.reporting.services import reports as services

    close_old_connections()
    began = time.perf_counter()
    officers = {
        u.agency_id: u
        for u in User.objects.filter(username__startswith="burst.", role=Role.FOCAL_OFFICER).select_related(
            "agency"
        )
    }
    programs = ActionProgram.objects.in_bulk({p.program_id for p in pairs})
    agencies = Agency.objects.in_bulk({p.agency_id for p in pairs})
    existing = {
        (r.program_id, r.agency_id): r
        for r in PeriodReport.objects.filter(period=world.period, agency_id__in=list(agencies))
    }
    parents = set(Task.objects.filter(parent__isnull=False).values_list("parent_id", flat=True).distinct())
    created = 0
    for n, pair in enumerate(pairs, 1):
        officer = officers[pair.agency_id]
        report = existing.get((pair.program_id, pair.agency_id))
        if report is None:
            report = services.create_report(
                officer,
                program=programs[pair.program_id],
                period=world.period,
                agency=agencies[pair.agency_id],
            )
            created += 1
        if report.state in (ReportState.DRAFT, ReportState.RETURNED):
            lines = [
                {
                    "task": task_id,
                    "results": "Đã triển khai theo kế hoạch; số liệu đến hết kỳ báo cáo.",
                    "percent_done": str(40 + (task_id * 7) % 60),
                }
                for task_id in report.lines.values_list("task_id", flat=True)
                if task_id not in parents
            ]
            report = services.save_report(
                officer,
                report,
                expected_version=report.version,
                results="Hoàn thành các nhiệm vụ trọng tâm của quý.",
                lines=lines,
            )
            report = services.submit_to_head(officer, report, expected_version=report.version)
        pair.report_id, pair.version = report.pk, report.version
        if n % 500 == 0:
            print(f"  {n} drafts ready ({time.perf_counter() - began:.0f} s)", flush=True)
    return time.perf_counter() - began, created


# --- checks after a burst ----------------------------------------------------------------------


def deadlocks(dbname: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = %s", [dbname])
        return int(cursor.fetchone()[0])


def log_problems(log: Path, offset: int) -> Counter:
    text = log.read_bytes()[offset:].decode(errors="replace")
    found = Counter()
    for label, pattern in (
        ("deadlock detected", r"deadlock detected"),
        ("tracebacks", r"^.*Traceback \(most recent call last\)"),
        ("lock/statement timeouts", r"lock timeout|canceling statement"),
        ("worker timeouts", r"WORKER TIMEOUT"),
        ("access log 5xx", r'" 5\d\d '),
    ):
        found[label] = len(re.findall(pattern, text, flags=re.M))
    return found


def check_counts(world: World, action: str, since: object) -> list[str]:
    """Reports per pair, the audit rows of ``action`` per report, idempotency keys."""
    from django.db.models import Count

    from resmon.audit.models import AuditEntry
    from resmon.reporting.models import IdempotencyKey, PeriodReport

    agencies = {p.agency_id for p in world.pairs}
    wanted = {(p.program_id, p.agency_id) for p in world.pairs}
    reports = [
        r
        for r in PeriodReport.objects.filter(period=world.period, agency_id__in=agencies).values(
            "id", "program_id", "agency_id", "state"
        )
        if (r["program_id"], r["agency_id"]) in wanted
    ]
    per_pair = Counter((r["program_id"], r["agency_id"]) for r in reports)
    ids = [str(r["id"]) for r in reports]
    audits = Counter(
        dict(
            AuditEntry.objects.filter(action=action, object_id__in=ids)
            .values_list("object_id")
            .annotate(n=Count("id"))
            .values_list("object_id", "n")
        )
    )
    states = ", ".join(f"{k} {v:,}" for k, v in sorted(Counter(r["state"] for r in reports).items()))
    keys = IdempotencyKey.objects.filter(user__username__startswith="burst.", created_at__gte=since).count()
    return [
        f"pairs {len(wanted):,}; reports {len(reports):,} ({states})",
        f"lost (pair without a report): {len(wanted - set(per_pair)):,}; "
        f"duplicated (pair with 2+ reports): {sum(1 for n in per_pair.values() if n > 1):,}",
        f"audit rows {action}: {sum(audits.values()):,}; reports with none: "
        f"{sum(1 for i in ids if not audits[i]):,}; with 2+: {sum(1 for n in audits.values() if n > 1):,}",
        f"idempotency keys stored during the burst: {keys:,} (one per distinct key sent)",
    ]


def summarise(name: str, outcomes: list[Outcome], wall: float, planned_s: float) -> dict:
    firsts = [o for o in outcomes if not o.job.retry]
    retries = [o for o in outcomes if o.job.retry]
    ok = [o for o in outcomes if 200 <= o.status < 300]
    lat = [o.latency_ms for o in outcomes]
    by_index = {o.job.index: o for o in firsts}
    same = sum(
        1 for o in retries if o.report_id is not None and o.report_id == by_index[o.job.index].report_id
    )
    codes = Counter(o.status or "no answer" for o in outcomes)
    errors = Counter(f"{o.status} {o.error}"[:120] for o in outcomes if not 200 <= o.status < 300)
    row = {
        "name": name,
        "requests": len(outcomes),
        "firsts": len(firsts),
        "retries": len(retries),
        "ok": len(ok),
        "codes": codes,
        "errors": errors,
        "p50": pct(lat, 0.50),
        "p95": pct(lat, 0.95),
        "p99": pct(lat, 0.99),
        "max": max(lat) if lat else float("nan"),
        "svc_p95": pct([o.service_ms for o in outcomes], 0.95),
        "lag_max": max((o.lag_ms for o in outcomes), default=0.0),
        "wall": wall,
        "planned": planned_s,
        "retry_same": same,
    }
    print(f"\n== {name}: {len(firsts):,} requests + {len(retries)} retries over {planned_s:g} s (open loop)")
    print(f"   answered in {wall:.1f} s; status codes: {dict(codes)}")
    for err, n in errors.most_common(8):
        print(f"   error x{n}: {err}")
    print(
        f"   latency from the due moment (ms): p50 {row['p50']:.0f}  p95 {row['p95']:.0f}  "
        f"p99 {row['p99']:.0f}  max {row['max']:.0f}   (server time p95 {row['svc_p95']:.0f}; "
        f"client sent at most {row['lag_max']:.0f} ms late)"
    )
    within = sum(1 for x in lat if x <= 100) / len(lat) if lat else 0.0
    print(f"   answered within 100 ms of the due moment: {within:.0%}")
    print(f"   retries answered with the first request's report: {same}/{len(retries)}")
    return row


# --- main --------------------------------------------------------------------------------------


def make_job(world: World, scenario: str, pair: Pair, index: int, due: float) -> Job:
    if scenario == "create":
        path, body = "/api/v1/reports", {"program": pair.program_id, "period": world.period.pk}
        return Job(due, index, path, body, pair.officer_token, str(uuid.uuid4()))
    path, body = f"/api/v1/reports/{pair.report_id}/approve", {"version": pair.version}
    return Job(due, index, path, body, pair.leader_token, str(uuid.uuid4()))


def jobs_for(world: World, scenario: str, seconds: float, retries: float, rng: random.Random) -> list[Job]:
    n = len(world.pairs)
    order = list(range(n))
    rng.shuffle(order)  # arrivals in no particular order of province or commune
    jobs = [make_job(world, scenario, world.pairs[i], i, slot * seconds / n) for slot, i in enumerate(order)]
    for job in rng.sample(jobs, round(n * retries)):
        again = Job(job.due + rng.uniform(0, 0.5), job.index, job.path, job.body, job.token, job.key, True)
        jobs.append(again)
    return jobs


def queries_per_request(world: World, profile: bool) -> None:
    """One create and one approve in-process (test client) on a spare pair: queries, time, top costs."""
    if not world.probe:
        print("\nno spare pair left for the query count")
        return
    import cProfile
    import io
    import pstats

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from resmon.accounts.models import User
    from resmon.core.access import Role
    from resmon.reporting.models import PeriodReport
    from resmon.reporting.services import reports as services

    settings.ALLOWED_HOSTS = ["*"]
    program_id, agency_id = world.probe
    officer = User.objects.get(agency_id=agency_id, role=Role.FOCAL_OFFICER, username__startswith="burst.")
    leader = User.objects.get(agency_id=agency_id, role=Role.LEADER, username__startswith="burst.")
    from resmon.accounts.tokens import create_token

    print("\nqueries per request (in-process, one spare pair, after the bursts):")
    for name, user in (("create", officer), ("approve", leader)):
        token = create_token(user, "query count")[1]
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
        client.get("/api/v1/reports?limit=5")  # warm: imports, URL resolver, middleware
        if name == "create":
            path, body = "/api/v1/reports", {"program": program_id, "period": world.period.pk}
        else:
            report = PeriodReport.objects.get(program_id=program_id, agency_id=agency_id, period=world.period)
            report = services.submit_to_head(officer, report, expected_version=report.version)
            path, body = f"/api/v1/reports/{report.pk}/approve", {"version": report.version}
        prof = cProfile.Profile()
        with CaptureQueriesContext(connection) as ctx:
            began, cpu = time.perf_counter(), time.process_time()
            if profile:
                prof.enable()
            resp = client.post(path, json.dumps(body), content_type="application/json")
            prof.disable()
            took, cpu = (time.perf_counter() - began) * 1000, (time.process_time() - cpu) * 1000
        tables = Counter()
        for q in ctx.captured_queries:
            sql = q["sql"]
            verb = sql.split(None, 1)[0].upper()
            table = re.search(r'(?:FROM|INTO|UPDATE)\s+"([a-z_]+)"', sql)
            tables[f"{verb} {table.group(1) if table else '?'}"] += 1
        print(
            f"  POST {name}: HTTP {resp.status_code}, {len(ctx.captured_queries)} queries, {took:.0f} ms "
            f"({cpu:.0f} ms of Python CPU)"
        )
        print("    " + ", ".join(f"{k} x{v}" for k, v in tables.most_common(12)))
        if profile:
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(25)
            print("\n".join("    " + line for line in buf.getvalue().splitlines()[4:40]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=3321)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--retries", type=float, default=0.02, help="share of requests sent twice")
    parser.add_argument("--scenario", choices=("both", "approve", "create"), default="both")
    parser.add_argument(
        "--clients",
        type=int,
        default=0,
        help="client threads, i.e. requests in flight at most (0: one per request)",
    )
    parser.add_argument("--seed", type=int, default=20261219)
    parser.add_argument("--baseline", type=int, default=20, help="sequential requests before each burst")
    parser.add_argument("--profile", action="store_true", help="cProfile one request of each kind")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_BURST_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    dbname = args.pg_url.rsplit("/", 1)[-1].split("?")[0]
    if dbname in {"", "resmon", "postgres"}:
        sys.exit(f"refusing to drop the database {dbname!r}: give --pg-url a throw-away database")
    rng = random.Random(args.seed)
    data_dir = Path(tempfile.mkdtemp(prefix="resmon-burst-"))
    env = base_env({"DATABASE_URL": args.pg_url, "RESMON_DATA_DIR": str(data_dir)})
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; database {dbname}; files in {data_dir}")
    if not pg_recreate(args.pg_url):
        sys.exit("PostgreSQL is needed for this bench")
    print(f"migrate {timed([PY, 'manage.py', 'migrate', '--no-input', '-v', '0'], env):.1f} s", flush=True)
    print(f"load_demo {timed([PY, 'manage.py', 'load_demo'], env):.1f} s", flush=True)

    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection, connections
    from django.utils import timezone

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    world = choose(args.reports, args.baseline)
    from resmon.core import clock

    late = "on time" if clock.today() <= world.due_date else "LATE (the due date has passed)"
    print(
        f"PostgreSQL {pg_version}; period {world.period.label} ({world.period.start:%d/%m/%Y}–"
        f"{world.period.end:%d/%m/%Y}), due {world.due_date:%d/%m/%Y}, today {clock.today():%d/%m/%Y}: "
        f"reports sent now are {late}"
    )
    print(
        f"{len(world.pairs):,} reports from {world.communes:,} commune People's Committees "
        f"({len(world.pairs) - world.communes:,} communes report on two programmes)"
    )
    print(f"accounts and tokens: {make_accounts(world):.1f} s", flush=True)
    log = data_dir / "site.log"
    scenarios = ["create", "approve"] if args.scenario == "both" else [args.scenario]
    results = []
    with Site(env, log) as site:
        print(f"site on :{site.port} (honcho + Procfile: gunicorn gthread 2x4, worker, sealer); log {log}")
        meter = CpuMeter(site.proc.pid, args.pg_url, dbname)
        for scenario in scenarios:
            if scenario == "approve":
                print(
                    "preparing the drafts through the services (lines filled, sent to the head) ...",
                    flush=True,
                )
                took, created = prepare_drafts(world, world.pairs + world.baseline)
                print(f"  {took:.0f} s ({created:,} reports created by the services)")
            connections.close_all()
            warm_up(site.port, world.pairs[0].leader_token)
            base = baseline(site.port, [make_job(world, scenario, p, -1, 0.0) for p in world.baseline], meter)
            if scenario == "create":
                for pair, out in zip(world.baseline, base["outcomes"], strict=True):
                    pair.report_id = out.report_id
            before, offset = deadlocks(dbname), log.stat().st_size
            connections.close_all()
            since = timezone.now()
            jobs = jobs_for(world, scenario, args.seconds, args.retries, rng)
            load = os.getloadavg()[0]
            cpu_before = cpu_jiffies()
            with meter.measure() as sampling:
                outcomes, wall = burst(site.port, jobs, args.clients)
            busy = busy_share(cpu_before, cpu_jiffies())
            cpu = sampling.per_request(len(jobs))
            time.sleep(3)  # let the backends report their statistics
            row = summarise(scenario, outcomes, wall, args.seconds)
            row["base"], row["busy"], row["cpu"] = base, busy, cpu
            print(f"   CPU per request during the burst: {CpuMeter.describe(cpu)}")
            print(
                f"   machine CPU busy during the burst: {busy:.0%} of {os.cpu_count()} cores "
                f"(load average before it: {load:.1f}; other work on the machine counts here)"
            )
            if scenario == "create":
                for o in outcomes:
                    if not o.job.retry and o.report_id:
                        world.pairs[o.job.index].report_id = o.report_id
            action = "reporting.report_created" if scenario == "create" else "reporting.report_sent"
            row["checks"] = check_counts(world, action, since)
            row["deadlocks"] = deadlocks(dbname) - before
            row["log"] = log_problems(log, offset)
            for line in row["checks"]:
                print("   " + line)
            print(
                f"   deadlocks (pg_stat_database delta): {row['deadlocks']}; server log: {dict(row['log'])}"
            )
            results.append(row)
    connections.close_all()
    print("\naudit chain after the bursts:")
    for cmd in (["seal_audit"], ["verify_audit", "--no-save"]):
        began = time.perf_counter()
        done = subprocess.run([PY, "manage.py", *cmd], cwd=ROOT, env=env, capture_output=True, text=True)
        took = time.perf_counter() - began
        print(f"  manage.py {' '.join(cmd)} ({took:.1f} s): {(done.stdout + done.stderr).strip()}")
    queries_per_request(world, args.profile)
    print("\nsummary (latency in ms from the due moment; gunicorn gthread 2 workers x 4 threads, 2 cores)")
    heads = ("requests", "2xx", "errors", "p50", "p95", "p99", "max", "seq p50", "CPU/req", "max/s")
    print(f"{'scenario':<9} " + " ".join(f"{h:>8}" for h in heads))
    for r in results:
        errors, b = r["requests"] - r["ok"], r["base"]
        cells = [r["requests"], r["ok"], errors, r["p50"], r["p95"], r["p99"], r["max"]]
        cells += [b.get("p50", float("nan")), b.get("cpu_ms", float("nan")), b.get("capacity", float("nan"))]
        print(f"{r['name']:<9} " + " ".join(f"{c:>8,.0f}" for c in cells))


if __name__ == "__main__":
    main()
