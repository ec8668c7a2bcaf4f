"""The warning rule: read by everyone, set by system administrators, impossible thresholds refused
field by field with nothing saved, version-checked, audited; the job applies it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from resmon.core.errors import Conflict, PermissionRefused, ValidationFailed
from resmon.monitoring.alerts import selectors, services
from resmon.monitoring.alerts.models import AlertKind, WarningRule
from resmon.monitoring.alerts.rules import RuleConfig
from tests.monitoring.alerts.helpers import audits

pytestmark = pytest.mark.django_db

GOOD = {
    "enabled": ["overdue", "due_soon_behind", "report_missing"],
    "due_soon_days": 30,
    "behind_points": 10,
    "stalled_days": 90,
    "forecast_p_miss": "0.6",
    "report_grace_days": 3,
    "milestone_grace_days": 0,
    "coordination_grace_days": 14,
}


def test_the_defaults_until_someone_sets_it(world):
    assert selectors.rule_row() is None
    assert selectors.current_rule() == RuleConfig()


def test_a_system_administrator_sets_it_and_it_is_audited(world):
    row = services.set_rule(world.users["sysadmin"], **GOOD)
    assert row.version == 1 and row.updated_by_name == "sysadmin"
    config = selectors.current_rule()
    assert config.enabled == {AlertKind.OVERDUE, AlertKind.DUE_SOON_BEHIND, AlertKind.REPORT_MISSING}
    assert (config.due_soon_days, config.behind_points, config.forecast_p_miss) == (30, 10, Decimal("0.6"))
    assert (config.report_grace_days, config.milestone_grace_days, config.coordination_grace_days) == (
        3,
        0,
        14,
    )
    (entry,) = audits("alerts.rule_set")
    assert entry.before["due_soon_days"] == RuleConfig().due_soon_days and entry.after["due_soon_days"] == 30
    assert entry.after["enabled"] == ["overdue", "due_soon_behind", "report_missing"]
    # a stale version is refused
    with pytest.raises(Conflict):
        services.set_rule(world.users["sysadmin"], expected_version=0, **GOOD)
    services.set_rule(world.users["sysadmin"], expected_version=1, **{**GOOD, "stalled_days": 120})
    assert selectors.current_rule().stalled_days == 120


@pytest.mark.parametrize("username", ["national_leader", "hni_admin", "hni_leader", "inspector"])
def test_others_may_not(world, username):
    with pytest.raises(PermissionRefused):
        services.set_rule(world.users[username], **GOOD)
    assert not WarningRule.objects.exists() and not audits("alerts.rule_set").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("due_soon_days", 0, "Due-soon window: give at least 1 day."),
        ("due_soon_days", "abc", "Due-soon window: enter a whole number."),
        ("behind_points", 101, "Behind tolerance: give a number of percentage points from 0 to 100."),
        ("behind_points", -5, "Behind tolerance: give a number of percentage points from 0 to 100."),
        ("stalled_days", -1, "Stalled after: a number of days cannot be negative."),
        ("report_grace_days", -3, "Report missing after: a number of days cannot be negative."),
        ("milestone_grace_days", 1000, "Milestone missed after: at most 365 days."),
        ("forecast_p_miss", "1.5", "Forecast probability threshold: give a probability from 0.05 to 0.99."),
        ("forecast_p_miss", "0.01", "Forecast probability threshold: give a probability from 0.05 to 0.99."),
        ("forecast_p_miss", "0.555", "Forecast probability threshold: use at most 2 decimal places."),
        ("forecast_p_miss", "much", "Forecast probability threshold: enter a probability such as 0.5."),
        ("enabled", ["overdue", "nonsense"], "Unknown rule “nonsense”."),
    ],
)
def test_impossible_thresholds_are_refused_field_by_field(world, field, value, message):
    services.set_rule(world.users["sysadmin"], **GOOD)
    before = list(WarningRule.objects.values())
    with pytest.raises(ValidationFailed) as exc:
        services.set_rule(world.users["sysadmin"], **{**GOOD, field: value})
    assert exc.value.code == "impossible_thresholds"
    assert any(m.startswith(message) for m in exc.value.errors[field]), exc.value.errors
    assert list(WarningRule.objects.values()) == before
    assert audits("alerts.rule_set").count() == 1


def test_several_wrong_fields_each_get_their_message(world):
    with pytest.raises(ValidationFailed) as exc:
        services.set_rule(world.users["sysadmin"], **{**GOOD, "due_soon_days": 0, "behind_points": 150})
    assert set(exc.value.errors) == {"due_soon_days", "behind_points"}


def test_the_page_reads_for_everyone_and_edits_for_the_administrator(world):
    reader = Client()
    reader.force_login(world.users["xa_officer"])
    html = reader.get("/monitoring/alerts/rules/").content.decode()
    assert "A task due within 60 days" in html and "15 percentage points" in html
    assert "data-rule-form" not in html
    refused = reader.post("/monitoring/alerts/rules/", {**GOOD, "due_soon_days": "30"})
    assert refused.status_code == 403 and not WarningRule.objects.exists()

    admin = Client()
    admin.force_login(world.users["sysadmin"])
    assert "data-rule-form" in admin.get("/monitoring/alerts/rules/").content.decode()
    bad = admin.post("/monitoring/alerts/rules/", {**GOOD, "behind_points": "120", "version": "0"})
    assert bad.status_code == 200
    assert "Behind tolerance: give a number of percentage points from 0 to 100." in bad.content.decode()
    assert 'data-error-for="behind_points"' in bad.content.decode()
    assert not WarningRule.objects.exists()
    ok = admin.post("/monitoring/alerts/rules/", {**GOOD, "version": "0"})
    assert ok.status_code == 302
    html = reader.get("/monitoring/alerts/rules/").content.decode()
    assert "A task due within 30 days" in html and "Set by sysadmin" in html
    assert html.count("data-off") == len(AlertKind.values) - 3


def test_the_api(world, bearer):
    got = bearer("xa_officer").get("/api/v1/alert-rules").json()
    defaults = RuleConfig()
    assert got["is_default"] and got["due_soon_days"] == defaults.due_soon_days
    assert got["forecast_p_miss"] == f"{defaults.forecast_p_miss:.2f}"
    assert (
        bearer("hni_leader").put("/api/v1/alert-rules", GOOD, content_type="application/json").status_code
        == 403
    )
    bad = bearer("sysadmin").put(
        "/api/v1/alert-rules", {**GOOD, "forecast_p_miss": "1.2"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "forecast_p_miss" in bad.json()["errors"]
    assert not WarningRule.objects.exists()
    ok = bearer("sysadmin").put(
        "/api/v1/alert-rules", {**GOOD, "version": 0}, content_type="application/json"
    )
    assert ok.status_code == 200
    body = ok.json()
    assert (body["version"], body["due_soon_days"], body["is_default"]) == (1, 30, False)
    stale = bearer("sysadmin").put(
        "/api/v1/alert-rules", {**GOOD, "version": 0}, content_type="application/json"
    )
    assert stale.status_code == 409
