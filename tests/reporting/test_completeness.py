"""Completeness and timeliness of reporting: which reports a period expects, which arrived, on time,
counted per subtree and per child, within the user's scope, in a bounded number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from resmon.catalogue.models import Cutoff, PeriodKind, ReportingPeriod
from resmon.planning.models import ActionProgram, ProgramSchedule, Task
from resmon.reporting.models import PeriodReport, ReportState
from resmon.reporting.selectors_completeness import (
    completeness,
    completeness_by_child,
    expected_reports,
    missing_reports,
)
from tests import factories
from tests.reporting.helpers import AFTER_DUE, quarter

D = dt.date
SENT_ON_TIME = dt.datetime(2026, 3, 18, 2, 0, tzinfo=dt.UTC)
SENT_LATE = dt.datetime(2026, 3, 21, 2, 0, tzinfo=dt.UTC)


def month(code: str) -> ReportingPeriod:
    return ReportingPeriod.objects.get(kind=PeriodKind.MONTH, cutoff=Cutoff.DECREE09, code=code)


def programs(w) -> dict[str, ActionProgram]:
    return {
        "cp": w.tasks["ministry"].program,
        "hni": w.tasks["hni"].program,
        "hcm": w.tasks["hcm"].program,
    }


@pytest.fixture
def cw(rworld):
    """The reporting world with its three programmes issued on 01/02/2025."""
    ActionProgram.objects.update(status=ActionProgram.Status.ISSUED, issued_on=D(2025, 2, 1))
    rworld.programs = programs(rworld)
    return rworld


def report(program, agency, period=None, *, state=ReportState.DRAFT, sent=None, late=False):
    return PeriodReport.objects.create(
        program=program,
        resolution=program.resolution,
        period=period or quarter(),
        agency=agency,
        accepting_agency=program.agency,
        state=state,
        due_date=D(2026, 3, 19),
        grace_until=D(2026, 3, 19),
        first_sent_at=sent,
        sent_at=sent,
        is_late=late,
    )


def pairs(w, period=None, **kw) -> set[tuple[ActionProgram, object]]:
    return set(expected_reports(period or quarter(), **kw))


def ids(*items) -> set[tuple[int, int]]:
    return {(p.pk, a.pk) for p, a in items}


def all_six(w):
    p = w.programs
    return ids(
        (p["cp"], w.bo_khcn),
        (p["hni"], w.hni_ubnd),
        (p["hni"], w.hni_so),
        (p["hni"], w.hni_xa_ubnd),
        (p["hcm"], w.hcm),
        (p["hcm"], w.hcm_xa),
    )


# --- which reports a period expects ----------------------------------------------------------


def test_each_lead_agency_of_an_issued_programme_owes_one_report(cw):
    assert pairs(cw) == all_six(cw)
    # the ministry leads two tasks of the government's programme: still one report
    assert len([1 for p, a in pairs(cw) if a == cw.bo_khcn.pk]) == 1
    assert pairs(cw, agency=cw.hni) == ids(
        (cw.programs["hni"], cw.hni_ubnd),
        (cw.programs["hni"], cw.hni_so),
        (cw.programs["hni"], cw.hni_xa_ubnd),
    )
    assert pairs(cw, program=cw.programs["hcm"]) == ids(
        (cw.programs["hcm"], cw.hcm), (cw.programs["hcm"], cw.hcm_xa)
    )
    assert pairs(cw, resolution=cw.res2) == set()


def test_cancelled_tasks_and_tasks_completed_before_the_period_owe_nothing(cw):
    Task.objects.filter(pk=cw.tasks["hcm_xa"].pk).update(state="cancelled", state_reason="Không còn phù hợp")
    # completed before 2026-Q1 began (15/12/2025): nothing to report
    Task.objects.filter(pk=cw.tasks["hni_so"].pk).update(completed_on=D(2025, 12, 14), percent_done=100)
    # completed during the quarter: still reported on
    Task.objects.filter(pk=cw.tasks["hni_xa"].pk).update(completed_on=D(2025, 12, 15), percent_done=100)
    # one of the ministry's two tasks cancelled: the other keeps its report expected
    Task.objects.filter(pk=cw.tasks["ministry_coord"].pk).update(state="cancelled", state_reason="Gộp")
    p = cw.programs
    assert pairs(cw) == ids(
        (p["cp"], cw.bo_khcn), (p["hni"], cw.hni_ubnd), (p["hni"], cw.hni_xa_ubnd), (p["hcm"], cw.hcm)
    )
    # a paused task is still reported on
    Task.objects.filter(pk=cw.tasks["hcm"].pk).update(state="paused", state_reason="Chờ kinh phí")
    assert (p["hcm"].pk, cw.hcm.pk) in pairs(cw)


def test_draft_programmes_and_programmes_issued_after_the_period_owe_nothing(cw):
    p = cw.programs
    ActionProgram.objects.filter(pk=p["hcm"].pk).update(status=ActionProgram.Status.DRAFT)
    ActionProgram.objects.filter(pk=p["cp"].pk).update(issued_on=D(2026, 3, 15))  # Q1 ends 14/03/2026
    assert pairs(cw) == ids((p["hni"], cw.hni_ubnd), (p["hni"], cw.hni_so), (p["hni"], cw.hni_xa_ubnd))
    ActionProgram.objects.filter(pk=p["cp"].pk).update(issued_on=D(2026, 3, 14))  # issued on the last day
    assert (p["cp"].pk, cw.bo_khcn.pk) in pairs(cw)


def test_the_schedule_decides_the_kind_of_period(cw):
    p = cw.programs
    ProgramSchedule.objects.create(program=p["hni"], kind=PeriodKind.MONTH, due_days=3)
    ProgramSchedule.objects.create(program=p["hcm"], kind=PeriodKind.MONTH, due_days=3)
    ProgramSchedule.objects.create(program=p["hcm"], kind=PeriodKind.QUARTER, due_days=5)
    # monthly only: expected in a month, not in the quarter; the default (no schedule) is quarterly
    assert {pr for pr, _a in pairs(cw)} == {p["cp"].pk, p["hcm"].pk}
    march = month("2026-M3")
    assert {pr for pr, _a in pairs(cw, march)} == {p["hni"].pk, p["hcm"].pk}
    half = ReportingPeriod.objects.get(kind=PeriodKind.HALF_YEAR, cutoff=Cutoff.DECREE09, code="2025-H2")
    assert pairs(cw, half) == set()


# --- counts ----------------------------------------------------------------------------------


@pytest.fixture
def reports(cw):
    p = cw.programs
    report(p["hni"], cw.hni_so, state=ReportState.ACCEPTED, sent=SENT_ON_TIME)
    report(p["hni"], cw.hni_xa_ubnd, state=ReportState.RETURNED, sent=SENT_LATE, late=True)
    report(p["hni"], cw.hni_ubnd)  # a draft: not received
    report(p["hcm"], cw.hcm, state=ReportState.SENT, sent=SENT_ON_TIME)
    report(p["hcm"], cw.hcm_xa, state=ReportState.AWAITING_HEAD)  # with the head: not received
    # a report that is not expected (the programme's own agency leads none of its tasks) never counts
    report(p["hcm"], cw.hni_xa2, state=ReportState.SENT, sent=SENT_ON_TIME)
    # nor one of another period
    report(p["cp"], cw.bo_khcn, quarter("2025-Q4"), state=ReportState.ACCEPTED, sent=SENT_ON_TIME)
    return cw


def as_tuple(c):
    return (c.expected, c.received, c.on_time, c.late, c.missing, c.accepted, c.returned, c.awaiting)


def test_national_counts_and_rates(reports):
    c = completeness(reports.users["national_leader"], period=quarter())
    assert as_tuple(c) == (6, 3, 2, 1, 3, 1, 1, 1)
    assert c.received_rate == Decimal("50.0")
    assert c.on_time_rate == Decimal("33.3")


def test_subtree_counts(reports):
    leader = reports.users["national_leader"]
    hni = completeness(leader, period=quarter(), agency=reports.hni)
    assert as_tuple(hni) == (3, 2, 1, 1, 1, 1, 1, 0)
    assert (hni.received_rate, hni.on_time_rate) == (Decimal("66.7"), Decimal("33.3"))
    hcm = completeness(leader, period=quarter(), agency=reports.hcm)
    assert as_tuple(hcm) == (2, 1, 1, 0, 1, 0, 0, 1)
    one_programme = completeness(leader, period=quarter(), program=reports.programs["cp"])
    assert as_tuple(one_programme) == (1, 0, 0, 0, 1, 0, 0, 0)


def test_rates_are_none_when_nothing_is_expected(reports):
    c = completeness(reports.users["national_leader"], period=quarter(), agency=reports.hni_xa2)
    assert as_tuple(c) == (0,) * 8
    assert c.received_rate is None and c.on_time_rate is None
    assert (
        completeness_by_child(reports.users["national_leader"], period=quarter(), agency=reports.hni_xa2)
        == []
    )


def test_counts_per_child_in_tree_order(reports):
    leader = reports.users["national_leader"]
    rows = completeness_by_child(leader, period=quarter(), agency=reports.root)
    # Văn phòng TW and Ủy ban Kiểm tra expect nothing: left out
    assert [a for a, _c in rows] == [reports.dang_uy_cp, reports.hni, reports.hcm]
    assert [as_tuple(c) for _a, c in rows] == [
        (1, 0, 0, 0, 1, 0, 0, 0),
        (3, 2, 1, 1, 1, 1, 1, 0),
        (2, 1, 1, 0, 1, 0, 0, 1),
    ]
    rows = completeness_by_child(leader, period=quarter(), agency=reports.hni)
    assert [(a, c.expected, c.received) for a, c in rows] == [
        (reports.hni_ubnd, 2, 1),
        (reports.hni_xa, 1, 1),
    ]


def test_an_agencys_own_reports_come_first_and_rows_add_up(reports):
    # Thành ủy Hà Nội itself leads a task of the government's programme
    factories.task(reports.programs["cp"], reports.hni, code="3")
    leader = reports.users["national_leader"]
    rows = completeness_by_child(leader, period=quarter(), agency=reports.hni)
    assert [a for a, _c in rows] == [reports.hni, reports.hni_ubnd, reports.hni_xa]
    total = completeness(leader, period=quarter(), agency=reports.hni)
    assert sum(c.expected for _a, c in rows) == total.expected == 4
    assert sum(c.missing for _a, c in rows) == total.missing == 2


# --- scope -----------------------------------------------------------------------------------


def test_a_hanoi_user_never_counts_ho_chi_minh_city(reports):
    for name in ("hni_leader", "hni_officer"):
        user = reports.users[name]
        assert as_tuple(completeness(user, period=quarter())) == (3, 2, 1, 1, 1, 1, 1, 0)
        assert as_tuple(completeness(user, period=quarter(), agency=reports.hcm)) == (0,) * 8
        assert [a for a, _c in completeness_by_child(user, period=quarter(), agency=reports.root)] == [
            reports.hni
        ]
        assert {r.agency for r in missing_reports(user, period=quarter())} == {reports.hni_ubnd}
    commune = reports.users["xa_ubnd_officer"]
    assert as_tuple(completeness(commune, period=quarter())) == (1, 1, 0, 1, 0, 0, 1, 0)


def test_a_steering_member_sees_the_resolution_nationwide_only(reports):
    # a programme on another resolution, in Hồ Chí Minh City
    other = factories.program(
        reports.res2, reports.hcm, status=ActionProgram.Status.ISSUED, issued_on=D(2025, 9, 1)
    )
    factories.task(other, reports.hcm_xa, code="1")
    steering = reports.users["steering"]
    assert completeness(steering, period=quarter()).expected == 6
    assert completeness(steering, period=quarter(), resolution=reports.res2).expected == 0
    assert completeness(reports.users["national_leader"], period=quarter()).expected == 7
    rows = completeness_by_child(steering, period=quarter(), agency=reports.root)
    assert [(a, c.expected) for a, c in rows] == [(reports.dang_uy_cp, 1), (reports.hni, 3), (reports.hcm, 2)]


def test_an_inspector_sees_its_granted_subtree(reports):
    inspector = reports.users["inspector"]  # Ủy ban Kiểm tra, inspecting Hà Nội
    assert as_tuple(completeness(inspector, period=quarter())) == (3, 2, 1, 1, 1, 1, 1, 0)
    assert [a for a, _c in completeness_by_child(inspector, period=quarter(), agency=reports.root)] == [
        reports.hni
    ]


def test_anonymous_or_inactive_users_count_nothing(reports):
    from django.contrib.auth.models import AnonymousUser

    assert completeness(AnonymousUser(), period=quarter()).expected == 0
    leader = reports.users["national_leader"]
    leader.is_active = False
    assert completeness(leader, period=quarter()).expected == 0
    assert missing_reports(leader, period=quarter()) == []


# --- missing reports -------------------------------------------------------------------------


def test_missing_reports_with_due_dates_and_days_late(reports):
    p = reports.programs
    ProgramSchedule.objects.create(program=p["cp"], kind=PeriodKind.QUARTER, due_days=10, grace_days=5)
    leader = reports.users["national_leader"]
    rows = missing_reports(leader, period=quarter())
    assert {(r.program, r.agency) for r in rows} == {
        (p["cp"], reports.bo_khcn),
        (p["hni"], reports.hni_ubnd),
        (p["hcm"], reports.hcm_xa),
    }
    by_agency = {r.agency: r for r in rows}
    ministry = by_agency[reports.bo_khcn]
    assert (ministry.due_date, ministry.grace_until) == (D(2026, 3, 24), D(2026, 3, 29))  # 14/03 + 10 (+5)
    assert ministry.report is None
    assert by_agency[reports.hni_ubnd].report.state == ReportState.DRAFT
    assert by_agency[reports.hcm_xa].due_date == D(2026, 3, 19)
    assert all(r.days_late == 0 for r in rows)  # today 17/03/2026: nothing is due yet
    with time_machine.travel(AFTER_DUE, tick=False):  # 25/03/2026
        rows = missing_reports(leader, period=quarter())
    # most overdue first, then tree order
    assert [(r.agency, r.days_late) for r in rows] == [
        (reports.hni_ubnd, 6),
        (reports.hcm_xa, 6),
        (reports.bo_khcn, 1),
    ]
    assert [r.agency for r in missing_reports(leader, period=quarter(), agency=reports.hcm)] == [
        reports.hcm_xa
    ]


def test_nothing_missing_when_everyone_sent(cw):
    for t in ("ministry", "hni", "hni_so", "hni_xa", "hcm", "hcm_xa"):
        task = cw.tasks[t]
        if not PeriodReport.objects.filter(program=task.program, agency=task.lead_agency).exists():
            report(task.program, task.lead_agency, state=ReportState.SENT, sent=SENT_ON_TIME)
    leader = cw.users["national_leader"]
    assert missing_reports(leader, period=quarter()) == []
    c = completeness(leader, period=quarter())
    assert (c.received_rate, c.on_time_rate) == (Decimal("100.0"), Decimal("100.0"))


# --- a bounded number of queries -------------------------------------------------------------


def _add_programmes(w, n: int) -> None:
    """n more issued programmes of Hà Nội's department, each with a task and half with a report."""
    for i in range(n):
        res = factories.resolution(f"{100 + i}-NQ/TW", f"Nghị quyết thử {i}", D(2024, 1, 1))
        prog = factories.program(res, w.hni_ubnd, status=ActionProgram.Status.ISSUED, issued_on=D(2025, 1, 1))
        if i % 3 == 0:
            ProgramSchedule.objects.create(program=prog, kind=PeriodKind.QUARTER, due_days=7)
        factories.task(prog, w.hni_so, code="1")
        factories.task(prog, w.hni_xa_ubnd, code="2")
        if i % 2:
            report(prog, w.hni_so, state=ReportState.SENT, sent=SENT_ON_TIME)


def _queries(user, w, period) -> list[int]:
    counts = []
    for call in (
        lambda: completeness(user, period=period, agency=w.hni),
        lambda: completeness_by_child(user, period=period, agency=w.root),
        lambda: missing_reports(user, period=period),
    ):
        with CaptureQueriesContext(connection) as ctx:
            call()
        counts.append(len(ctx.captured_queries))
    return counts


@pytest.mark.parametrize("username", ["national_leader", "hni_leader", "steering"])
def test_query_count_does_not_grow_with_the_number_of_programmes(
    reports, username, django_assert_max_num_queries
):
    period = quarter()
    user = reports.users[username]
    user.scope  # noqa: B018 - the user's scope is read once per request, before the counts
    few = _queries(user, reports, period)
    _add_programmes(reports, 12)
    many = _queries(user, reports, period)
    for bound, before, after in zip((2, 3, 3), few, many, strict=True):
        assert before <= bound and after <= bound
    assert completeness(reports.users["national_leader"], period=period).expected == 6 + 24
    with django_assert_max_num_queries(2):
        completeness(user, period=period)
    with django_assert_max_num_queries(3):
        completeness_by_child(user, period=period, agency=reports.root)
    with django_assert_max_num_queries(3):
        rows = missing_reports(user, period=period)
    with django_assert_max_num_queries(3):  # one page: its programmes, agencies and reports
        page = Paginator(rows, 2).page(2).object_list
    assert len(page) >= 1 and all(r.program.agency and r.agency for r in page)
