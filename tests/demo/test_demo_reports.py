"""The demo's period reports: written in bulk, they must follow the rules the reporting services
apply (lines, accepting level, due dates, timeliness, states), spread the way the brief says, and
leave every demo account something to do. The fast test runs the builder on the small test world;
the slow one loads the national data set on a fixed day."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections import Counter
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.utils import translation

from resmon.accounts.models import User
from resmon.agencies.models import Agency, AgencyKind
from resmon.audit.models import AuditEntry
from resmon.catalogue import periods as cal
from resmon.catalogue.models import PeriodKind, ReportingPeriod
from resmon.catalogue.services_periods import configured_cutoff, generate_periods
from resmon.core import clock
from resmon.demo.builder.reports import build_reports
from resmon.planning.models import ActionProgram, Task, TaskIndicator
from resmon.planning.services.schedule import schedule_of
from resmon.planning.tree_shape import code_key
from resmon.reporting.models import (
    Classification,
    Evidence,
    ExplanationRequest,
    Observation,
    PeriodReport,
    Proposal,
    ReportLine,
    ReportState,
)
from resmon.reporting.selectors import reports_for
from resmon.reporting.selectors_completeness import completeness, expected_reports
from resmon.reporting.services.reports import accepting_agency_for, report_tasks

S = ReportState
SENT_STATES = {S.SENT, S.ACCEPTED, S.RETURNED}


def quarter(day: dt.date) -> ReportingPeriod:
    code = cal.period_containing(cal.QUARTER, day, configured_cutoff()).code
    return ReportingPeriod.objects.get(kind=PeriodKind.QUARTER, cutoff=configured_cutoff(), code=code)


def assert_follows_the_services(sample_size: int = 300, always: tuple[str, ...] = ()) -> list[PeriodReport]:
    """Every report obeys the services' rules; the ones that need a service call per report are
    checked on a sample (and on every report of the agencies whose path starts with ``always``)."""
    now = clock.now()
    reports = list(PeriodReport.objects.select_related("program", "period", "agency", "accepting_agency"))
    assert reports, "no report was written"
    parents = set(Task.objects.filter(parent__isnull=False).values_list("parent_id", flat=True))
    for r in reports:
        where = f"report #{r.pk} ({r.agency.code}, {r.period.code}, {r.state})"
        stamps = [r.submitted_to_head_at, r.first_sent_at, r.sent_at, r.accepted_at, r.returned_at]
        assert all(s is None or s <= now for s in stamps), f"{where}: a moment in the future"
        assert r.created_at <= r.updated_at <= now, where
        if r.state in SENT_STATES:
            assert r.first_sent_at is not None and r.sent_at >= r.first_sent_at, where
            # timeliness is judged on the first sending, against the due date, in Hà Nội's calendar
            assert r.is_late == (not cal.is_on_time(r.first_sent_at, r.due_date)), where
        else:
            assert not r.is_late and r.accepted_at is None, where
        if r.state == S.DRAFT:
            assert r.first_sent_at is None and r.submitted_to_head_at is None, where
        if r.state == S.AWAITING_HEAD:
            assert r.submitted_to_head_at is not None, where
        if r.state == S.ACCEPTED:
            assert r.accepted_at >= r.first_sent_at, where
        if r.state == S.RETURNED or r.return_reason:
            assert r.returned_at is not None and len(r.return_reason.strip()) >= 10, where
        assert r.version >= 1 and r.resolution_id == r.program.resolution_id, where
        assert r.grace_until >= r.due_date, where

    lines = ReportLine.objects.select_related("report", "task")
    for line in lines.iterator(chunk_size=2000):
        where = f"line of task {line.task.code} in report #{line.report_id} ({line.report.state})"
        if line.task_id in parents:
            assert line.percent_done is None, f"{where}: a parent task's percent is rolled up"
        elif line.report.state != S.DRAFT:
            assert line.percent_done is not None, f"{where}: a sent report has every leaf's percent"
        if line.percent_done is not None:
            assert Decimal(0) <= line.percent_done <= Decimal(100), where
        if line.report.state == S.ACCEPTED and line.percent_done is not None:
            # accepted figures went into the task: the task is never behind them
            assert line.task.percent_done >= line.percent_done or line.task.completed_on, where
        if line.completed_on is not None:
            assert line.completed_on <= line.report.period.end or line.report.state == S.DRAFT, where
            assert line.completed_on <= clock.today(), where

    rng = random.Random(5)
    sample = [r for r in reports if always and r.agency.code.startswith(always)]
    sample += rng.sample(reports, min(sample_size, len(reports)))
    for r in sample:
        where = f"report #{r.pk} ({r.agency.code}, {r.period.code})"
        assert r.accepting_agency_id == accepting_agency_for(r.program, r.agency).pk, where
        expected = list(report_tasks(r.program, r.agency, r.period).values_list("id", flat=True))
        shown = list(r.lines.order_by("position").values_list("task_id", flat=True))
        assert sorted(shown) == sorted(expected), f"{where}: the lines are not the tasks due"
        codes = list(r.lines.order_by("position").values_list("task__code", flat=True))
        assert codes == sorted(codes, key=code_key), f"{where}: lines out of the tree's order"
        entry = next(e for e in schedule_of(r.program) if e.kind == r.period.kind)
        assert (r.due_date, r.grace_until) == entry.due_of(cal.parse_code(r.period.code, r.period.cutoff))
    return reports


def assert_attachments_follow_the_rules() -> None:
    for ev in Evidence.objects.all():
        if ev.classification != Classification.NORMAL:
            # classified documents: number and date only, never a file or a link
            assert ev.kind == Evidence.Kind.DOCUMENT and not ev.file and not ev.url, ev.title
        if ev.kind == Evidence.Kind.DOCUMENT:
            assert ev.doc_number and ev.doc_date and ev.doc_date <= clock.today(), ev.title
    for obs in Observation.objects.select_related("report", "indicator_version"):
        version = obs.indicator_version
        assert obs.agency_id == obs.report.agency_id and obs.period_id == obs.report.period_id
        assert TaskIndicator.objects.filter(
            indicator_id=obs.indicator_id, task__report_lines__report=obs.report
        ).exists(), f"{obs}: not a KPI of the report's tasks"
        assert version.min_value is None or obs.value >= version.min_value, obs
        assert version.max_value is None or obs.value <= version.max_value, obs
    for p in Proposal.objects.select_related("report"):
        assert p.report.first_sent_at is not None, "a proposal in a report never sent"
        assert p.raised_by_agency_id == p.report.agency_id
        assert p.addressed_to_id == p.report.accepting_agency_id
        if p.status == Proposal.Status.ANSWERED:
            assert p.answer and p.answered_by_id and p.answered_at


# -- on the small test world (fast) --------------------------------------------------------------


@pytest.mark.django_db
def test_bulk_reports_follow_the_services_rules_on_the_test_world(world):
    with time_machine.travel(dt.datetime(2026, 5, 12, 3, 0, tzinfo=dt.UTC), tick=False):
        generate_periods(first_year=2025, years_ahead=1)
        ActionProgram.objects.update(status=ActionProgram.Status.ISSUED, issued_on=dt.date(2025, 9, 1))
        before = AuditEntry.objects.count()
        counts = build_reports()
        reports = assert_follows_the_services(always=("HNI",))
        assert_attachments_follow_the_rules()

    # the last quarter whose reports were due (Q1, due 19/03) and the one under way (Q2)
    assert {r.period.code for r in reports} <= {"2026-Q1", "2026-Q2"}
    q1 = [r for r in reports if r.period.code == "2026-Q1"]
    expected = set(expected_reports(quarter(dt.date(2026, 3, 1))))
    assert {(r.program_id, r.agency_id) for r in q1} <= expected
    assert counts["period_reports"] == len(reports) == PeriodReport.objects.count()
    assert counts["report_lines"] == ReportLine.objects.count()
    # the commune People's Committee reports to Thành ủy Hà Nội, who assigned its task
    xa = [r for r in reports if r.agency_id == world.hni_xa_ubnd.pk]
    assert all(r.accepting_agency_id == world.hni.pk for r in xa)
    # no demo accounts in this world: nothing went through the services, nothing was audited
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_rows_get_their_own_ids_after_existing_ones(world):
    """The plain inserts take ids after the rows already there, and the database's own id
    sequence carries on after them (PostgreSQL's sequence is reset)."""
    with time_machine.travel(dt.datetime(2026, 5, 12, 3, 0, tzinfo=dt.UTC), tick=False):
        generate_periods(first_year=2025, years_ahead=1)
        ActionProgram.objects.update(status=ActionProgram.Status.ISSUED, issued_on=dt.date(2025, 9, 1))
        program = world.tasks["hcm"].program
        period = quarter(dt.date(2025, 11, 1))  # 2025-Q4: before the two quarters the builder fills
        first = PeriodReport.objects.create(
            program=program,
            resolution=program.resolution,
            period=period,
            agency=world.hcm_xa,
            accepting_agency=world.hcm,
            due_date=dt.date(2025, 12, 19),
            grace_until=dt.date(2025, 12, 19),
        )
        build_reports()
        ids = sorted(PeriodReport.objects.exclude(pk=first.pk).values_list("pk", flat=True))
        assert ids and ids[0] > first.pk
        after = PeriodReport.objects.create(
            program=program,
            resolution=program.resolution,
            period=quarter(dt.date(2025, 8, 1)),
            agency=world.hcm_xa,
            accepting_agency=world.hcm,
            due_date=dt.date(2025, 9, 19),
            grace_until=dt.date(2025, 9, 19),
        )
        assert after.pk > ids[-1]


# -- the national data set (slow) ----------------------------------------------------------------

DAY = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)  # 10:00 in Hà Nội: Q3 settled, Q4 under way


def load_demo() -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.mark.slow
@pytest.mark.django_db
def test_national_demo_reports():
    with time_machine.travel(DAY, tick=True):
        assert "Demo data loaded" in load_demo()
        reports = assert_follows_the_services(sample_size=400, always=("HNI-X001",))
        assert_attachments_follow_the_rules()
        _check_spread(reports)
        _check_demo_queues()
        count = PeriodReport.objects.count()
        assert "already loaded" in load_demo()
        assert PeriodReport.objects.count() == count


def _check_spread(reports: list[PeriodReport]) -> None:
    settled, current = quarter(dt.date(2026, 8, 1)), quarter(dt.date(2026, 11, 1))
    assert {r.period_id for r in reports} == {settled.pk, current.pk}
    last = [r for r in reports if r.period_id == settled.pk]
    expected = set(expected_reports(settled))
    assert {(r.program_id, r.agency_id) for r in last} <= expected

    def is_commune(r: PeriodReport) -> bool:
        return r.agency.kind == AgencyKind.COMMUNE_PEOPLES_COMMITTEE

    communes_expected = sum(1 for _p, a in expected if a in commune_ids())
    communes_sent = sum(1 for r in last if is_commune(r) and r.first_sent_at)
    assert 0.5 <= communes_sent / communes_expected <= 0.7, (communes_sent, communes_expected)
    others = [r for r in last if not is_commune(r)]
    states = Counter(r.state for r in others)
    assert states[S.ACCEPTED] > 0.6 * len(others), states
    assert states[S.SENT] and states[S.RETURNED] and states[S.DRAFT] and states[S.AWAITING_HEAD], states
    late = [r for r in last if r.is_late]
    assert (
        late
        and any(is_commune(r) for r in late)
        and len(late) < 0.3 * sum(1 for r in last if r.first_sent_at)
    )
    # the completeness page counts the same reports
    admin = User.objects.get(username="admin")
    counts = completeness(admin, period=settled)
    assert counts.expected == len(expected)
    assert counts.received == sum(1 for r in last if r.first_sent_at)
    assert counts.late == len(late)
    assert counts.accepted == sum(1 for r in last if r.state == S.ACCEPTED)
    # this quarter: drafts under way, nothing late (not due yet)
    now = [r for r in reports if r.period_id == current.pk]
    assert Counter(r.state for r in now)[S.DRAFT] > 100 and not any(r.is_late for r in now)
    assert Observation.objects.filter(period=settled).count() >= 20
    assert Evidence.objects.filter(classification=Classification.CONFIDENTIAL).exists()
    statuses = Counter(Proposal.objects.values_list("status", flat=True))
    assert statuses[Proposal.Status.OPEN] and statuses[Proposal.Status.ANSWERED]


def commune_ids() -> set[int]:
    return set(Agency.objects.filter(kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE).values_list("id", flat=True))


def _check_demo_queues() -> None:
    users = {u.username: u for u in User.objects.filter(username__in=QUEUES)}
    for username, queues in QUEUES.items():
        for queue in queues:
            assert reports_for(users[username], queue=queue).exists(), f"{username}: {queue} is empty"
    current = quarter(dt.date(2026, 11, 1))
    officer, head = users["daumoi.xa.hni"], users["lanhdao.xa.hni"]
    # the commune's draft for this quarter, started through the services
    draft = reports_for(officer, queue="to_prepare").get(period=current)
    assert draft.state == S.DRAFT and draft.results and draft.prepared_by_id == officer.pk
    assert AuditEntry.objects.filter(
        action="reporting.report_created", object_id=str(draft.pk), actor_name="daumoi.xa.hni"
    ).exists()
    # last quarter's, returned by the city with a reason, corrected and now with the commune's head
    waiting = reports_for(head, queue="to_approve").get()
    assert waiting.agency == officer.agency and waiting.first_sent_at and waiting.return_reason
    assert waiting.lines.filter(evidence__kind=Evidence.Kind.DOCUMENT).exists()
    done = set(AuditEntry.objects.filter(object_id=str(waiting.pk)).values_list("action", flat=True))
    assert {"reporting.report_saved", "reporting.report_submitted_to_head"} <= done
    asked = ExplanationRequest.objects.all()
    assert asked.count() == 2
    assert Counter(asked.values_list("status", flat=True)) == {"open": 1, "answered": 1}


QUEUES = {
    "daumoi.xa.hni": ("to_prepare",),
    "lanhdao.xa.hni": ("to_approve",),
    "daumoi.hni": ("to_prepare", "to_accept", "returned"),
    "lanhdao.hni": ("to_approve", "to_accept"),
    "daumoi.bkhcn": ("to_prepare",),
    "lanhdao.bkhcn": ("to_prepare",),
}
