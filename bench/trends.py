"""Trends over time and the comparison of agencies on one indicator, at national scale (run by hand
or `scripts/bench.sh trends`; prints figures, asserts nothing):

  .venv/bin/python bench/trends.py [--pg-url URL] [--n 10]

On the national data set of bench/national_data.py (--pg-url, default resmon_national), which must
exist already: this script never creates, drops or writes it — its connection is read-only
(``default_transaction_read_only``). For the national leader (lanhdao.tw) and a provincial one
(lanhdao.hni), p50/p95 over --n runs (after two warm-up runs) of:

1. ``dashboards.trends.trends`` + its API body (``api_compare.trends_out``): the nation on all
   resolutions for 8 and 20 quarters, the nation on the resolution with the most tasks, Hà Nội;
   with the parts apart for the nation: the one status aggregate query, the progress means, the
   completeness counts of the quarters (counted live, and as trends reads them: from the
   completeness roll-ups for the quarters they hold; the roll-ups missing, it says so);
2. ``dashboards.compare.compare`` + its API body (``api_compare.compare_out``): the nation and
   Hà Nội on the quarterly indicator with the most accepted values, and on a ratio indicator;
3. the two pages rendered (views called with a RequestFactory request, no session written).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
from rollups import timings  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/resmon_national"
NATIONAL_USER = "lanhdao.tw"
PROVINCE_USER = "lanhdao.hni"


def setup_django(url: str) -> None:
    os.environ.update(RESMON_ENV="development", DJANGO_SETTINGS_MODULE="resmon.settings", DATABASE_URL=url)
    os.environ.pop("SQLITE_PATH", None)
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:  # nothing this script does may write
        cursor.execute("SET default_transaction_read_only = on")


def line(label: str, figures: tuple[float, float, Any], extra: str = "") -> None:
    print(f"  {label:<58} p50 {figures[0]:>8.1f} ms   p95 {figures[1]:>8.1f} ms  {extra}", flush=True)


def sizes() -> None:
    from resmon.catalogue.models import PeriodKind, ReportingPeriod
    from resmon.planning.models import Task
    from resmon.reporting.models import Observation, PeriodReport, ReportLine, ReportState

    accepted_lines = ReportLine.objects.filter(report__state=ReportState.ACCEPTED, percent_done__isnull=False)
    print("data:")
    print(f"  tasks {Task.objects.count():,}; period reports {PeriodReport.objects.count():,}; ", end="")
    print(f"accepted lines with a percent {accepted_lines.count():,}; ", end="")
    print(f"KPI values {Observation.objects.count():,}")
    print(f"  quarters in the calendar {ReportingPeriod.objects.filter(kind=PeriodKind.QUARTER).count()}")


def bench_trends(n: int, users: dict[str, Any], root: Any, hni: Any) -> None:
    from django.db.models import Count

    from resmon.core import clock
    from resmon.dashboards import api_compare, trends
    from resmon.planning.models import Resolution
    from resmon.reporting import selectors_completeness
    from resmon.rollups import completeness
    from resmon.rollups.selectors import fold_state

    national = users[NATIONAL_USER]
    if fold_state() is None:
        print("\nthe roll-ups are missing (the reports are counted live): build them with")
        print("  DATABASE_URL=<this database> .venv/bin/python manage.py rebuild_rollups")
    busiest = Resolution.objects.annotate(n=Count("tasks")).order_by("-n").first()
    print("\ntrends (dashboards.trends.trends + the API body):")
    cases = [
        ("nation, all resolutions, 8 quarters", national, root, None, 8),
        ("nation, all resolutions, 20 quarters", national, root, None, 20),
        (f"nation, {busiest.number if busiest else '-'}, 8 quarters", national, root, busiest, 8),
        ("Hà Nội (its leader), all resolutions, 8 quarters", users[PROVINCE_USER], hni, None, 8),
    ]
    for label, user, agency, resolution, quarters in cases:

        def run(
            user: Any = user, agency: Any = agency, resolution: Any = resolution, k: int = quarters
        ) -> Any:
            return api_compare.trends_out(trends.trends(user, agency, resolution, k))

        got = timings(run, n)
        body = got[2]
        last = body["quarters"][-1] if body["quarters"] else None
        extra = ""
        if last:
            extra = (
                f"{len(body['quarters'])} quarters; last: {last['tasks']:,} tasks, "
                f"{last['overdue']:,} overdue, on time {last['on_time_rate']}%, progress {last['progress']}% "
                f"({last['progress_tasks']:,} tasks), reports {last['reports']['sent']:,}/"
                f"{last['reports']['expected']:,}"
            )
        line(label, got, extra)

    print("  the nation's parts (8 quarters):")
    today = clock.today()
    periods = trends.quarters(national, 8, today)
    days = [min(p.end, today) for p in periods]
    tasks = trends.task_slice(national, root, None)
    state = fold_state()
    held = sum(
        1
        for p in periods
        if state is not None and completeness.covered(p, state.completeness_from, state.as_of)
    )
    line("    status counts: one aggregate query", timings(lambda: trends.status_counts(tasks, days), n))
    line(
        "    average progress (accepted lines streamed)",
        timings(lambda: trends.progress_means(national, tasks, days), n),
    )

    def reports() -> None:
        for p in periods:
            selectors_completeness.completeness(national, period=p, agency=root)

    line(f"    reports: completeness counted live x {len(periods)} quarters", timings(reports, n))
    line(
        f"    reports: trends.report_counts ({held}/{len(periods)} quarters from the roll-ups)",
        timings(lambda: trends.report_counts(national, periods, root, None), n),
    )


def bench_compare(n: int, users: dict[str, Any], root: Any, hni: Any) -> None:
    from django.db.models import Count, Q

    from resmon.catalogue.models import Indicator
    from resmon.dashboards import api_compare, compare
    from resmon.reporting.models import ReportState

    national = users[NATIONAL_USER]
    quarterly = (
        compare.indicator_choices(national)
        .filter(current__frequency="quarter")
        .annotate(n=Count("observations", filter=Q(observations__report__state=ReportState.ACCEPTED)))
        .order_by("-n")
        .first()
    )
    ratio = Indicator.objects.filter(is_active=True, current__denominator__isnull=False).first()
    print("\ncompare (dashboards.compare.compare + the API body, default period):")
    for indicator in [i for i in (quarterly, ratio) if i is not None]:
        for label, user, agency in (
            ("nation", national, root),
            ("Hà Nội (its leader)", users[PROVINCE_USER], hni),
        ):

            def run(user: Any = user, agency: Any = agency, indicator: Any = indicator) -> dict[str, Any]:
                period = compare.pick_period(user, indicator, agency, "")
                return api_compare.compare_out(compare.compare(user, agency, indicator, period))

            got = timings(run, n)
            body = got[2]
            extra = (
                f"{body['period']['code'] if body['period'] else '-'}: {body['count']} agencies, "
                f"{body['counts']['ranked']} ranked, {body['counts']['small_denominator']} small, "
                f"{body['counts']['other_definition']} other definition, {body['counts']['no_data']} no data"
            )
            line(f"{indicator.code} ({indicator.current.frequency}), {label}", got, extra)


def bench_pages(n: int, users: dict[str, Any], root: Any) -> None:
    from django.test import RequestFactory

    from resmon.dashboards import compare, views_compare, views_trends

    national = users[NATIONAL_USER]
    indicator = compare.indicator_choices(national).filter(current__frequency="quarter").first()
    factory = RequestFactory()

    def get(view: Callable[..., Any], path: str, **params: Any) -> int:
        request = factory.get(path, params)
        request.user = national
        request.session = {}  # type: ignore[assignment]
        request.csp_nonce = ""  # type: ignore[attr-defined]
        response = view(request)
        return len(response.content)

    print("\npages (rendered, no middleware):")
    got = timings(lambda: get(views_trends.trends_view, "/dashboards/trends/"), n)
    line("/dashboards/trends/ (nation, 8 quarters)", got, f"{got[2]:,} bytes")
    if indicator is not None:
        got = timings(
            lambda: get(views_compare.compare_view, "/dashboards/compare/", indicator=indicator.pk), n
        )
        line(f"/dashboards/compare/?indicator={indicator.code} (nation)", got, f"{got[2]:,} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_NATIONAL_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--n", type=int, default=10, help="timed runs per figure")
    parser.add_argument("--no-pages", action="store_true", help="skip the rendered pages")
    args = parser.parse_args()
    setup_django(args.pg_url)

    from resmon.accounts.models import User
    from resmon.agencies.models import Agency
    from resmon.core import clock

    users = {u.username: u for u in User.objects.filter(username__in=[NATIONAL_USER, PROVINCE_USER])}
    missing = {NATIONAL_USER, PROVINCE_USER} - set(users)
    if missing:
        raise SystemExit(
            f"{args.pg_url} lacks the users {sorted(missing)}: build it with bench/national_data.py"
        )
    root = Agency.objects.get(depth=1)
    hni = users[PROVINCE_USER].agency
    print(
        f"today {clock.today():%d/%m/%Y}; database {args.pg_url.rsplit('/', 1)[-1]}; {args.n} runs per figure"
    )
    sizes()
    bench_trends(args.n, users, root, hni)
    bench_compare(args.n, users, root, hni)
    if not args.no_pages:
        bench_pages(args.n, users, root)


if __name__ == "__main__":
    main()
