"""The catalogue API: lists for everyone, writes for system administrators, problem+json errors."""

from __future__ import annotations

import json

import pytest

from resmon.catalogue.models import Indicator, IndicatorVersion

from .helpers import make_indicator

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def body(world, **overrides):
    data = {
        "code": "NQ68-DN-02",
        "name": "Số doanh nghiệp thành lập mới",
        "definition": "Số doanh nghiệp đăng ký thành lập mới trong kỳ.",
        "unit": "doanh nghiệp",
        "direction": "higher",
        "aggregation": "sum",
        "frequency": "quarter",
        "owner_agency": world.bo_khcn.pk,
        "resolution_hint": "68-NQ/TW",
    }
    data.update(overrides)
    return data


def test_list_and_filters(world, bearer):
    make_indicator(world)
    make_indicator(
        world, code="NQ72-CTT-01", name="Chi tiền túi", direction="lower", resolution_hint="72-NQ/TW"
    )
    c = bearer("xa_officer")
    data = c.get("/api/v1/indicators").json()
    assert data["count"] == 2
    assert [i["code"] for i in data["items"]] == ["NQ57-DVC-01", "NQ72-CTT-01"]
    assert data["items"][0]["current"]["owner_agency"]["code"] == "BKHCN"
    assert c.get("/api/v1/indicators?direction=lower").json()["count"] == 1
    assert c.get("/api/v1/indicators?resolution=72-NQ/TW").json()["count"] == 1
    assert c.get("/api/v1/indicators?q=tiền túi&limit=1").json()["items"][0]["code"] == "NQ72-CTT-01"
    bad = c.get("/api/v1/indicators?direction=sideways")
    assert bad.status_code == 400 and bad["Content-Type"].startswith("application/problem+json")


def test_detail_and_404(world, bearer):
    ind = make_indicator(world)
    c = bearer("hcm_officer")
    data = c.get(f"/api/v1/indicators/{ind.pk}").json()
    assert data["code"] == "NQ57-DVC-01" and [v["version"] for v in data["versions"]] == [1]
    missing = c.get("/api/v1/indicators/999999")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_create_by_system_admin(world, bearer):
    response = post(bearer("sysadmin"), "/api/v1/indicators", body(world))
    assert response.status_code == 201, response.content
    assert response.json()["current"]["version"] == 1
    assert Indicator.objects.filter(code="NQ68-DN-02").exists()


@pytest.mark.parametrize("who", ["hni_admin", "national_leader", "ministry_officer"])
def test_writes_are_403_for_others(world, bearer, who):
    ind = make_indicator(world)
    c = bearer(who)
    created = post(c, "/api/v1/indicators", body(world))
    assert created.status_code == 403 and created.json()["code"] == "permission_refused"
    revised = post(c, f"/api/v1/indicators/{ind.pk}/versions", {"change_note": "x", "unit": "‰"})
    assert revised.status_code == 403
    assert Indicator.objects.count() == 1 and IndicatorVersion.objects.count() == 1


def test_bad_input_is_a_problem_naming_the_field(world, bearer):
    make_indicator(world)
    c = bearer("sysadmin")
    dup = post(c, "/api/v1/indicators", body(world, code="nq57-dvc-01"))
    assert dup.status_code == 400
    assert dup["Content-Type"].startswith("application/problem+json")
    assert "code" in dup.json()["errors"]
    no_agency = post(c, "/api/v1/indicators", body(world, owner_agency=2**63 - 1))
    assert no_agency.status_code == 400 and "owner_agency" in no_agency.json()["errors"]
    ratio = post(c, "/api/v1/indicators", body(world, aggregation="ratio"))
    assert ratio.status_code == 400 and "numerator" in ratio.json()["errors"]
    assert Indicator.objects.count() == 1


def test_new_version(world, bearer):
    ind = make_indicator(world)
    c = bearer("sysadmin")
    url = f"/api/v1/indicators/{ind.pk}/versions"
    response = post(c, url, {"change_note": "Đổi tần suất", "frequency": "month", "expected_version": 1})
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["current"]["version"] == 2 and data["current"]["frequency"] == "month"
    assert [v["version"] for v in data["versions"]] == [2, 1]
    assert data["versions"][1]["frequency"] == "quarter"
    stale = post(c, url, {"change_note": "Cũ", "unit": "‰", "expected_version": 1})
    assert stale.status_code == 409
    assert post(c, "/api/v1/indicators/999999/versions", {"change_note": "x"}).status_code == 404
