"""The KPI band rule: attainment and band (pure), and the thresholds' service, page and API."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import assume, given
from hypothesis import strategies as st

from resmon.audit.models import AuditEntry
from resmon.core.errors import Conflict, PermissionRefused, ValidationFailed
from resmon.planning.bands import (
    AT_RISK,
    BEHIND,
    NOT_ASSESSABLE,
    ON_TRACK,
    BandRule,
    attainment,
    band,
)
from resmon.planning.models import KpiBandRule
from resmon.planning.selectors_bands import current_band_rule
from resmon.planning.services.band_rule import set_band_rule

HIGHER, LOWER = "higher", "lower"
RANK = {AT_RISK: 0, BEHIND: 1, ON_TRACK: 2}

# values as the database stores them: 16 digits before the point, 4 after
values = st.decimals(min_value=-(10**6), max_value=10**6, places=4, allow_nan=False, allow_infinity=False)
positive = st.decimals(min_value=D("0.0001"), max_value=10**6, places=4)
thresholds = st.decimals(min_value=D("0.01"), max_value=1000, places=2)


@st.composite
def rules(draw) -> BandRule:
    a = draw(thresholds)
    b = draw(thresholds)
    assume(a != b)
    return BandRule(on_track_from=max(a, b), at_risk_below=min(a, b))


# --- attainment ------------------------------------------------------------------------------------


def test_attainment_is_a_percent_of_plan_in_the_kpis_direction():
    assert attainment(D(120), D(100), HIGHER) == D("120.00")
    assert attainment(D(90), D(100), HIGHER) == D("90.00")
    # lower is better: twice the planned number of cases is half the plan
    assert attainment(D(20), D(10), LOWER) == D("50.00")
    assert attainment(D(8), D(10), LOWER) == D("125.00")


def test_attainment_is_rounded_down_so_a_shown_figure_never_crosses_a_threshold():
    # 84.9999 % is shown as 84.99 %, below 85 %: at risk, as the figure says
    assert attainment(D("84.9999"), D(100), HIGHER) == D("84.99")
    assert band(attainment(D("84.9999"), D(100), HIGHER)) == AT_RISK
    assert attainment(D(2), D(3), HIGHER) == D("66.66")


def test_attainment_with_a_plan_of_zero_or_a_missing_value():
    assert attainment(None, D(100), HIGHER) is None
    assert attainment(D(100), None, LOWER) is None
    # a plan of 0 met exactly is on plan, whichever the direction
    assert attainment(D(0), D(0), HIGHER) == D(100)
    assert attainment(D(0), D(0), LOWER) == D(100)
    # higher is better against a plan of 0: no yardstick (actual / 0)
    assert attainment(D(5), D(0), HIGHER) is None
    # lower is better: an actual of 0 divides by zero; a plan of 0 exceeded is 0 % of it
    assert attainment(D(0), D(5), LOWER) is None
    assert attainment(D(5), D(0), LOWER) == D(0)
    assert band(attainment(D(5), D(0), LOWER)) == AT_RISK


# --- band ------------------------------------------------------------------------------------------


def test_boundaries_belong_where_the_rule_text_says():
    """ "On track: from 100 %"; "at risk: below 85 %": 100 is on track, 85 is behind."""
    assert band(D(100)) == ON_TRACK
    assert band(D("99.99")) == BEHIND
    assert band(D(85)) == BEHIND
    assert band(D("84.99")) == AT_RISK
    assert band(None) == NOT_ASSESSABLE
    assert BandRule() == BandRule(D(100), D(85))


def test_the_rule_text_names_the_thresholds():
    text = BandRule(D(95), D("72.5")).text()
    assert "95%" in text and ("72.5%" in text or "72,5%" in text)


@given(rule=rules())
def test_each_threshold_is_in_the_band_the_text_gives_it(rule):
    step = D("0.01")
    assert band(rule.on_track_from, rule) == ON_TRACK
    assert band(rule.on_track_from - step, rule) == BEHIND
    assert band(rule.at_risk_below, rule) == BEHIND
    assert band(rule.at_risk_below - step, rule) == AT_RISK


@given(expected=values, a=values, b=values, direction=st.sampled_from([HIGHER, LOWER]), rule=rules())
def test_bands_are_monotone_in_the_actual_value(expected, a, b, direction, rule):
    """More is never worse when higher is better, and never better when lower is better."""
    low, high = sorted((a, b))
    band_low = band(attainment(low, expected, direction), rule)
    band_high = band(attainment(high, expected, direction), rule)
    assume(NOT_ASSESSABLE not in (band_low, band_high))
    if direction == HIGHER:
        assert RANK[band_low] <= RANK[band_high]
    else:
        assert RANK[band_low] >= RANK[band_high]


@given(value=values, direction=st.sampled_from([HIGHER, LOWER]), rule=rules())
def test_not_assessable_when_a_value_is_missing(value, direction, rule):
    assert band(attainment(None, value, direction), rule) == NOT_ASSESSABLE
    assert band(attainment(value, None, direction), rule) == NOT_ASSESSABLE


@given(actual=positive, expected=positive, direction=st.sampled_from([HIGHER, LOWER]), rule=rules())
def test_always_assessable_with_both_values_above_zero(actual, expected, direction, rule):
    assert band(attainment(actual, expected, direction), rule) != NOT_ASSESSABLE


# --- the stored thresholds: service ----------------------------------------------------------------

pytestmark_db = pytest.mark.django_db


def _state():
    return (
        list(KpiBandRule.objects.values_list("on_track_from", "at_risk_below", "version")),
        AuditEntry.objects.filter(action="planning.kpi_band_rule_set").count(),
    )


@pytestmark_db
def test_defaults_until_an_administrator_sets_the_rule(world):
    assert current_band_rule() == BandRule(D(100), D(85))
    row = set_band_rule(world.users["sysadmin"], on_track_from="95", at_risk_below="70.5")
    assert current_band_rule() == BandRule(D(95), D("70.5"))
    assert row.updated_by == world.users["sysadmin"] and row.version == 1
    entry = AuditEntry.objects.get(action="planning.kpi_band_rule_set")
    assert entry.actor_id == world.users["sysadmin"].pk
    assert entry.before == {"on_track_from": "100", "at_risk_below": "85"}
    assert entry.after == {"on_track_from": "95", "at_risk_below": "70.5"}
    set_band_rule(world.users["sysadmin"], on_track_from=D(90), at_risk_below=D(60), expected_version=1)
    assert KpiBandRule.objects.count() == 1
    last = AuditEntry.objects.filter(action="planning.kpi_band_rule_set").order_by("-pk").first()
    assert last.before == {"on_track_from": "95.00", "at_risk_below": "70.50"}
    assert last.after == {"on_track_from": "90", "at_risk_below": "60"}


@pytestmark_db
@pytest.mark.parametrize("username", ["national_leader", "hni_admin", "hni_officer", "inspector"])
def test_only_system_administrators_set_the_rule(world, username):
    before = _state()
    with pytest.raises(PermissionRefused):
        set_band_rule(world.users[username], on_track_from="90", at_risk_below="50")
    assert _state() == before


@pytestmark_db
@pytest.mark.parametrize(
    ("on_track", "at_risk", "field", "words"),
    [
        ("90", "90", "at_risk_below", "lower than on track from"),
        ("80", "90", "at_risk_below", "lower than on track from"),
        ("100", "0", "at_risk_below", "above 0"),
        ("100", "-5", "at_risk_below", "above 0"),
        ("1000.01", "85", "on_track_from", "at most 1"),
        ("100", "85.555", "at_risk_below", "2 decimal places"),
        ("abc", "85", "on_track_from", "enter a percentage"),
        ("", "85", "on_track_from", "enter a percentage"),
        ("NaN", "85", "on_track_from", "enter a percentage"),
    ],
)
def test_impossible_thresholds_are_refused_and_nothing_changes(world, on_track, at_risk, field, words):
    set_band_rule(world.users["sysadmin"], on_track_from="95", at_risk_below="80")
    before = _state()
    with pytest.raises(ValidationFailed) as exc:
        set_band_rule(world.users["sysadmin"], on_track_from=on_track, at_risk_below=at_risk)
    assert exc.value.field == field
    assert words in str(exc.value.message)
    assert _state() == before


@pytestmark_db
def test_the_highest_thresholds_allowed(world):
    set_band_rule(world.users["sysadmin"], on_track_from="1000", at_risk_below="999.99")
    assert current_band_rule() == BandRule(D(1000), D("999.99"))


@pytestmark_db
def test_a_stale_version_is_refused(world):
    admin = world.users["sysadmin"]
    set_band_rule(admin, on_track_from="95", at_risk_below="80")
    set_band_rule(admin, on_track_from="96", at_risk_below="80", expected_version=1)
    before = _state()
    with pytest.raises(Conflict):
        set_band_rule(admin, on_track_from="90", at_risk_below="50", expected_version=1)
    assert _state() == before


# --- page and API ----------------------------------------------------------------------------------


def _client(world, username):
    c = Client()
    c.force_login(world.users[username])
    return c


@pytestmark_db
def test_the_rule_page_for_administrators(world):
    c = _client(world, "sysadmin")
    url = reverse("dashboards:kpi_rule")
    page = c.get(url)
    assert page.status_code == 200
    assert 'value="100"' in page.content.decode() and 'value="85"' in page.content.decode()
    response = c.post(url, {"on_track_from": "95", "at_risk_below": "75,5", "version": "0"})
    assert response.status_code == 302
    assert current_band_rule() == BandRule(D(95), D("75.5"))
    shown = c.get(url).content.decode()
    assert "sysadmin" in shown
    # an impossible rule: the message next to the field, nothing saved
    before = _state()
    response = c.post(url, {"on_track_from": "60", "at_risk_below": "75", "version": "1"})
    assert response.status_code == 200
    assert "lower than on track from" in response.content.decode()
    assert 'data-error-for="at_risk_below"' in response.content.decode()
    assert _state() == before


@pytestmark_db
@pytest.mark.parametrize("username", ["national_leader", "hni_admin", "hni_officer"])
def test_the_rule_page_is_not_found_for_others(world, username):
    c = _client(world, username)
    url = reverse("dashboards:kpi_rule")
    before = _state()
    assert c.get(url).status_code == 404
    assert c.post(url, {"on_track_from": "95", "at_risk_below": "75"}).status_code == 404
    assert _state() == before


@pytestmark_db
def test_the_api_reads_and_sets_the_rule(world, bearer):
    anyone = bearer("hni_officer")
    body = anyone.get("/api/v1/kpi-band-rule").json()
    assert body["on_track_from"] == "100.00" and body["at_risk_below"] == "85.00"
    assert body["is_default"] is True and body["version"] == 0
    admin = bearer("sysadmin")
    response = admin.put(
        "/api/v1/kpi-band-rule",
        {"on_track_from": "90", "at_risk_below": 70, "version": 0},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["on_track_from"], body["at_risk_below"], body["version"]) == ("90.00", "70.00", 1)
    assert body["updated_by"] == "sysadmin" and "90" in body["rule"]
    assert anyone.get("/api/v1/kpi-band-rule").json()["on_track_from"] == "90.00"


@pytestmark_db
def test_the_api_refuses_others_and_impossible_rules(world, bearer):
    before = _state()
    refused = bearer("national_leader").put(
        "/api/v1/kpi-band-rule",
        {"on_track_from": "90", "at_risk_below": "70"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert refused["Content-Type"].startswith("application/problem+json")
    bad = bearer("sysadmin").put(
        "/api/v1/kpi-band-rule",
        {"on_track_from": "70", "at_risk_below": "90"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["errors"]["at_risk_below"]
    assert _state() == before
