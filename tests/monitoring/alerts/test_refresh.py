"""The daily job: raises, keeps and clears alerts from the facts in the database; idempotent; one
audit row per run; new high-severity alerts notified once per agency and kind."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from resmon.core.access import Role
from resmon.monitoring.alerts import selectors, services
from resmon.monitoring.alerts.models import Alert, AlertKind, Severity
from resmon.monitoring.alerts.services.facts import accepting_levels
from resmon.monitoring.forecasts.models import Method, TaskForecast
from resmon.notifications.models import Kind, Notification
from resmon.planning.models import ActionProgram, Milestone, Task
from resmon.reporting.models import Observation, PeriodReport, ReportState
from resmon.reporting.services import reports as report_services
from resmon.reporting.services.reports import accepting_agency_for
from tests.factories import task as make_task
from tests.monitoring.alerts.helpers import alert_of, audits, open_alerts, set_due, snapshot
from tests.planning.kpi_helpers import indicator, kpi
from tests.reporting.helpers import AFTER_DUE, quarter
from tests.reporting.reports_helpers import sent

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 17)


def kinds_of(task: Task) -> set[str]:
    return {a.kind for a in open_alerts(task=task)}


def test_a_task_falling_behind_raises_and_an_accepted_report_clears_it(aworld):
    w = aworld
    leaf = set_due(w.tasks["hni_xa"], dt.date(2026, 4, 30))

    first = services.refresh_alerts()
    behind = alert_of(AlertKind.DUE_SOON_BEHIND, task=leaf)
    # planned from 01/02/2025 to 30/04/2026: 409 of 453 days gone on 17/03/2026, 90 % expected
    assert behind.params == {"days": 44, "percent": 0, "expected": 90}
    assert (behind.severity, behind.agency, behind.supervisor) == (Severity.MEDIUM, w.hni_xa_ubnd, w.hni)
    assert (behind.raised_on, behind.last_seen_on, behind.cleared_on) == (TODAY, TODAY, None)
    assert behind.sentence == "Due in 44 days, 0% done, 90% expected by now."
    assert kinds_of(leaf) == {AlertKind.DUE_SOON_BEHIND, AlertKind.STALLED}
    assert first["raised"] == Alert.objects.count() and first["cleared"] == 0

    # the commune reports 95 %, its report is accepted: the task's progress moves up
    report = sent(w, percent="95")
    report_services.accept_report(w.users["hni_leader"], report)
    assert Task.objects.get(pk=leaf.pk).percent_done == Decimal(95)

    second = services.refresh_alerts()
    behind.refresh_from_db()
    assert behind.cleared_on == TODAY
    assert kinds_of(leaf) == set()  # and progress changed at the end of Q1: not stalled any more
    # its parent's progress moved with it: the parent is not stalled any more either
    assert AlertKind.STALLED not in kinds_of(w.tasks["hni"])
    assert second["cleared"] == 3 and second["raised"] == 0
    # the other tasks' alerts are still open, confirmed today
    assert all(a.last_seen_on == TODAY for a in open_alerts())
    assert open_alerts(task=w.tasks["hcm"])


def test_a_second_run_the_same_day_changes_nothing(aworld):
    set_due(aworld.tasks["hni_so"], dt.date(2026, 2, 1))
    services.refresh_alerts()
    before = snapshot()
    again = services.refresh_alerts()
    assert snapshot() == before
    assert (again["raised"], again["updated"], again["cleared"]) == (0, 0, 0)
    assert again["kept"] == len(before)
    # one audit row per run, with its counts, by the system
    rows = list(audits("alerts.refreshed"))
    assert len(rows) == 2 and rows[-1].actor_name == "system" and rows[-1].after["kept"] == len(before)


def test_the_next_day_confirms_updates_and_changes_kind(aworld):
    w = aworld
    so = set_due(w.tasks["hni_so"], dt.date(2026, 3, 31))
    services.refresh_alerts()
    soon = alert_of(AlertKind.DUE_SOON_BEHIND, task=so)
    assert soon.severity == Severity.HIGH and soon.params["days"] == 14
    stalled = alert_of(AlertKind.STALLED, task=w.tasks["hcm"])

    with time_machine.travel(dt.datetime(2026, 3, 20, 3, 0, tzinfo=dt.UTC), tick=False):
        result = services.refresh_alerts()
    soon.refresh_from_db()
    stalled.refresh_from_db()
    assert soon.params["days"] == 11 and soon.last_seen_on == dt.date(2026, 3, 20)
    assert soon.raised_on == TODAY  # the same alert, kept open
    assert stalled.params["days"] == stalled.params["days"] and stalled.last_seen_on == dt.date(2026, 3, 20)
    assert result["updated"] >= 2

    with time_machine.travel(dt.datetime(2026, 4, 2, 3, 0, tzinfo=dt.UTC), tick=False):
        services.refresh_alerts()
    soon.refresh_from_db()
    assert soon.cleared_on == dt.date(2026, 4, 2)  # now overdue instead
    overdue = alert_of(AlertKind.OVERDUE, task=so)
    assert overdue.params == {"days": 2, "percent": 0} and overdue.severity == Severity.MEDIUM


def test_new_high_alerts_are_notified_once_per_agency_and_kind(aworld):
    w = aworld
    set_due(w.tasks["hni_so"], dt.date(2026, 2, 1))
    make_task(w.tasks["hni_so"].program, w.hni_so, code="1.1.9", due_date=dt.date(2026, 1, 31))
    result = services.refresh_alerts()
    assert len(open_alerts(kind=AlertKind.OVERDUE, agency=w.hni_so, severity=Severity.HIGH)) == 2
    notified = Notification.objects.filter(kind=Kind.ALERT_RAISED)
    rows = notified.filter(recipient__agency=w.hni_so, url__contains="kind=overdue")
    assert sorted(rows.values_list("recipient__username", flat=True)) == ["hni_so_officer", "so_leader"]
    assert all(n.title.startswith("2 ") for n in rows)
    assert rows.first().url.startswith("/monitoring/alerts/?")
    # the 2025 quarterly reports nobody sent are high too (more than 30 days late): one more each
    assert notified.filter(recipient__username="so_leader").count() == 2
    # medium alerts (stalled) notify nobody; nor does a second run
    assert not notified.filter(url__contains="kind=stalled").exists()
    count = Notification.objects.filter(kind=Kind.ALERT_RAISED).count()
    assert result["notified"] == count
    services.refresh_alerts()
    assert Notification.objects.filter(kind=Kind.ALERT_RAISED).count() == count


def test_forecast_from_the_forecasts_table(aworld):
    w = aworld
    task = w.tasks["hcm"]
    TaskForecast.objects.create(
        task=task,
        as_of=TODAY,
        method=Method.LINEAR,
        points=4,
        projected_on=dt.date(2027, 2, 28),
        p_miss=Decimal("0.85"),
        computed_at=dt.datetime(2026, 3, 17, 3, 0, tzinfo=dt.UTC),
    )
    services.refresh_alerts()
    found = alert_of(AlertKind.FORECAST_LATE, task=task)
    assert found.params == {"probability": 85, "projected_on": "2027-02-28", "late_days": 59}
    assert found.severity == Severity.HIGH
    TaskForecast.objects.filter(task=task).update(p_miss=Decimal("0.2"))
    services.refresh_alerts()
    found.refresh_from_db()
    assert found.cleared_on == TODAY


def test_kpi_off_its_trajectory(aworld):
    w = aworld
    leaf = w.tasks["hni_xa"]
    ind = indicator(w.bo_khcn)
    k = kpi(leaf, ind, targets=((dt.date(2026, 12, 31), "80"),), baseline=("40", dt.date(2025, 1, 1)))
    period = quarter()  # 15/12/2025–14/03/2026: planned 40 + 40 × 437/729 = 63.9781
    report = PeriodReport.objects.create(
        program=leaf.program,
        resolution=leaf.resolution,
        period=period,
        agency=w.hni_xa_ubnd,
        accepting_agency=w.hni,
        state=ReportState.ACCEPTED,
        due_date=dt.date(2026, 3, 19),
        grace_until=dt.date(2026, 3, 19),
    )
    obs = Observation.objects.create(
        indicator=ind,
        indicator_version=ind.current,
        agency=w.hni_xa_ubnd,
        period=period,
        report=report,
        value=Decimal("50"),
        entered_by=w.users["xa_ubnd_officer"],
    )
    services.refresh_alerts()
    found = alert_of(AlertKind.KPI_OFF_TRACK, kpi=k)
    assert found.severity == Severity.HIGH  # 78.15 % of plan: at risk below 85 %
    assert found.params["planned"] == "63.9781" and found.params["attainment"] == "78.15"
    assert found.period == period and found.agency == w.hni_xa_ubnd and found.supervisor == w.hni
    assert "Quý I/2026" in found.sentence and "63.9781" in found.sentence
    # a better value: behind (medium), the same alert updated; on track: cleared
    Observation.objects.filter(pk=obs.pk).update(value=Decimal("60"))
    services.refresh_alerts()
    found.refresh_from_db()
    assert found.severity == Severity.MEDIUM and found.cleared_on is None
    Observation.objects.filter(pk=obs.pk).update(value=Decimal("64"))
    services.refresh_alerts()
    found.refresh_from_db()
    assert found.cleared_on == TODAY


def test_reports_missing_then_sent_late(aworld):
    w = aworld
    # programmes issued in 2026: 2026-Q1 (15/12/2025–14/03/2026) is the only quarter they report on
    ActionProgram.objects.update(issued_on=dt.date(2026, 1, 10))
    with time_machine.travel(AFTER_DUE, tick=False):  # 25/03/2026: Q1 reports were due on 19/03
        services.refresh_alerts()
        missing = open_alerts(kind=AlertKind.REPORT_MISSING)
        by_agency = {a.agency: a for a in missing}
        assert set(by_agency) == {w.bo_khcn, w.hni_ubnd, w.hni_so, w.hni_xa_ubnd, w.hcm, w.hcm_xa}
        commune = by_agency[w.hni_xa_ubnd]
        assert commune.params == {"period": quarter().label, "due": "2026-03-19", "days": 6}
        assert (commune.supervisor, commune.period, commune.severity) == (w.hni, quarter(), Severity.MEDIUM)
        assert commune.program == w.tasks["hni_xa"].program and commune.report is None
        # the supervising agency of a report not created yet is reporting's accepting level
        for a in missing:
            assert a.supervisor == accepting_agency_for(a.program, a.agency), a.agency

        report = sent(w)  # sent on 25/03: late
        services.refresh_alerts()
    commune.refresh_from_db()
    assert commune.cleared_on == dt.date(2026, 3, 25)
    late = alert_of(AlertKind.REPORT_LATE, report=report)
    assert (late.severity, late.params["days"], late.supervisor) == (Severity.LOW, 6, w.hni)
    assert "25/03/2026" in late.sentence


def test_one_alert_per_agency_and_programme_however_many_reports_it_owes(aworld):
    w = aworld  # programmes issued on 01/02/2025: the four quarters of 2025 and 2026-Q1 are expected
    with time_machine.travel(AFTER_DUE, tick=False):
        services.refresh_alerts()
        commune = alert_of(AlertKind.REPORT_MISSING, agency=w.hni_xa_ubnd)
        assert commune.period == quarter() and commune.severity == Severity.HIGH
        assert commune.params["missing"] == 5 and commune.params["days"] == 6
        assert "5 reports of the last year have not been sent." in commune.sentence
        assert len(open_alerts(kind=AlertKind.REPORT_MISSING)) == 6  # one per agency and programme
        sent(w)  # 2026-Q1 sent: the same alert now points at the latest one still owed
        services.refresh_alerts()
    commune.refresh_from_db()
    assert commune.cleared_on is None and commune.params["missing"] == 4
    assert commune.period == quarter("2025-Q4")


def test_accepting_levels_agree_with_reporting(aworld):
    w = aworld
    pairs = {(t.program_id, t.lead_agency_id) for t in Task.objects.all()}
    found = accepting_levels(pairs)
    for program_id, agency_id in pairs:
        task = Task.objects.filter(program_id=program_id, lead_agency_id=agency_id).first()
        assert found[(program_id, agency_id)] == accepting_agency_for(task.program, task.lead_agency).pk
    assert found[(w.tasks["hcm"].program_id, w.hcm.pk)] == w.root.pk  # its own programme: the level above


def test_milestones_and_coordinating_agencies(aworld):
    w = aworld
    milestone = Milestone.objects.create(
        task=w.tasks["hni_xa"], name="Hoàn thành khảo sát", due_date=dt.date(2026, 3, 1)
    )
    part = w.tasks["ministry_coord"].coordinations.get(agency=w.hni_so)
    part.due_date = dt.date(2026, 2, 1)
    part.sub_deliverable = "Báo cáo đánh giá"
    part.save()
    services.refresh_alerts()
    missed = alert_of(AlertKind.MILESTONE_MISSED, milestone=milestone)
    assert missed.params == {"name": "Hoàn thành khảo sát", "due": "2026-03-01", "days": 16}
    assert (missed.agency, missed.supervisor) == (w.hni_xa_ubnd, w.hni)
    late = alert_of(AlertKind.COORDINATION_LATE, coordination=part)
    assert (late.agency, late.supervisor, late.severity) == (w.hni_so, w.bo_khcn, Severity.HIGH)
    assert late.params["days"] == 44 and "Báo cáo đánh giá" in late.sentence
    # the coordinating agency sees it (its own part), the ministry too
    assert selectors.alerts_for(w.users["hni_so_officer"]).filter(pk=late.pk).exists()
    assert selectors.alerts_for(w.users["ministry_officer"]).filter(pk=late.pk).exists()

    Milestone.objects.filter(pk=milestone.pk).update(done_on=dt.date(2026, 3, 16))
    part.delivered_on = dt.date(2026, 3, 16)
    part.save()
    services.refresh_alerts()
    missed.refresh_from_db()
    late.refresh_from_db()
    assert missed.cleared_on == TODAY and late.cleared_on == TODAY


def test_a_rule_taken_out_of_force_clears_its_alerts(aworld):
    services.refresh_alerts()
    assert open_alerts(kind=AlertKind.STALLED)
    config = selectors.current_rule()
    services.set_rule(
        aworld.users["sysadmin"],
        enabled=[k for k in config.enabled if k != AlertKind.STALLED],
        forecast_p_miss=config.forecast_p_miss,
        **{name: getattr(config, name) for name in services.DAY_LIMITS},
    )
    result = services.refresh_alerts()
    assert not open_alerts(kind=AlertKind.STALLED) and result["cleared"] > 0


def test_paused_and_completed_tasks_raise_nothing(aworld):
    w = aworld
    set_due(w.tasks["hni_so"], dt.date(2026, 2, 1))
    Task.objects.filter(pk=w.tasks["hni_so"].pk).update(state="paused")
    Task.objects.filter(pk=w.tasks["hcm"].pk).update(completed_on=dt.date(2026, 3, 1), percent_done=100)
    services.refresh_alerts()
    assert not open_alerts(task=w.tasks["hni_so"]) and not open_alerts(task=w.tasks["hcm"])


def test_scope_of_the_alerts(aworld):
    w = aworld
    set_due(w.tasks["hni_so"], dt.date(2026, 2, 1))
    services.refresh_alerts()
    hanoi = alert_of(AlertKind.OVERDUE, task=w.tasks["hni_so"])
    hcm_user = w.users["hcm_officer"]
    seen = selectors.alerts_for(hcm_user, state=selectors.ALL)
    assert seen.exists()
    assert not seen.filter(agency__path__startswith=w.hni.path).exists()
    assert not seen.filter(supervisor__path__startswith=w.hni.path).exists()
    from resmon.core.errors import NotFound

    with pytest.raises(NotFound):
        selectors.get_alert(hcm_user, hanoi.pk)
    # the province and the commune under it see it; the inspector of Hà Nội too
    for name in ("hni_leader", "hni_so_officer", "inspector"):
        assert selectors.get_alert(w.users[name], hanoi.pk) == hanoi
    # the steering committee member sees the resolution's alerts nationwide
    steering = w.users["steering"]
    assert steering.scope.role == Role.LEADER
    assert selectors.alerts_for(steering).filter(pk=hanoi.pk).exists()


def test_the_scope_copies_of_the_agency_paths_follow_the_tree(aworld):
    """The alert keeps its two agencies' paths (its scope); a run after the tree changed updates them."""
    w = aworld
    set_due(w.tasks["hni_so"], dt.date(2026, 2, 1))
    services.refresh_alerts()
    overdue = alert_of(AlertKind.OVERDUE, task=w.tasks["hni_so"])
    assert (overdue.agency_path, overdue.supervisor_path) == (w.hni_so.path, w.hni.path)
    Alert.objects.filter(pk=overdue.pk).update(agency_path="9999", supervisor_path="9999")
    assert not selectors.alerts_for(w.users["hni_leader"]).filter(pk=overdue.pk).exists()
    result = services.refresh_alerts()
    overdue.refresh_from_db()
    assert (overdue.agency_path, overdue.supervisor_path) == (w.hni_so.path, w.hni.path)
    assert result["updated"] == 1
    assert selectors.alerts_for(w.users["hni_leader"]).filter(pk=overdue.pk).exists()


def test_the_management_command_prints_the_counts(aworld):
    from io import StringIO

    from django.core.management import CommandError, call_command

    set_due(aworld.tasks["hni_so"], dt.date(2026, 2, 1))
    out = StringIO()
    call_command("run_alerts", stdout=out)
    text = out.getvalue()
    assert text.startswith("alerts as of 2026-03-17: ") and " raised, " in text and " s" in text
    assert "  overdue: 1 open" in text
    out = StringIO()
    call_command("run_alerts", "--as-of", "20/03/2026", stdout=out)
    assert out.getvalue().startswith("alerts as of 2026-03-20: 0 raised")
    with pytest.raises(CommandError):
        call_command("run_alerts", "--as-of", "someday")
