"""Completeness pre-aggregated: after report writes (created, sent, accepted, returned) and plan
changes, folded incrementally, the stored rows equal a rebuild and equal the live completeness
count (``reporting.selectors_completeness.completeness``) of every subtree, resolution and kept
period, exactly."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import time_machine

from resmon.agencies.models import Agency
from resmon.catalogue import services_periods
from resmon.catalogue.models import Cutoff, ReportingPeriod
from resmon.core import clock
from resmon.planning.models import ActionProgram, Resolution, Task
from resmon.planning.services import tasks as task_services
from resmon.reporting import selectors_completeness as live
from resmon.reporting.services import reports as report_services
from resmon.rollups import completeness, services
from resmon.rollups.models import CompletenessRollup, FoldState
from tests.reporting.helpers import quarter
from tests.reporting.reports_helpers import create, sent
from tests.rollups.test_engine import fold_now

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _issued(rworld):
    """The programmes issued early in 2025: every quarter since expects reports."""
    ActionProgram.objects.update(status=ActionProgram.Status.ISSUED, issued_on=dt.date(2025, 2, 1))


def stored() -> dict[tuple[int, int, int], tuple]:
    names = [f.name for f in dataclasses.fields(live.Counts)]
    return {
        (r.agency_id, r.resolution_id, r.period_id): tuple(getattr(r, n) for n in names)
        for r in CompletenessRollup.objects.all()
    }


def by_the_function(user) -> dict[tuple[int, int, int], tuple]:
    """Each subtree, resolution and kept period counted live, on its own (empty ones left out)."""
    out = {}
    for period in completeness.kept_periods(clock.today()):
        for resolution in Resolution.objects.all():
            for agency in Agency.objects.all():
                c = live.completeness(user, period=period, agency=agency, resolution=resolution)
                if c.expected:
                    out[(agency.pk, resolution.pk, period.pk)] = dataclasses.astuple(c)
    return out


def assert_consistent(user) -> None:
    folded = stored()
    assert folded == by_the_function(user)
    services.rebuild()
    assert stored() == folded


def test_the_kept_window_is_the_recent_periods_of_the_configured_calendar(rworld):
    kept = list(completeness.kept_periods(dt.date(2026, 3, 17)))
    assert kept, "the current quarter at least"
    assert all(p.start <= dt.date(2026, 3, 17) for p in kept)
    assert all(p.end >= completeness.window_start(dt.date(2026, 3, 17)) for p in kept)
    assert len({p.cutoff for p in kept}) == 1
    # the Decree 09 calendar: on 17/03/2026 the current quarter is Q2 (15/03 – 14/06)
    assert quarter("2026-Q1") in kept and quarter("2026-Q2") in kept
    assert quarter("2026-Q3") not in kept  # not begun


def test_folded_report_steps_equal_the_live_count(rworld):
    w = rworld
    admin = w.users["sysadmin"]
    services.rebuild()
    assert stored(), "the rebuild counts the expected reports"
    assert_consistent(admin)
    q1 = quarter("2026-Q1")
    row = CompletenessRollup.objects.get(agency=w.root, resolution=w.res, period=q1)
    before = (row.expected, row.received, row.missing)

    report = sent(w, percent="65")  # created, filled, sent by the commune
    fold_now()
    row.refresh_from_db()
    assert (row.expected, row.received, row.missing) == (before[0], before[1] + 1, before[2] - 1)
    assert row.awaiting >= 1
    assert_consistent(admin)

    report_services.return_report(
        w.users["hni_leader"], report, reason="Thiếu số liệu kết quả", expected_version=report.version
    )
    fold_now()
    row.refresh_from_db()
    assert row.returned >= 1
    assert_consistent(admin)

    # a plan change: a new task for another agency makes another report expected
    task_services.create_task(
        admin,
        program=w.tasks["hni_xa"].program,
        lead_agency=w.hni_ubnd,
        title="Số hóa hồ sơ hành chính",
        due_date=dt.date(2026, 12, 31),
    )
    fold_now()
    assert_consistent(admin)


def test_a_draft_report_changes_nothing_but_is_folded_harmlessly(rworld):
    w = rworld
    services.rebuild()
    before = stored()
    create(w)
    fold_now()
    assert stored() == before  # a draft is still "missing"


def test_a_new_day_moves_the_window(rworld):
    w = rworld
    services.rebuild()
    q3 = quarter("2026-Q3")
    assert not CompletenessRollup.objects.filter(period=q3).exists()
    with time_machine.travel(dt.datetime(2026, 6, 20, 9, tzinfo=clock.tz()), tick=False):
        services.fold()
        state = FoldState.objects.get(pk=1)
        assert state.completeness_from == completeness.window_start(dt.date(2026, 6, 20))
        assert CompletenessRollup.objects.filter(period=q3).exists()
        assert completeness.covered(q3, state.completeness_from, state.as_of)
        assert_consistent(w.users["sysadmin"])


def test_covered_only_inside_the_window_once_built(rworld):
    q1 = quarter("2026-Q1")
    today = dt.date(2026, 3, 17)
    assert not completeness.covered(q1, None, today)
    assert completeness.covered(q1, completeness.window_start(today), today)
    later = dt.date(2028, 6, 1)  # Q1/2026 ended more than the window (800 days) before
    assert not completeness.covered(q1, completeness.window_start(later), later)
    assert not completeness.covered(quarter("2026-Q3"), completeness.window_start(today), today)


def test_covered_only_for_the_kept_calendar_and_kinds(rworld, settings):
    """A period of the other calendar, or of a kind no programme reports on, is not in the stored
    rows: the dashboard counts it live rather than showing it empty."""
    today = dt.date(2026, 3, 17)
    built_from = completeness.window_start(today)
    other = ReportingPeriod.objects.filter(cutoff=Cutoff.CALENDAR, kind="quarter", code="2026-Q1").first()
    if other is None:
        settings.REPORTING_CUTOFF = Cutoff.CALENDAR
        services_periods.generate_periods(years_ahead=0, first_year=2026)
        settings.REPORTING_CUTOFF = Cutoff.DECREE09
        other = ReportingPeriod.objects.get(cutoff=Cutoff.CALENDAR, kind="quarter", code="2026-Q1")
    assert completeness.covered(quarter("2026-Q1"), built_from, today)
    assert not completeness.covered(other, built_from, today)
    unkept = sorted(set(ReportingPeriod.objects.values_list("kind", flat=True)) - completeness.kept_kinds())
    assert unkept, "the calendar has kinds no programme reports on (months)"
    month = ReportingPeriod.objects.filter(
        kind=unkept[0], cutoff=Cutoff.DECREE09, start__lte=today, end__gte=built_from
    ).first()
    assert month is not None
    assert not completeness.covered(month, built_from, today)


def test_rows_follow_a_task_moved_to_another_resolution(rworld):
    w = rworld
    services.rebuild()
    Task.objects.filter(resolution=w.res).update(resolution=w.res2)  # a bulk change no audit row names
    services.rebuild()
    assert not CompletenessRollup.objects.filter(resolution=w.res).exists()
    assert_consistent(w.users["sysadmin"])


def test_only_writes_that_change_the_expected_reports_recount_completeness():
    """A progress write, or a completion dated today, leaves the task expected in every kept
    period: its resolution's completeness is not recounted (the fold's costliest part); a
    back-dated completion, a cancellation, a re-assignment or a programme change is; an audit row
    without both snapshots is, to be safe."""
    import datetime as dt

    from resmon.audit.models import AuditEntry
    from resmon.rollups.services import may_change_expected

    today = dt.date(2026, 11, 23)
    task = {
        "state": "in_progress",
        "completed_on": None,
        "program_id": 1,
        "lead_agency_id": 7,
        "resolution_id": 3,
        "percent_done": "40",
    }

    def changes(object_type, before, after):
        return may_change_expected(
            AuditEntry(object_type=object_type, action="x", before=before, after=after), today
        )

    assert not changes("planning.task", task, task | {"percent_done": "60"})
    assert not changes("planning.task", task, task | {"state": "completed", "completed_on": "2026-11-23"})
    assert not changes("planning.deadlineextension", None, {"task_id": 5})
    for change in (
        {"completed_on": "2026-09-30"},  # back-dated: not expected in the periods begun after it
        {"state": "cancelled"},
        {"lead_agency_id": 8},
        {"program_id": 2},
        {"resolution_id": 4},
    ):
        assert changes("planning.task", task, task | change), change
    assert changes("planning.task", None, task)  # created
    assert changes("planning.actionprogram", {}, {})
    assert changes("reporting.periodreport", {}, {})
