"""The warning rules as pure functions: facts in, findings out, and the sentence that explains
each one with its numbers, in English and in Vietnamese."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import translation

from resmon.monitoring.alerts.models import AlertKind, Severity
from resmon.monitoring.alerts.rules import (
    LATE_RISK_KINDS,
    CoordinationFacts,
    KpiFacts,
    MilestoneFacts,
    ReportFacts,
    RuleConfig,
    TaskFacts,
    evaluate_coordination,
    evaluate_kpi,
    evaluate_milestone,
    evaluate_report,
    evaluate_task,
    sentence,
)
from resmon.planning.bands import BandRule

TODAY = dt.date(2026, 3, 17)
START = dt.date(2025, 3, 17)


def facts(**kw) -> TaskFacts:
    base = {
        "task_id": 1,
        "start": START,
        "due": dt.date(2026, 4, 30),
        "percent": Decimal(40),
        "completed_on": None,
        "last_change_on": dt.date(2026, 3, 1),
    }
    base.update(kw)
    return TaskFacts(**base)


def both(kind: str, params: dict) -> tuple[str, str]:
    with translation.override("en"):
        en = sentence(kind, params)
    with translation.override("vi"):
        vi = sentence(kind, params)
    return en, vi


def test_the_backtest_names_stay():
    assert {AlertKind.DUE_SOON_BEHIND, AlertKind.STALLED, AlertKind.FORECAST_LATE} == LATE_RISK_KINDS
    config = RuleConfig()  # the backtest tunes the defaults: every rule in force, sane thresholds
    assert config.enabled == set(AlertKind.values)
    assert config.due_soon_days > 0 and 0 <= config.behind_points <= 100 and config.stalled_days > 0
    assert Decimal("0.05") <= config.forecast_p_miss <= Decimal("0.99")


def test_overdue_counts_the_days_and_is_high_after_a_month():
    (found,) = evaluate_task(facts(due=dt.date(2026, 3, 1), percent=Decimal("35.4")), TODAY)
    assert (found.kind, found.severity, found.params) == (
        AlertKind.OVERDUE,
        Severity.MEDIUM,
        {"days": 16, "percent": 35},
    )
    (late,) = evaluate_task(facts(due=dt.date(2026, 2, 1)), TODAY)
    assert late.severity == Severity.HIGH and late.params["days"] == 44
    en, vi = both(found.kind, found.params)
    assert en == "Overdue by 16 days, 35% done."
    assert "16" in vi and "35%" in vi


def test_due_soon_and_behind_plan():
    # a plan from 17/03/2025 to 30/04/2026 expects 408/409 of the way on 17/03/2026: 89 %
    found = evaluate_task(facts(percent=Decimal(35)), TODAY)
    (behind,) = [f for f in found if f.kind == AlertKind.DUE_SOON_BEHIND]
    assert behind.params == {"days": 44, "percent": 35, "expected": 89}
    assert behind.severity == Severity.MEDIUM
    en, vi = both(behind.kind, behind.params)
    assert en == "Due in 44 days, 35% done, 89% expected by now."
    assert all(n in vi for n in ("44", "35%", "89%"))
    # within the tolerance (15 points below the plan): nothing
    assert not [
        f for f in evaluate_task(facts(percent=Decimal(75)), TODAY) if f.kind == AlertKind.DUE_SOON_BEHIND
    ]
    # outside the due-soon window: nothing
    far = facts(due=dt.date(2026, 12, 31), percent=Decimal(0))
    assert not [f for f in evaluate_task(far, TODAY) if f.kind == AlertKind.DUE_SOON_BEHIND]
    # high in the last 15 days
    (soon,) = [
        f
        for f in evaluate_task(facts(due=dt.date(2026, 3, 27), percent=Decimal(10)), TODAY)
        if f.kind == AlertKind.DUE_SOON_BEHIND
    ]
    assert soon.severity == Severity.HIGH


def test_stalled_since_the_last_change():
    config = RuleConfig(stalled_days=100)
    idle = facts(due=dt.date(2027, 1, 1), last_change_on=dt.date(2025, 11, 1))
    (stalled,) = [f for f in evaluate_task(idle, TODAY, config) if f.kind == AlertKind.STALLED]
    assert stalled.params == {"days": 136, "percent": 40, "since": "2025-11-01"}
    en, vi = both(stalled.kind, stalled.params)
    assert en == "No progress for 136 days (since 01/11/2025), still at 40%."
    assert "136" in vi and "01/11/2025" in vi
    # a shorter threshold on the rule page
    recent = facts(due=dt.date(2027, 1, 1), last_change_on=dt.date(2026, 3, 1))
    assert [f.kind for f in evaluate_task(recent, TODAY, RuleConfig(stalled_days=10))] == [AlertKind.STALLED]
    assert evaluate_task(recent, TODAY, config) == []


def test_forecast_late_and_the_threshold():
    risky = facts(due=dt.date(2027, 1, 1), p_miss=Decimal("0.83"), projected_on=dt.date(2027, 3, 2))
    (found,) = [f for f in evaluate_task(risky, TODAY) if f.kind == AlertKind.FORECAST_LATE]
    assert found.severity == Severity.HIGH
    assert found.params == {"probability": 83, "projected_on": "2027-03-02", "late_days": 60}
    en, _vi = both(found.kind, found.params)
    assert "02/03/2027" in en and "60 days" in en and "83%" in en
    config = RuleConfig(forecast_p_miss=Decimal("0.9"))
    assert not [f for f in evaluate_task(risky, TODAY, config) if f.kind == AlertKind.FORECAST_LATE]
    medium = facts(due=dt.date(2027, 1, 1), p_miss=Decimal("0.6"))
    (found,) = [
        f
        for f in evaluate_task(medium, TODAY, RuleConfig(forecast_p_miss=Decimal("0.5")))
        if f.kind == "forecast_late"
    ]
    assert found.severity == Severity.MEDIUM and found.params == {"probability": 60}
    assert both(found.kind, found.params)[0] == "Probability of missing the deadline 60%."


def test_disabled_rules_and_finished_or_paused_tasks_raise_nothing():
    overdue = facts(due=dt.date(2026, 3, 1))
    assert evaluate_task(overdue, TODAY, RuleConfig(enabled=frozenset({AlertKind.STALLED}))) == []
    assert evaluate_task(facts(due=dt.date(2026, 3, 1), completed_on=dt.date(2026, 3, 2)), TODAY) == []
    assert evaluate_task(facts(due=dt.date(2026, 3, 1), active=False), TODAY) == []
    assert evaluate_task(facts(due=None), TODAY) == []


def test_kpi_off_trajectory_uses_the_band_rule():
    at_risk = KpiFacts(
        1, "Tỷ lệ hồ sơ trực tuyến", "%", "higher", "Quý I/2026", Decimal("60"), Decimal("80.5")
    )
    found = evaluate_kpi(at_risk, BandRule())
    assert found is not None and (found.kind, found.severity) == (AlertKind.KPI_OFF_TRACK, Severity.HIGH)
    assert found.params["attainment"] == "74.53" and found.params["band"] == "at_risk"
    en, vi = both(found.kind, found.params)
    assert en == "Tỷ lệ hồ sơ trực tuyến: 60 % in Quý I/2026 against 80.5 % planned (74.53% of plan)."
    assert "80,5" in vi and "74,53" in vi  # Vietnamese decimals
    behind = KpiFacts(1, "Số doanh nghiệp", "", "higher", "Quý I/2026", Decimal("1900"), Decimal("2000"))
    found = evaluate_kpi(behind, BandRule())
    assert found is not None and found.severity == Severity.MEDIUM
    with translation.override("vi"):
        assert "1.900" in sentence(found.kind, found.params)
    # lower is better: 120 against 100 planned is 83.33 % of plan
    lower = KpiFacts(1, "Thời gian xử lý", "ngày", "lower", "Quý I/2026", Decimal("120"), Decimal("100"))
    assert evaluate_kpi(lower, BandRule()).params["attainment"] == "83.33"
    # on track, or no plan: nothing; a stricter rule makes the same value behind
    on_track = KpiFacts(1, "X", "%", "higher", "Quý I/2026", Decimal("90"), Decimal("90"))
    assert evaluate_kpi(on_track, BandRule()) is None
    assert evaluate_kpi(KpiFacts(1, "X", "%", "higher", "Q", Decimal(5), None), BandRule()) is None
    nearly = KpiFacts(1, "X", "%", "higher", "Q", Decimal("95"), Decimal("100"))
    assert evaluate_kpi(nearly, BandRule()).severity == Severity.MEDIUM
    assert evaluate_kpi(nearly, BandRule(Decimal(90), Decimal(80))) is None


def test_report_missing_after_the_grace_days_and_sent_late():
    due = dt.date(2026, 3, 19)
    assert evaluate_report(ReportFacts("Quý I/2026", due, None), dt.date(2026, 3, 24)) is None  # 5 grace days
    found = evaluate_report(ReportFacts("Quý I/2026", due, None), dt.date(2026, 3, 25))
    assert found is not None and (found.kind, found.severity) == (AlertKind.REPORT_MISSING, Severity.MEDIUM)
    assert found.params == {"period": "Quý I/2026", "due": "2026-03-19", "days": 6}
    en, vi = both(found.kind, found.params)
    assert en == "The report for Quý I/2026 was due on 19/03/2026 and has not been sent: 6 days late."
    assert "19/03/2026" in vi and "6" in vi
    assert evaluate_report(ReportFacts("Q", due, None), dt.date(2026, 4, 25)).severity == Severity.HIGH
    assert evaluate_report(ReportFacts("Q", due, None), dt.date(2026, 3, 21), RuleConfig(report_grace_days=0))
    late = evaluate_report(
        ReportFacts("Quý I/2026", due, dt.date(2026, 3, 23), is_late=True), dt.date(2026, 4, 1)
    )
    assert late is not None and (late.kind, late.severity) == (AlertKind.REPORT_LATE, Severity.LOW)
    assert late.params["days"] == 4
    assert "23/03/2026" in both(late.kind, late.params)[0]
    on_time = ReportFacts("Q", due, dt.date(2026, 3, 18), is_late=False)
    assert evaluate_report(on_time, dt.date(2026, 4, 1)) is None


def test_milestone_missed_and_coordination_late():
    milestone = MilestoneFacts("Hoàn thành khảo sát", dt.date(2026, 3, 1), None)
    assert evaluate_milestone(milestone, dt.date(2026, 3, 8)) is None  # 7 grace days
    found = evaluate_milestone(milestone, dt.date(2026, 3, 17))
    assert found is not None and found.params == {
        "name": "Hoàn thành khảo sát",
        "due": "2026-03-01",
        "days": 16,
    }
    assert both(found.kind, found.params)[0] == (
        "Milestone “Hoàn thành khảo sát” was due on 01/03/2026 and is not done: 16 days late."
    )
    assert evaluate_milestone(MilestoneFacts("x", dt.date(2026, 3, 1), dt.date(2026, 3, 5)), TODAY) is None
    part = CoordinationFacts("Sở Tài chính", "Dự toán kinh phí", dt.date(2026, 1, 31), None)
    found = evaluate_coordination(part, TODAY)
    assert found is not None and found.severity == Severity.HIGH and found.params["days"] == 45
    en, vi = both(found.kind, found.params)
    assert (
        en == "Sở Tài chính has not delivered its part (“Dự toán kinh phí”), due on 31/01/2026: 45 days late."
    )
    assert "31/01/2026" in vi and "45" in vi
    assert (
        evaluate_coordination(CoordinationFacts("A", "", dt.date(2026, 1, 31), dt.date(2026, 2, 1)), TODAY)
        is None
    )
    assert evaluate_coordination(CoordinationFacts("A", "", None, None), TODAY) is None
