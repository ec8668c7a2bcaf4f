"""Trends over time ("Xu hướng"): the page and GET /api/v1/dashboard/trends show the same numbers,
from ``dashboards.trends``.

The world: the dashboards' world (tests/dashboards/conftest.py, ``dworld``) on 17/03/2026, whose
calendar (Decree 09 cut-off) has begun six quarters: 2025-Q1 (15/12/2024–14/03/2025) to 2026-Q2
(begun 15/03/2026: judged as of today). The status counts are checked against a per-task loop over
``derive_status`` on many random task sets (property style); the progress and the reports on a
few accepted reports built here (:func:`add_progress`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections import Counter
from decimal import Decimal as D
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resmon.catalogue.models import Cutoff, PeriodKind, ReportingPeriod
from resmon.dashboards import selectors, trends
from resmon.planning import selectors as planning
from resmon.planning.models import ActionProgram, Task
from resmon.planning.status import TaskState, derive_status
from resmon.reporting import selectors_completeness
from resmon.reporting.models import PeriodReport, ReportLine, ReportState
from resmon.rollups import completeness as kept
from resmon.rollups import services as rollup_services
from resmon.rollups.models import STATUS_FIELDS, CompletenessRollup, FoldState
from resmon.web.templatetags.resmon import vnnum
from tests import factories
from tests.dashboards.helpers import client_for, doc, text
from tests.reporting.helpers import TODAY

pytestmark = pytest.mark.django_db

DAY = TODAY.date()
QUARTERS = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]


@pytest.fixture
def tworld(dworld):
    with time_machine.travel(TODAY, tick=False):
        yield dworld


def period(code: str, kind: str = PeriodKind.QUARTER) -> ReportingPeriod:
    return ReportingPeriod.objects.get(kind=kind, cutoff=Cutoff.DECREE09, code=code)


def api(client: Client, **params: Any):
    return client.get("/api/v1/dashboard/trends", params)


def page(client: Client, **params: Any):
    return client.get(reverse("dashboards:trends"), params)


def table(d, name: str) -> dict[str, dict[str, str]]:
    return {
        tr.get("data-period"): {td.get("data-col"): text(td) for td in tr.xpath("./td[@data-col]")}
        for tr in d.xpath(f"//table[@data-table='{name}']/tbody/tr")
    }


# --- status counts = derive_status, task by task ---------------------------------------------------


def loop_counts(tasks: list[Task], day: dt.date) -> tuple[Counter[str], int]:
    """The same figures the slow way: each task's status on ``day`` by the pure function, with a
    completion recorded after ``day`` not yet happened on it."""
    counts: Counter[str] = Counter()
    due = 0
    for t in tasks:
        completed = t.completed_on if t.completed_on is not None and t.completed_on <= day else None
        status = derive_status(
            first_progress_on=t.first_progress_on,
            completed_on=completed,
            due_date=t.due_date,
            today=day,
            ongoing=t.ongoing,
            state=t.state,
        )
        counts[status.value] += 1
        if not t.ongoing and t.due_date is not None and t.due_date <= day and t.state == TaskState.ACTIVE:
            due += 1
    return counts, due


def random_tasks(world, seed: int, n: int = 40) -> None:
    rng = random.Random(seed)
    leads = [world.hni_so, world.hni_xa_ubnd, world.hni_xa2, world.hcm_xa, world.bo_khcn, world.hni_ubnd]
    programs = {
        r.pk: ActionProgram.objects.get(resolution=r, agency=world.hni) for r in (world.res, world.res2)
    }
    start = dt.date(2024, 10, 1)

    def some_day(span: int = 800) -> dt.date:
        return start + dt.timedelta(days=rng.randrange(span))

    for i in range(n):
        due = some_day(900) if rng.random() < 0.85 else None
        completed = some_day((DAY - start).days + 1) if rng.random() < 0.45 else None
        first = some_day((DAY - start).days + 1) if rng.random() < 0.6 else None
        state = rng.choice([TaskState.ACTIVE] * 8 + [TaskState.PAUSED, TaskState.CANCELLED])
        resolution = rng.choice([world.res, world.res2])
        factories.task(
            programs[resolution.pk],
            rng.choice(leads),
            assigned_by=world.hni,
            code=f"R{seed}.{i}",
            due_date=due,
            completed_on=completed,
            first_progress_on=first,
            ongoing=rng.random() < 0.1,
            state=state,
            percent_done=D(100) if completed else D(rng.randrange(0, 100)),
        )
    # edge days: due on a quarter's last day, completed the day after it, started on it
    q = period("2025-Q3")
    factories.task(
        programs[world.res.pk],
        world.hni_so,
        assigned_by=world.hni,
        code=f"E{seed}",
        due_date=q.end,
        completed_on=q.end + dt.timedelta(days=1),
        first_progress_on=q.end,
    )


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_status_counts_equal_derive_status_task_by_task(tworld, seed):
    random_tasks(tworld, seed)
    w = tworld
    cases = [
        ("national_leader", w.root, None),
        ("national_leader", w.hni, w.res),
        ("hni_leader", w.hni, None),
        ("hni_leader", w.hni_xa, w.res2),
        ("inspector", w.hni, None),
        ("steering", w.vptw, None),
        ("xa_officer", w.hni_xa, None),
    ]
    for username, agency, resolution in cases:
        user = w.users[username]
        t = trends.trends(user, agency, resolution, n=20)
        assert [q.period.code for q in t.quarters] == QUARTERS
        visible = planning.tasks_visible(user).filter(lead_agency__path__startswith=agency.path)
        if resolution is not None:
            visible = visible.filter(resolution=resolution)
        tasks = list(visible)
        for q in t.quarters:
            counts, due = loop_counts(tasks, q.as_of)
            assert q.counts == {name: counts.get(name, 0) for name in STATUS_FIELDS}, (
                username,
                q.period.code,
            )
            assert q.due == due, (username, q.period.code)
            assert q.tasks == len(tasks)


def test_one_aggregate_query_whatever_the_number_of_quarters(tworld):
    tasks = trends.task_slice(tworld.users["hni_leader"], tworld.hni, None)
    for n in (1, 6, 20):
        days = [DAY - dt.timedelta(days=91 * i) for i in range(n)][::-1]
        with CaptureQueriesContext(connection) as queries:
            trends.status_counts(tasks, days)
        assert len(queries) == 1, n


def test_each_quarter_is_judged_as_of_its_last_day(tworld):
    t = trends.trends(tworld.users["national_leader"], tworld.root, n=8)
    assert len(t.quarters) == 6 and t.asked == 8  # the calendar begins in 2025
    assert [q.as_of for q in t.quarters[:-1]] == [period(c).end for c in QUARTERS[:-1]]
    last = t.quarters[-1]
    assert last.as_of == DAY and last.under_way
    assert [
        q.period.code for q in trends.trends(tworld.users["national_leader"], tworld.root, n=2).quarters
    ] == [
        "2026-Q1",
        "2026-Q2",
    ]


def test_a_completion_after_the_quarter_end_is_not_yet_done_then(tworld):
    """Hồ Chí Minh City's task, due 31/01/2026 and completed 15/02/2026: done late as of the end of
    2026-Q1 (14/03/2026); as of the end of 2025-Q4 (14/12/2025) it was neither due nor done yet:
    in progress, like its ward's task."""
    w = tworld
    t = trends.trends(w.users["national_leader"], w.hcm, w.res, n=6)
    by_code = {q.period.code: q for q in t.quarters}
    assert by_code["2026-Q1"].counts["done_late"] == 1
    assert by_code["2025-Q4"].counts["done_late"] == 0
    assert by_code["2025-Q4"].counts["in_progress"] == 2  # and the ward's task


def test_as_of_today_the_counts_are_the_overviews(tworld):
    """The quarter under way is judged today: the overview's status counts (the roll-up caches)."""
    for username, agency in (("national_leader", tworld.root), ("hni_leader", tworld.hni)):
        user = tworld.users[username]
        last = trends.trends(user, agency).quarters[-1]
        o = selectors.overview(user, agency)
        total = Counter()
        for f in o.by_resolution:
            total.update(f.counts)
        assert last.counts == {name: total.get(name, 0) for name in STATUS_FIELDS}, username
        assert last.overdue == o.headline.overdue
        assert last.on_time_rate == o.headline.on_time_rate


# --- progress and reports ----------------------------------------------------------------------------


def _report(world, task, p: ReportingPeriod, state=ReportState.ACCEPTED, *, late=False) -> PeriodReport:
    report, _created = PeriodReport.objects.get_or_create(
        program=task.program,
        period=p,
        agency=task.lead_agency,
        defaults={
            "resolution": task.resolution,
            "accepting_agency": task.assigned_by,
            "state": state,
            "due_date": p.end + dt.timedelta(days=5),
            "grace_until": p.end + dt.timedelta(days=5),
            "first_sent_at": None if state == ReportState.DRAFT else TODAY,
            "is_late": late,
        },
    )
    return report


def add_progress(world) -> None:
    """The department's task: 40 % in 2025-Q3, 55 % in the month report of 11/2025 (ends 14/11/2025),
    70 % in 2026-Q1; the commune's task (UBND xã Tân An): 20 % in 2026-Q1 and 90 % in a DRAFT
    report of 2025-Q4 (not data); a Hồ Chí Minh City ward's task 10 % in 2025-Q2 (outside Hà Nội)."""
    so, xa, hcm_xa = world.tasks["hni_so"], world.tasks["hni_xa"], world.tasks["hcm_xa"]
    lines = [
        (so, period("2025-Q3"), ReportState.ACCEPTED, 40),
        (so, period("2025-M11", PeriodKind.MONTH), ReportState.ACCEPTED, 55),
        (so, period("2026-Q1"), ReportState.ACCEPTED, 70),
        (xa, period("2026-Q1"), ReportState.ACCEPTED, 20),
        (xa, period("2025-Q4"), ReportState.DRAFT, 90),
        (hcm_xa, period("2025-Q2"), ReportState.ACCEPTED, 10),
    ]
    for task, p, state, percent in lines:
        report = _report(world, task, p, state, late=percent == 70)
        ReportLine.objects.create(report=report, task=task, percent_done=D(percent))
    rollup_services.rebuild()  # written here without the audited services: the fold would not see them


def test_average_progress_carries_the_latest_accepted_value(tworld):
    add_progress(tworld)
    w = tworld
    t = trends.trends(w.users["hni_leader"], w.hni)
    got = {q.period.code: (q.progress, q.progress_tasks) for q in t.quarters}
    assert got == {
        "2025-Q1": (None, 0),
        "2025-Q2": (None, 0),  # Hồ Chí Minh City's ward is not under Hà Nội
        "2025-Q3": (D(40), 1),
        "2025-Q4": (D(55), 1),  # the month report; the commune's 90 % is only a draft
        "2026-Q1": (D(45), 2),  # (70 + 20) / 2
        "2026-Q2": (D(45), 2),  # nothing new: each task carries its value
    }
    expected_of = (
        Task.objects.filter(lead_agency__path__startswith=w.hni.path).exclude(state="cancelled").count()
    )
    assert {q.progress_of for q in t.quarters} == {expected_of}
    national = {q.period.code: q.progress for q in trends.trends(w.users["national_leader"], w.root).quarters}
    assert national["2025-Q2"] == D(10) and national["2026-Q1"] == D("33.3")  # (70 + 20 + 10) / 3


def test_the_reports_line_is_the_completeness_selector(tworld):
    add_progress(tworld)
    w = tworld
    for username, agency, resolution in (
        ("national_leader", w.root, None),
        ("hni_leader", w.hni, w.res),
        ("hcm_officer", w.hcm, None),
    ):
        user = w.users[username]
        t = trends.trends(user, agency, resolution)
        for q in t.quarters:
            assert q.reports == selectors_completeness.completeness(
                user, period=q.period, agency=agency, resolution=resolution
            ), (username, q.period.code)
    t = trends.trends(w.users["hni_leader"], w.hni)
    q1 = {q.period.code: q.reports for q in t.quarters}["2026-Q1"]
    assert q1.expected > 0 and q1.received == 2 and q1.on_time == 1 and q1.late == 1  # not vacuous


def report_lines(world) -> dict[tuple[str, str], list[tuple]]:
    cases = [
        ("national_leader", world.root, None),
        ("national_leader", world.hni, world.res),
        ("hni_leader", world.hni, None),
        ("hni_leader", world.hni_xa, world.res2),
        ("inspector", world.hni, None),
        ("steering", world.vptw, None),
        ("steering", world.root, world.res),  # the resolution it steers, nationwide
        ("steering", world.root, None),  # not whole subtrees: counted live
        ("xa_officer", world.hni_xa, None),
    ]
    return {
        (username, f"{agency.code}/{getattr(resolution, 'number', '*')}"): [
            (q.period.code, dataclasses.astuple(q.reports))
            for q in trends.trends(world.users[username], agency, resolution).quarters
        ]
        for username, agency, resolution in cases
    }


def test_the_reports_read_from_the_roll_ups_equal_the_live_count(tworld, settings):
    """The quarters the completeness roll-ups hold are read from them (the overview's cache), the
    others counted live: the numbers are the same with the roll-ups, with a part of them, without.
    The steering member's own office owes a report on the other resolution: nationwide on all
    resolutions its counts are not whole subtrees."""
    w = tworld
    own = factories.program(w.res2, w.vptw, status=ActionProgram.Status.ISSUED, issued_on=dt.date(2025, 2, 1))
    factories.task(own, w.vptw, code="9")
    add_progress(tworld)
    with_rollups = report_lines(w)
    assert any(counts[0] for lines in with_rollups.values() for _code, counts in lines)  # not vacuous

    # a stored row changed by hand shows: the quarter is read from the roll-ups
    q1 = period("2026-Q1")
    CompletenessRollup.objects.filter(agency=w.hni, resolution=w.res, period=q1).update(expected=99)
    hni = {q.period.code: q.reports for q in trends.trends(w.users["hni_leader"], w.hni, w.res).quarters}
    assert hni["2026-Q1"].expected == 99

    # a shorter kept window: the older quarters counted live, the recent ones read
    settings.ROLLUP_COMPLETENESS_DAYS = 200
    rollup_services.rebuild()
    state = FoldState.objects.get()
    covered = [c for c in QUARTERS if kept.covered(period(c), state.completeness_from, state.as_of)]
    assert 0 < len(covered) < len(QUARTERS)
    assert report_lines(w) == with_rollups

    FoldState.objects.all().delete()  # never built: everything counted live
    assert report_lines(w) == with_rollups


# --- scope -------------------------------------------------------------------------------------------


def test_another_province_is_not_found(tworld):
    client = client_for(tworld, "hni_leader")
    for agency in (tworld.hcm, tworld.root):
        assert page(client, agency=agency.pk).status_code == 404
        response = api(client, agency=agency.pk)
        assert response.status_code == 404 and response["Content-Type"].startswith("application/problem+json")
    assert api(client).json()["agency"]["id"] == tworld.hni.pk


def test_only_visible_tasks_are_counted(tworld):
    w = tworld
    xa = trends.trends(w.users["xa_officer"], w.hni_xa).quarters[-1]
    assert xa.tasks == Task.objects.filter(lead_agency__path__startswith=w.hni_xa.path).count() == 2
    hni = trends.trends(w.users["hni_leader"], w.hni).quarters[-1]
    assert hni.tasks == Task.objects.filter(lead_agency__path__startswith=w.hni.path).count()
    national = trends.trends(w.users["national_leader"], w.root).quarters[-1]
    assert national.tasks == Task.objects.count() > hni.tasks


# --- bad input ---------------------------------------------------------------------------------------


def test_the_api_names_the_bad_field(tworld):
    client = client_for(tworld, "national_leader")
    for params, field in (
        ({"periods": 0}, "periods"),
        ({"periods": 21}, "periods"),
        ({"periods": "abc"}, "periods"),
        ({"resolution": 987654}, "resolution"),
        ({"agency": "x"}, "agency"),
    ):
        response = api(client, **params)
        assert response.status_code == 400, params
        assert field in response.json()["errors"], (params, response.json())
    assert api(client, agency=987654).status_code == 404


def test_the_page_explains_bad_filters_and_shows_the_defaults(tworld):
    client = client_for(tworld, "national_leader")
    for params in ({"periods": "0"}, {"periods": "99"}, {"periods": "x" * 40}, {"resolution": "987654"}):
        d = doc(page(client, **params))
        assert len(d.xpath("//*[@data-filter-error]")) == 1, params
        assert len(table(d, "trend-tasks")) == 6, params


# --- the page and the API --------------------------------------------------------------------------


def shown(value: Any, percent: bool = False) -> str:
    if value is None:
        return "–"
    return vnnum(value) + ("%" if percent else "")


def test_page_and_api_show_the_same_numbers(tworld):
    add_progress(tworld)
    w = tworld
    for username, params in (
        ("national_leader", {}),
        ("national_leader", {"agency": w.hni.pk, "resolution": w.res.pk, "periods": 4}),
        ("hni_leader", {}),
    ):
        client = client_for(w, username)
        data = api(client, **params).json()
        d = doc(page(client, **params))
        rates, tasks, reports = table(d, "trend-rates"), table(d, "trend-tasks"), table(d, "trend-reports")
        assert len(data["quarters"]) == len(rates) == len(tasks) == len(reports)
        for q in data["quarters"]:
            key = str(q["period"]["id"])
            assert rates[key]["on_time_rate"] == shown(q["on_time_rate"], True)
            assert rates[key]["progress"] == shown(q["progress"], True)
            assert rates[key]["progress_tasks"] == f"{q['progress_tasks']}/{q['progress_of']}"
            assert rates[key]["as_of"].startswith(dt.date.fromisoformat(q["as_of"]).strftime("%d/%m/%Y"))
            for col in ("due", "done_on_time", "done_late", "overdue", "tasks"):
                assert tasks[key][col] == vnnum(q[col]), (col, q)
            for col in ("expected", "sent", "sent_on_time"):
                assert reports[key][col] == vnnum(q["reports"][col]), (col, q)
            assert q["done_on_time"] == q["counts"]["done_on_time"]


def test_the_charts_draw_the_tables_numbers(tworld):
    add_progress(tworld)
    client = client_for(tworld, "hni_leader")
    response = page(client)
    chart = response.context["chart"]
    data = api(client).json()
    tasks = {s["name"]: s["data"] for s in chart["tasks"]["series"]}
    assert list(tasks.values())[3] == [q["overdue"] for q in data["quarters"]]
    rates = chart["rates"]["series"]
    assert rates[1]["data"] == [
        None if q["progress"] is None else float(q["progress"]) for q in data["quarters"]
    ]
    assert chart["rates"]["categories"] == [q["period"]["label"] for q in data["quarters"]]
    # each chart's data sits in its json_script block, and the page states its rule
    d = doc(response)
    assert {s.get("id") for s in d.xpath("//script[@type='application/json']")} >= {
        "trend-rates-data",
        "trend-tasks-data",
        "trend-reports-data",
    }
    assert "extended later is not rewound" in text(d.xpath("//*[@data-rule='as-of']")[0])


def test_before_the_calendar_begins_the_page_says_so(tworld):
    client = client_for(tworld, "national_leader")
    with time_machine.travel(dt.datetime(2024, 6, 1, 3, 0, tzinfo=dt.UTC), tick=False):
        d = doc(page(client))
        assert d.xpath("//*[@data-no-quarters]")
        assert api(client).json()["quarters"] == []
