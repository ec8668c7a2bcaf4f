"""Creating a period report: its lines, its accepting level, and every refusal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from resmon.catalogue.models import Cutoff, PeriodKind, ReportingPeriod
from resmon.core import clock
from resmon.core.errors import Conflict, PermissionRefused, ValidationFailed
from resmon.planning.models import ProgramSchedule
from resmon.planning.status import TaskState
from resmon.reporting.models import PeriodReport, ReportLine, ReportState
from resmon.reporting.services import reports as svc
from tests.factories import program as make_program
from tests.factories import task as make_task
from tests.reporting.helpers import quarter
from tests.reporting.reports_helpers import audits, create
from tests.reporting.reports_helpers import program as commune_program

pytestmark = pytest.mark.django_db


def test_the_commune_creates_its_report_with_its_tasks_prefilled(rworld):
    w = rworld
    leaf = w.tasks["hni_xa"]
    leaf.percent_done = Decimal("30")
    leaf.save()

    report = create(w)

    assert report.state == ReportState.DRAFT
    assert report.version == 1
    assert report.agency == w.hni_xa_ubnd
    assert report.accepting_agency == w.hni  # Thành ủy assigned the task
    assert report.resolution == w.res
    # Q1/2026 (Decree 09) ends 14/03, the default schedule makes it due 5 days later
    assert report.due_date == dt.date(2026, 3, 19)
    assert report.grace_until == dt.date(2026, 3, 19)
    assert report.prepared_by == w.users["xa_ubnd_officer"]
    lines = list(report.lines.all())
    assert [(line.task_id, line.percent_done) for line in lines] == [(leaf.pk, Decimal("30.00"))]
    entry = audits("reporting.report_created", report).get()
    assert entry.actor_name == "xa_ubnd_officer"
    assert entry.agency_path == w.hni_xa_ubnd.path
    assert entry.after["lines"] == [leaf.pk]


def test_lines_follow_the_tree_parents_are_rolled_up_and_finished_tasks_drop_out(rworld):
    w = rworld
    prog = commune_program(w)
    parent = w.tasks["hni_xa"]  # code 1.2
    sub_b = make_task(prog, w.hni_xa_ubnd, assigned_by=w.hni_xa_ubnd, parent=parent, code="1.2.10")
    sub_a = make_task(
        prog,
        w.hni_xa_ubnd,
        assigned_by=w.hni_xa_ubnd,
        parent=parent,
        code="1.2.2",
        percent_done=Decimal("100"),
        completed_on=dt.date(2026, 1, 10),  # completed inside Q1: still reported
    )
    make_task(
        prog, w.hni_xa_ubnd, parent=parent, code="1.2.3", completed_on=dt.date(2025, 11, 30)
    )  # completed before Q1 started (15/12/2025): not in the report
    make_task(prog, w.hni_xa_ubnd, parent=parent, code="1.2.4", state=TaskState.CANCELLED)

    report = create(w)

    lines = list(report.lines.order_by("position"))
    assert [line.task_id for line in lines] == [parent.pk, sub_a.pk, sub_b.pk]
    assert lines[0].percent_done is None  # the parent's progress is calculated
    assert lines[1].percent_done == Decimal("100") and lines[1].completed_on == dt.date(2026, 1, 10)
    assert lines[2].percent_done == Decimal("0")


def test_the_communes_party_committee_may_create_its_peoples_committees_report(rworld):
    # Đảng ủy xã is above UBND xã but is not the accepting level (Thành ủy Hà Nội is)
    report = create(rworld, "xa_officer")
    assert report.agency == rworld.hni_xa_ubnd
    assert report.prepared_by == rworld.users["xa_officer"]


def test_a_programme_with_a_monthly_schedule_reports_months(rworld):
    w = rworld
    ProgramSchedule.objects.create(
        program=commune_program(w), kind=PeriodKind.MONTH, due_days=3, grace_days=2
    )
    month = ReportingPeriod.objects.get(kind=PeriodKind.MONTH, cutoff=Cutoff.DECREE09, code="2026-M2")

    report = create(w, period=month)

    # M2/2026 (Decree 09): 15/01–14/02; due 3 days later, 2 grace days
    assert (report.due_date, report.grace_until) == (dt.date(2026, 2, 17), dt.date(2026, 2, 19))
    with pytest.raises(ValidationFailed) as exc:
        create(w, period=quarter())
    assert exc.value.code == "period_not_scheduled"
    assert "month" in str(exc.value)


# --- the accepting level ------------------------------------------------------------------------


def test_several_assigning_levels_the_highest_accepts(rworld):
    w = rworld
    prog = commune_program(w)
    make_task(prog, w.hni_xa_ubnd, assigned_by=w.hni_xa, code="2")  # the commune's party also assigns
    # a sub-task under its own task does not count, even if assigned from far above
    make_task(prog, w.hni_xa_ubnd, assigned_by=w.root, parent=w.tasks["hni_xa"], code="1.2.1")
    assert svc.accepting_agency_for(prog, w.hni_xa_ubnd) == w.hni


def test_one_lower_assigning_level_accepts(rworld):
    w = rworld
    prog = make_program(w.res2, w.hni_xa)
    make_task(prog, w.hni_xa_ubnd, assigned_by=w.hni_xa, code="1")
    assert svc.accepting_agency_for(prog, w.hni_xa_ubnd) == w.hni_xa


def test_self_assigned_tasks_go_to_the_programmes_agency(rworld):
    w = rworld
    prog = make_program(w.res2, w.hni)
    make_task(prog, w.hni_xa_ubnd, assigned_by=w.hni_xa_ubnd, code="1")
    assert svc.accepting_agency_for(prog, w.hni_xa_ubnd) == w.hni


def test_the_programmes_own_agency_reports_to_its_parent_and_the_root_to_itself(rworld):
    w = rworld
    own = make_program(w.res2, w.hni_xa_ubnd)
    make_task(own, w.hni_xa_ubnd, code="1")
    assert svc.accepting_agency_for(own, w.hni_xa_ubnd) == w.hni_xa
    national = make_program(w.res2, w.root)
    make_task(national, w.root, code="1")
    assert svc.accepting_agency_for(national, w.root) == w.root


# --- refusals -----------------------------------------------------------------------------------


def _nothing_created():
    assert not PeriodReport.objects.exists()
    assert not ReportLine.objects.exists()
    assert not audits("reporting.report_created").exists()


@pytest.mark.parametrize("username", ["xa2_officer", "hni_so_officer", "hcm_officer"])
def test_another_agency_cannot_create_the_communes_report(rworld, username):
    with pytest.raises(PermissionRefused) as exc:
        create(rworld, username)
    assert rworld.hni_xa_ubnd.name in str(exc.value)
    _nothing_created()


@pytest.mark.parametrize("username", ["inspector", "hni_admin"])
def test_inspectors_and_administrators_do_not_prepare_reports(rworld, username):
    with pytest.raises(PermissionRefused):
        create(rworld, username)
    _nothing_created()


def test_a_period_the_programme_does_not_report_on_is_refused(rworld):
    month = ReportingPeriod.objects.get(kind=PeriodKind.MONTH, cutoff=Cutoff.DECREE09, code="2026-M2")
    with pytest.raises(ValidationFailed) as exc:
        create(rworld, period=month)
    assert exc.value.code == "period_not_scheduled"
    assert exc.value.errors["period"] == ["This programme reports quarter; choose one of those periods."]
    _nothing_created()


def test_a_period_that_has_not_started_is_refused(rworld):
    with pytest.raises(ValidationFailed) as exc:
        create(rworld, period=quarter("2026-Q3"))
    assert exc.value.code == "period_not_started"
    assert "15/06/2026" in str(exc.value)
    _nothing_created()


def test_the_running_period_may_be_started(rworld):
    # Q2/2026 started on 15/03/2026 (Decree 09): an agency may start writing it
    report = create(rworld, period=quarter("2026-Q2"))
    assert report.due_date == dt.date(2026, 6, 19)


def test_a_closed_period_is_refused(rworld):
    period = quarter()
    ReportingPeriod.objects.filter(pk=period.pk).update(is_closed=True, closed_at=clock.now())
    period.refresh_from_db()
    with pytest.raises(ValidationFailed) as exc:
        create(rworld, period=period)
    assert exc.value.code == "period_closed"
    assert "17/03/2026" in str(exc.value) and "reopen" in str(exc.value)
    _nothing_created()


def test_an_agency_without_tasks_due_is_refused(rworld):
    w = rworld
    with pytest.raises(ValidationFailed) as exc:
        create(w, "xa2_officer", agency=w.hni_xa2)
    assert exc.value.code == "no_tasks"
    assert w.hni_xa2.name in str(exc.value)
    # a task completed before the period does not count either
    make_task(commune_program(w), w.hni_xa2, code="1.3", completed_on=dt.date(2025, 12, 1))
    with pytest.raises(ValidationFailed):
        create(w, "xa2_officer", agency=w.hni_xa2)
    _nothing_created()


def test_a_second_report_is_a_conflict_naming_the_first(rworld):
    first = create(rworld)
    with pytest.raises(Conflict) as exc:
        create(rworld, "xa_ubnd_leader")
    assert exc.value.code == "report_exists"
    assert exc.value.extra == {"report_id": first.pk}
    assert f"#{first.pk}" in str(exc.value)
    assert PeriodReport.objects.count() == 1
    assert audits("reporting.report_created").count() == 1
