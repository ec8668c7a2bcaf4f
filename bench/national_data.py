"""National-scale data for the benchmarks (run by hand; prints figures, asserts nothing):

  .venv/bin/python bench/national_data.py [--pg-url URL] [--keep] [--scale 1.0] [--seed 57]
      [--tasks 200000] [--users 20000] [--observations 2000000]

A DATA GENERATOR, not a user of the application: rows are written in bulk (COPY, bulk_create),
one transaction per table, with no service, no permission check and no audit row. The rows are
valid for the models' constraints (unique keys, foreign keys, NOT NULL) and shaped like the demo's,
so the pages, selectors and roll-ups read them as real data.

On a PostgreSQL database of its own (--pg-url, default resmon_national: DROPPED and created again
unless --keep; never point it at a database you keep; "resmon" and "postgres" are refused):
`manage.py migrate` and `manage.py load_demo` (the real agency tree: 34 provinces, 3,321
communes, ministries; 7 resolutions, ~10,000 tasks), then, up to the targets (times --scale):

* tasks: sub-tasks under the existing programmes, assigned down the tree — a province's task
  (People's Committee or department) to its communes' People's Committees and departments, a
  commune's task to its own steps, a ministry's to its departments — codes "parent.n", depth at
  most 4 levels, weights 1-3, due dates month ends in 2025-2027 no later than the parent's, and the
  demo's status mix (completed on time / late, overdue, in progress with a percent, not started,
  ~2 % paused, ~1 % cancelled) from the demo's own progress helpers; parents carry the dates their
  children imply;
* users: a focal officer and a leader (then second officers) for every commune People's Committee
  and party committee, provincial department, provincial People's Committee and party committee
  (unusable password, as bench/reporting_burst.py does);
* KPI values (reporting.Observation: indicator x agency x period, unique): on every month and
  quarter of 2025-2026 that has ended, for the communes' and provinces' People's Committees, over
  the demo's indicators (those not "part of" another and not ratios), whatever their own frequency
  — 28 indicators at their own frequencies would give only ~0.4 million values; each value hangs
  on an accepted PeriodReport (one per agency and period, on a programme the agency leads a task
  of, no lines) created here unless the demo already has it.

The roll-up caches are NOT refreshed (no audit rows were written for the fold to see): run
`manage.py rebuild_rollups`, as bench/rollups.py does first. With --keep an existing database is
topped up to the targets (nothing is added when they are met).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))
from national_tasks import add_tasks, copy_rows, reserve_ids  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/resmon_national"
REFUSED = {"", "resmon", "postgres"}


def recreate_pg(url: str) -> None:
    import psycopg
    from pgdb import server_params
    from psycopg import sql

    params, name = server_params(url)
    if name in REFUSED:
        raise SystemExit(f"refusing to drop the database {name!r}")
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(url: str) -> None:
    os.environ.update(RESMON_ENV="development", DJANGO_SETTINGS_MODULE="resmon.settings", DATABASE_URL=url)
    os.environ.pop("SQLITE_PATH", None)
    import django

    django.setup()


# --- users -------------------------------------------------------------------------------------

USER_KINDS = ("commune_ubnd", "commune_party", "provincial_department", "provincial_ubnd", "provincial_party")
ROLES = (("focal_officer", "cb", "Chuyên viên đầu mối"), ("leader", "ld", "Lãnh đạo"))


def add_users(target: int, rng: random.Random) -> int:
    """Focal officers and leaders: every agency of these kinds gets one of each, then second
    officers, until there are ``target`` accounts."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from resmon.accounts.models import User
    from resmon.agencies.models import Agency
    from resmon.demo.builder.names import person_name

    existing = User.objects.count()
    if existing >= target:
        return 0
    taken = set(User.objects.values_list("username", flat=True))
    agencies = list(Agency.objects.filter(kind__in=USER_KINDS, valid_to__isnull=True).order_by("path"))
    unusable = make_password(None)
    users: list[Any] = []
    rounds = 0
    while existing + len(users) < target and rounds < 10:
        rounds += 1
        for agency in agencies:
            for role, suffix, title in ROLES if rounds == 1 else ROLES[:1]:
                username = f"nat.{agency.code.lower()}.{suffix}{rounds if rounds > 1 else ''}"
                if username in taken:
                    continue
                taken.add(username)
                users.append(
                    User(
                        username=username[:150],
                        full_name=person_name(rng),
                        position=f"{title}, {agency.name}"[:150],
                        agency=agency,
                        role=role,
                        password=unusable,
                    )
                )
                if existing + len(users) >= target:
                    break
            if existing + len(users) >= target:
                break
    with transaction.atomic():
        User.objects.bulk_create(users, batch_size=2000)
    return len(users)


# --- KPI values --------------------------------------------------------------------------------


def observation_plan(rng: random.Random, today: dt.date) -> tuple[list[Any], list[Any], list[Any]]:
    """(indicators, agencies, periods) the values are spread over."""
    from resmon.agencies.models import Agency
    from resmon.catalogue.models import Aggregation, Indicator, PeriodKind, ReportingPeriod
    from resmon.catalogue.services_periods import configured_cutoff

    indicators = list(
        Indicator.objects.filter(current__isnull=False, current__part_of__isnull=True)
        .exclude(current__aggregation=Aggregation.RATIO)
        .select_related("current")
        .order_by("code")
    )
    agencies = list(
        Agency.objects.filter(kind__in=("commune_ubnd", "provincial_ubnd"), valid_to__isnull=True).order_by(
            "path"
        )
    )
    periods = list(
        ReportingPeriod.objects.filter(
            cutoff=configured_cutoff(),
            kind__in=(PeriodKind.MONTH, PeriodKind.QUARTER),
            year__in=(2025, 2026),
            end__lt=today,
        ).order_by("start", "kind")
    )
    return indicators, agencies, periods


def value_text(version: Any, base: float, step: int, rng: random.Random) -> str:
    lo = float(version.min_value) if version.min_value is not None else 0.0
    hi = float(version.max_value) if version.max_value is not None else max(lo + 1000.0, lo * 2)
    value = lo + (hi - lo) * min(1.0, max(0.0, base * (1 + 0.01 * step) * rng.uniform(0.95, 1.05)))
    places = min(version.decimal_places, 2)
    return f"{value:.{places}f}"


def report_row(pk, program, period, agency, officer, sent, people, accepting) -> dict[str, Any]:
    """An accepted report, sent on time by the agency's focal officer, accepted by the programme's
    agency three days later; it carries KPI values only (no lines)."""
    from resmon.reporting.models import ReportState

    due = period.end + dt.timedelta(days=5)
    return {
        "id": pk,
        "program_id": program.pk,
        "resolution_id": program.resolution_id,
        "period_id": period.pk,
        "agency_id": agency.pk,
        "accepting_agency_id": program.agency_id,
        "state": ReportState.ACCEPTED,
        "due_date": due,
        "grace_until": due,
        "results": "Số liệu chỉ tiêu của kỳ báo cáo.",
        "prepared_by_id": officer,
        "submitted_to_head_at": sent - dt.timedelta(hours=20),
        "head_approved_by_id": people.get((agency.pk, "leader"), officer),
        "first_sent_at": sent,
        "sent_at": sent,
        "accepted_by_id": accepting.get(program.agency_id),
        "accepted_at": sent + dt.timedelta(days=3),
        "created_at": sent - dt.timedelta(days=3),
        "updated_at": sent + dt.timedelta(days=3),
    }


def add_observations(target: int, rng: random.Random, today: dt.date) -> tuple[int, int]:
    """KPI values up to ``target``, each on an accepted report of its agency and period.
    Returns (values added, reports added)."""
    from django.db import connection, transaction

    from resmon.accounts.models import User
    from resmon.planning.models import ActionProgram, Task
    from resmon.reporting.models import Observation, PeriodReport

    existing = Observation.objects.count()
    if existing >= target:
        return 0, 0
    indicators, agencies, periods = observation_plan(rng, today)
    taken = set(Observation.objects.values_list("indicator_id", "agency_id", "period_id"))
    capacity = len(indicators) * len(agencies) * len(periods) - len(taken)
    share = min(1.0, (target - existing) / max(capacity, 1) * 1.01)
    program_of = dict(
        Task.objects.filter(lead_agency__in=agencies)
        .order_by("lead_agency_id", "program_id")
        .distinct("lead_agency_id")
        .values_list("lead_agency_id", "program_id")
    )
    programs = ActionProgram.objects.in_bulk(set(program_of.values()))
    people: dict[tuple[int, str], int] = {}
    for pk, agency_id, role in (
        User.objects.filter(agency__in=agencies).order_by("-pk").values_list("pk", "agency_id", "role")
    ):
        people[(agency_id, role)] = pk
    accepting = dict(
        User.objects.filter(role="leader", agency_id__in={p.agency_id for p in programs.values()})
        .order_by("pk")
        .values_list("agency_id", "pk")
    )
    fallback = User.objects.order_by("pk").values_list("pk", flat=True).first()
    reports = {
        (r[0], r[1], r[2]): r[3]
        for r in PeriodReport.objects.values_list("program_id", "period_id", "agency_id", "pk")
    }
    new_reports: list[dict[str, Any]] = []
    wanted = [(a, p) for a in agencies if a.pk in program_of for p in periods]
    report_ids = reserve_ids(PeriodReport, len(wanted))[::-1]
    bases = {}
    added = 0
    tz = dt.timezone(dt.timedelta(hours=7))
    with transaction.atomic():
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            columns = "indicator_id, indicator_version_id, agency_id, period_id, report_id, value, "
            columns += "is_outlier, explanation, entered_by_id, created_at, updated_at"
            with cursor.copy(f"COPY reporting_observation ({columns}) FROM STDIN") as copy:
                for step, (agency, period) in enumerate(wanted):
                    program = programs[program_of[agency.pk]]
                    key = (program.pk, period.pk, agency.pk)
                    due = period.end + dt.timedelta(days=5)
                    sent = dt.datetime.combine(due - dt.timedelta(days=2), dt.time(9), tzinfo=tz)
                    officer = people.get((agency.pk, "focal_officer"), fallback)
                    chosen = [
                        i
                        for i in indicators
                        if rng.random() < share and (i.pk, agency.pk, period.pk) not in taken
                    ]
                    if not chosen:
                        continue
                    report_id = reports.get(key)
                    if report_id is None:
                        report_id = report_ids.pop()
                        new_reports.append(
                            report_row(report_id, program, period, agency, officer, sent, people, accepting)
                        )
                    index = step % len(periods)
                    for indicator in chosen:
                        version = indicator.current
                        base = bases.setdefault((indicator.pk, agency.pk), rng.uniform(0.2, 0.8))
                        value = value_text(version, base, index, rng)
                        row = (indicator.pk, version.pk, agency.pk, period.pk, report_id, value)
                        copy.write_row((*row, False, "", officer, sent, sent))
                    added += len(chosen)
        copy_rows(PeriodReport, new_reports)
    return added, len(new_reports)


# --- main --------------------------------------------------------------------------------------


def counts() -> dict[str, int]:
    from resmon.accounts.models import User
    from resmon.agencies.models import Agency
    from resmon.planning.models import Task
    from resmon.reporting.models import Observation, PeriodReport

    current = Agency.objects.filter(valid_to__isnull=True)
    return {
        "agencies (current)": current.count(),
        "provinces": current.filter(kind="provincial_party").count(),
        "communes": current.filter(kind="commune_ubnd").count(),
        "tasks": Task.objects.count(),
        "users": User.objects.count(),
        "period reports": PeriodReport.objects.count(),
        "observations (KPI values)": Observation.objects.count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_NATIONAL_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--keep", action="store_true", help="top up an existing database, do not drop it")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the three targets (0.1: quick)")
    parser.add_argument("--tasks", type=int, default=200_000)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--observations", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=57)
    args = parser.parse_args()
    generate(args.pg_url, keep=args.keep, scale=args.scale, seed=args.seed,
             tasks=args.tasks, users=args.users, observations=args.observations)  # fmt: skip


def generate(
    url: str, *, keep: bool, scale: float, seed: int, tasks: int, users: int, observations: int
) -> None:
    """Create (or top up, ``keep``) the national data set; prints what it did. Usable from other benches."""
    from pgdb import server_params

    if server_params(url)[1] in REFUSED:
        raise SystemExit(f"refusing to use the database {server_params(url)[1]!r}")
    began = time.perf_counter()
    if not keep:
        recreate_pg(url)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    from resmon.core import clock
    from resmon.demo.builder import demo_loaded

    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores; "
        f"database {connection.settings_dict['NAME']}"
    )
    steps: list[tuple[str, float, str]] = []

    def step(name: str, fn: Any) -> Any:
        start = time.perf_counter()
        print(f"{name} ...", flush=True)
        out = fn()
        took = time.perf_counter() - start
        steps.append((name, took, "" if out is None else str(out)))
        print(f"  {took:.1f} s {'' if out is None else out}", flush=True)
        return out

    step("migrate", lambda: call_command("migrate", verbosity=0))
    if not demo_loaded():
        step("load_demo", lambda: call_command("load_demo", verbosity=0))
    today = clock.today()
    rng = random.Random(seed)
    step("tasks", lambda: f"{add_tasks(round(tasks * scale), rng, today):,} added")
    step("users", lambda: f"{add_users(round(users * scale), rng):,} added")
    step(
        "observations",
        lambda: "{:,} added, {:,} reports added".format(
            *add_observations(round(observations * scale), rng, today)
        ),
    )

    def analyze() -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    step("ANALYZE", analyze)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    print()
    for name, value in counts().items():
        print(f"{name:<28} {value:>12,}")
    print(f"{'database size':<28} {size:>12}")
    print(f"{'total time':<28} {time.perf_counter() - began:>10.1f} s")
    print(
        "roll-up caches are stale after the bulk load: run `manage.py rebuild_rollups` "
        "(bench/rollups.py does)"
    )


if __name__ == "__main__":
    main()
