"""KPI bands at national scale, from the roll-ups against scored live (run by hand or
`scripts/bench.sh kpi_rollups`; prints figures, asserts nothing):

  .venv/bin/python bench/kpi_rollups.py [--pg-url URL] [--n 50]

On the national data set of bench/national_data.py (--pg-url, default resmon_national), which must
exist already (it is never dropped here): the script writes roll-up rows only (`migrate rollups`
first if the KPI roll-up tables are missing).

1. the rebuild: `rollups.services.rebuild()` (every roll-up) timed; then the KPI part alone
   (`rollups.kpis.refresh_window`) from empty KPI tables and again with nothing to change: time,
   rows written, KPIs and kept periods;
2. for the national leader (lanhdao.tw) at the root and a provincial leader (lanhdao.hni) at their
   province, on the current quarter and on the latest ended quarter: p50/p95 over --n runs (after
   two warm-up runs) of
   - the band counts: `rollups.selectors.kpi_rollup(...).counts` (with the covered check and the
     rule read) against scoring every KPI live (`dashboards.kpis._score`) and counting;
   - the whole read model of the page and the API (`dashboards.kpis.kpi_bands`: counts and the
     first page of 50 rows) from the roll-ups against `live=True`;
   the ratio of the p50s, and whether both ways give the same counts and rows.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
from rollups import timings  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/resmon_national"
USERS = ("lanhdao.tw", "lanhdao.hni")


def setup_django(url: str) -> None:
    os.environ.update(RESMON_ENV="development", DJANGO_SETTINGS_MODULE="resmon.settings", DATABASE_URL=url)
    os.environ.pop("SQLITE_PATH", None)
    import django

    django.setup()


def rebuild_figures() -> list[tuple[str, str]]:
    from django.db import transaction

    from resmon.core import clock
    from resmon.planning.models import TaskIndicator
    from resmon.planning.selectors_bands import current_band_rule
    from resmon.rollups import kpis, services
    from resmon.rollups.models import KpiRollup, KpiScore

    out = []
    start = time.perf_counter()
    written = services.rebuild()
    out.append(("rebuild of every roll-up", f"{time.perf_counter() - start:.1f} s, {written:,} rows written"))
    today, rule = clock.today(), current_band_rule()
    with transaction.atomic():
        KpiRollup.objects.all().delete()
        KpiScore.objects.all().delete()
        start = time.perf_counter()
        written = kpis.refresh_window(today, rule)
        took = time.perf_counter() - start
    out.append(("KPI part alone, empty tables", f"{took * 1000:.0f} ms, {written:,} rows written"))
    with transaction.atomic():
        start = time.perf_counter()
        written = kpis.refresh_window(today, rule)
        took = time.perf_counter() - start
    out.append(("KPI part alone, nothing changed", f"{took * 1000:.0f} ms, {written:,} rows written"))
    kept = kpis.kept_periods(today).count()
    counted = TaskIndicator.objects.exclude(task__state="cancelled").count()
    out.append(("KPIs (tasks not cancelled) x kept periods", f"{counted:,} x {kept}"))
    out.append(
        ("stored rows", f"{KpiRollup.objects.count():,} band counts, {KpiScore.objects.count():,} scores")
    )
    for label, value in out:
        print(f"  {label}: {value}", flush=True)
    return out


def same(a: Any, b: Any) -> bool:
    rows = [(r.kpi.pk, r.expected, r.actual, r.attainment, r.band) for r in a.rows]
    return (a.counts, a.total, a.count, rows) == (
        b.counts,
        b.total,
        b.count,
        [(r.kpi.pk, r.expected, r.actual, r.attainment, r.band) for r in b.rows],
    )


def read_figures(user: Any, agency: Any, period: Any, n: int) -> list[tuple[str, str]]:
    from resmon.dashboards import kpis
    from resmon.planning.bands import BANDS
    from resmon.planning.selectors_bands import current_band_rule
    from resmon.rollups import selectors

    def cached_counts() -> dict[str, int]:
        found = selectors.kpi_rollup(user, agency=agency, period=period, rule=current_band_rule())
        assert found is not None, "the roll-ups do not hold this period"
        return found.counts

    def live_counts() -> dict[str, int]:
        counts = dict.fromkeys(BANDS, 0)
        for s in kpis._score(user, agency, None, period.end, period, current_band_rule()):
            counts[s[4]] += 1
        return counts

    label = f"{user.username} at {agency.code or agency.pk}, {period.label}"
    rows = []
    c_cache, c_live = timings(cached_counts, n), timings(live_counts, n)
    p_cache = timings(lambda: kpis.kpi_bands(user, agency=agency, period=period), n)
    p_live = timings(lambda: kpis.kpi_bands(user, agency=agency, period=period, live=True), n)
    assert p_cache[2].from_rollup and not p_live[2].from_rollup
    for what, cache, live, equal in (
        ("counts", c_cache, c_live, c_cache[2] == c_live[2]),
        ("kpi_bands", p_cache, p_live, same(p_cache[2], p_live[2])),
    ):
        text = (
            f"roll-up p50 {cache[0]:.2f} ms p95 {cache[1]:.2f} ms; live p50 {live[0]:.1f} ms "
            f"p95 {live[1]:.1f} ms; {live[0] / cache[0]:,.0f}x; same: {equal}"
        )
        print(f"  {label}, {what}: {text}", flush=True)
        rows.append((f"{label}, {what}", text))
    print(f"    counts {c_cache[2]}", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_NATIONAL_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--n", type=int, default=50, help="runs per read measurement")
    args = parser.parse_args()
    load = os.getloadavg()
    setup_django(args.pg_url)
    from resmon.accounts.models import User
    from resmon.catalogue.models import PeriodKind
    from resmon.core import clock
    from resmon.dashboards import selectors
    from resmon.rollups import kpis

    print(f"load average when the bench started: {load[0]:.2f} (other work on this 2-core machine)")
    print("\n1. rebuild", flush=True)
    rebuilt = rebuild_figures()
    today = clock.today()
    quarters = list(kpis.kept_periods(today).filter(kind=PeriodKind.QUARTER).order_by("start"))
    current = [q for q in quarters if q.end >= today][-1:]
    ended = [q for q in quarters if q.end < today][-1:]
    print(f"\n2. reads, {args.n} runs each", flush=True)
    reads = []
    for username in USERS:
        user = User.objects.select_related("agency").get(username=username)
        user.scope  # noqa: B018 - computed once per request, as in a view
        agency = selectors.top_agency(user)
        for period in [*current, *ended]:
            reads += read_figures(user, agency, period, args.n)
    print(f"\nsummary (load average now {os.getloadavg()[0]:.2f})")
    rows = [*rebuilt, *reads]
    width = max(len(label) for label, _v in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")


if __name__ == "__main__":
    main()
