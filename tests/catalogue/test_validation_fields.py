"""The checks an indicator puts on reported values (valid range, decimal places, part of a whole):
set by system administrators through the services, the pages and the API, refused when they
contradict themselves, versioned like the rest of the definition."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from django.test import Client
from django.urls import reverse

from resmon.audit.models import AuditEntry
from resmon.catalogue import services
from resmon.catalogue.models import Aggregation, Indicator, IndicatorVersion
from resmon.core.errors import ValidationFailed
from resmon.demo.builder.indicators import CATALOGUE, COUNT_UNITS, value_checks
from tests.web.helpers import assert_safe_page

from .helpers import definition, make_indicator

pytestmark = pytest.mark.django_db


def counts():
    return (Indicator.objects.count(), IndicatorVersion.objects.count(), AuditEntry.objects.count())


def whole_and_part(world):
    whole = make_indicator(
        world, code="NQ66-RS-01", unit="văn bản", aggregation=Aggregation.SUM, decimal_places=0
    )
    part = make_indicator(
        world, code="NQ66-SD-01", unit="văn bản", aggregation=Aggregation.SUM, decimal_places=0, part_of=whole
    )
    return whole, part


# --- services -----------------------------------------------------------------------------------


def test_created_with_its_checks_and_audited(world):
    ind = make_indicator(world, min_value="0", max_value=D(100), decimal_places=1)
    v = ind.current
    assert (v.min_value, v.max_value, v.decimal_places, v.part_of) == (0, 100, 1, None)
    after = AuditEntry.objects.get(action="catalogue.indicator_created").after["definition"]
    assert D(after["min_value"]) == 0 and D(after["max_value"]) == 100 and after["decimal_places"] == 1


def test_defaults_are_no_limits_and_two_decimal_places(world):
    v = make_indicator(world).current
    assert (v.min_value, v.max_value, v.decimal_places, v.part_of) == (None, None, 2, None)


def test_a_part_points_at_its_whole(world):
    whole, part = whole_and_part(world)
    assert part.current.part_of == whole
    assert (
        AuditEntry.objects.filter(action="catalogue.indicator_created")
        .first()
        .after["definition"]["part_of_id"]
        == whole.pk
    )


@pytest.mark.parametrize(
    "overrides, field, words",
    [
        ({"min_value": 100, "max_value": 0}, "max_value", "below the lowest"),
        ({"min_value": "abc"}, "min_value", "must be a number"),
        ({"max_value": "1e20"}, "max_value", "too large"),
        ({"min_value": "0.00001"}, "min_value", "at most 4 decimal places"),
        ({"decimal_places": 5}, "decimal_places", "from 0 to 4"),
        ({"decimal_places": -1}, "decimal_places", "from 0 to 4"),
        ({"decimal_places": "two"}, "decimal_places", "from 0 to 4"),
    ],
)
def test_contradictory_checks_are_refused_and_nothing_saved(world, overrides, field, words):
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        make_indicator(world, **overrides)
    assert exc.value.field == field and words in str(exc.value)
    assert counts() == before


def test_a_part_must_share_its_wholes_unit(world):
    whole = make_indicator(world, code="NQ66-RS-01", unit="văn bản")
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        make_indicator(world, code="NQ66-SD-01", unit="%", part_of=whole)
    assert exc.value.field == "part_of" and "same unit" in str(exc.value) and "văn bản" in str(exc.value)
    assert counts() == before


def test_an_indicator_cannot_be_part_of_itself_or_of_its_own_part(world):
    whole, part = whole_and_part(world)
    admin = world.users["sysadmin"]
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        services.revise_indicator(admin, part, change_note="Sai", part_of=part)
    assert exc.value.field == "part_of" and "part of itself" in str(exc.value)
    with pytest.raises(ValidationFailed) as exc:
        services.revise_indicator(admin, whole, change_note="Vòng", part_of=part)
    assert exc.value.field == "part_of" and "already part of" in str(exc.value)
    assert counts() == before


def test_a_new_version_changes_the_checks_and_keeps_the_old_ones(world):
    ind = make_indicator(world, min_value=0, max_value=100)
    v2 = services.revise_indicator(
        world.users["sysadmin"], ind, change_note="Bỏ giới hạn trên", max_value=None, decimal_places=1
    )
    assert (v2.version, v2.min_value, v2.max_value, v2.decimal_places) == (2, 0, None, 1)
    assert IndicatorVersion.objects.get(indicator=ind, version=1).max_value == 100
    entry = AuditEntry.objects.get(action="catalogue.indicator_revised")
    assert D(entry.before["max_value"]) == 100 and entry.after["max_value"] is None
    # not giving decimal places keeps them; changing nothing makes no version
    with pytest.raises(ValidationFailed) as exc:
        services.revise_indicator(world.users["sysadmin"], ind, change_note="Không đổi", decimal_places=None)
    assert "Nothing in the definition changed" in str(exc.value)


# --- pages ------------------------------------------------------------------------------------


def admin_client(world):
    c = Client()
    c.force_login(world.users["sysadmin"])
    return c


def form_data(world, **overrides):
    data = {k: v for k, v in definition(world).items() if k != "owner_agency"}
    data |= {"owner_agency": world.bo_khcn.pk, "min_value": "0", "max_value": "100", "decimal_places": "1"}
    data.update(overrides)
    return data


def test_the_form_sets_the_checks_and_the_page_shows_them(world):
    whole = make_indicator(world, code="NQ66-RS-01", unit="%")
    c = admin_client(world)
    form = assert_safe_page(c.get(reverse("catalogue:indicator_create")))
    assert "Checks on reported values" in form and 'name="part_of"' in form
    response = c.post(reverse("catalogue:indicator_create"), form_data(world, part_of=whole.pk))
    assert response.status_code == 302
    ind = Indicator.objects.get(code="NQ57-DVC-01")
    assert (ind.current.min_value, ind.current.max_value, ind.current.decimal_places) == (0, 100, 1)
    assert ind.current.part_of == whole
    html = assert_safe_page(c.get(reverse("catalogue:indicator_detail", args=[ind.pk])))
    assert "from 0 to 100 %" in html and "up to 1 decimal place" in html and "NQ66-RS-01" in html
    revise = assert_safe_page(c.get(reverse("catalogue:indicator_revise", args=[ind.pk])))
    assert 'name="max_value" value="100"' in revise  # the form starts from the current checks


def test_the_form_shows_a_contradiction_next_to_the_field_and_saves_nothing(world):
    c = admin_client(world)
    before = counts()
    response = c.post(reverse("catalogue:indicator_create"), form_data(world, min_value="50", max_value="10"))
    html = assert_safe_page(response)
    assert "below the lowest" in html and "is-invalid" in html
    assert counts() == before


def test_a_count_page_says_whole_numbers(world):
    ind = make_indicator(world, unit="văn bản", decimal_places=0, min_value=0)
    c = Client()
    c.force_login(world.users["xa_officer"])  # everyone reads the catalogue
    html = assert_safe_page(c.get(reverse("catalogue:indicator_detail", args=[ind.pk])))
    assert "at least 0 văn bản" in html and "whole numbers" in html


# --- API --------------------------------------------------------------------------------------


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def api_body(world, **overrides):
    data = {k: v for k, v in definition(world).items() if k != "owner_agency"}
    data["owner_agency"] = world.bo_khcn.pk
    data.update(overrides)
    return data


def test_the_api_sets_and_shows_the_checks(world, bearer):
    whole = make_indicator(world, code="NQ66-RS-01", unit="%")
    c = bearer("sysadmin")
    response = post(
        c,
        "/api/v1/indicators",
        api_body(world, min_value="0", max_value=100, decimal_places=1, part_of=whole.pk),
    )
    assert response.status_code == 201, response.json()
    current = response.json()["current"]
    assert (current["min_value"], current["max_value"], current["decimal_places"]) == ("0", "100", 1)
    assert current["part_of"] == {"id": whole.pk, "code": "NQ66-RS-01"}
    ind_id = response.json()["id"]
    revised = post(c, f"/api/v1/indicators/{ind_id}/versions", {"change_note": "Bỏ trần", "max_value": None})
    assert revised.status_code == 201, revised.json()
    assert revised.json()["current"]["max_value"] is None and revised.json()["current"]["decimal_places"] == 1
    listed = bearer("xa_officer").get("/api/v1/indicators?q=NQ57").json()["items"][0]["current"]
    assert listed["min_value"] == "0" and listed["part_of"]["code"] == "NQ66-RS-01"


def test_the_api_refuses_contradictions_naming_the_field(world, bearer):
    c = bearer("sysadmin")
    before = counts()
    bad = post(c, "/api/v1/indicators", api_body(world, min_value=10, max_value=5))
    assert bad.status_code == 400 and bad["Content-Type"].startswith("application/problem+json")
    assert "max_value" in bad.json()["errors"]
    missing = post(c, "/api/v1/indicators", api_body(world, part_of=999999))
    assert missing.status_code == 400 and "part_of" in missing.json()["errors"]
    places = post(c, "/api/v1/indicators", api_body(world, decimal_places=9))
    assert places.status_code == 400 and "decimal_places" in places.json()["errors"]
    assert counts() == before


# --- demo catalogue -----------------------------------------------------------------------------


def test_demo_indicators_have_sensible_checks():
    by_code = {s.code: s for s in CATALOGUE}
    for spec in CATALOGUE:
        checks = value_checks(spec)
        assert checks["min_value"] == 0
        if spec.unit.startswith("%"):
            assert checks["max_value"] == 100
        if spec.unit in COUNT_UNITS:
            assert checks["decimal_places"] == 0
        if spec.part_of:
            assert by_code[spec.part_of].unit == spec.unit
    assert value_checks(by_code["NQ57-DVC-01"])["max_value"] == 100
    assert value_checks(by_code["NQ72-GB-01"])["decimal_places"] == 0
    assert [(s.code, s.part_of) for s in CATALOGUE if s.part_of] == [("NQ66-SD-01", "NQ66-RS-01")]
