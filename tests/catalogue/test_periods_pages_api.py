"""The calendar page and the /periods API: everyone signed in reads, system administrators close
and reopen; the cut-off rule is written on the page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from resmon.audit.models import AuditEntry
from resmon.catalogue import services_periods
from resmon.catalogue.models import ReportingPeriod

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 5, 20, 5, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def calendar(world):
    services_periods.generate_periods(years_ahead=1)
    return world


def client_for(world, username: str) -> Client:
    c = Client()
    c.force_login(world.users[username])
    return c


def q1() -> ReportingPeriod:
    return ReportingPeriod.objects.get(code="2026-Q1", kind="quarter")


def test_the_page_lists_this_year_with_the_rule_and_the_current_periods(calendar):
    html = client_for(calendar, "xa_officer").get(reverse("catalogue:period_list")).content.decode()
    assert "Decree 09/2019" in html or "Nghị định 09/2019" in html
    assert "Tháng 6/2026" in html and "Quý IV/2026" in html and "Năm 2026" in html
    assert "Tháng 6/2025" not in html
    assert "15/09/2026" in html and "14/12/2026" in html  # Q4 in dd/mm/yyyy
    assert "2026-M6" in html  # 20/05 lies in the month of June under the 15th-to-14th rule
    assert reverse("catalogue:period_close", args=[q1().pk]) not in html


def test_the_page_filters_by_year_kind_and_status(calendar):
    services_periods.close_period(calendar.users["sysadmin"], q1(), "Chốt số liệu quý I")
    c = client_for(calendar, "hni_officer")
    html = c.get(reverse("catalogue:period_list"), {"year": 2025, "kind": "quarter"}).content.decode()
    assert "Quý I/2025" in html and "Tháng 1/2025" not in html and "Quý I/2026" not in html
    html = c.get(reverse("catalogue:period_list"), {"year": 2026, "status": "closed"}).content.decode()
    assert "Quý I/2026" in html and "Chốt số liệu quý I" in html and "Quý II/2026" not in html
    # nonsense filters fall back to the defaults, never a 500
    assert c.get(reverse("catalogue:period_list"), {"year": "abc", "kind": "week"}).status_code == 200


def test_an_empty_calendar_says_how_to_fill_it(world):
    html = client_for(world, "sysadmin").get(reverse("catalogue:period_list")).content.decode()
    assert "generate_periods" in html


def test_a_system_admin_closes_and_reopens_from_the_page(calendar):
    c = client_for(calendar, "sysadmin")
    page = c.get(reverse("catalogue:period_list")).content.decode()
    assert reverse("catalogue:period_close", args=[q1().pk]) in page
    response = c.post(reverse("catalogue:period_close", args=[q1().pk]), {"reason": "Chốt quý I"})
    assert response.status_code == 302 and "year=2026" in response["Location"]
    assert q1().is_closed
    page = c.get(response["Location"]).content.decode()
    assert "Chốt quý I" in page and reverse("catalogue:period_reopen", args=[q1().pk]) in page
    c.post(reverse("catalogue:period_reopen", args=[q1().pk]), {"reason": "Bổ sung"})
    assert not q1().is_closed


def test_the_page_refuses_a_missing_reason_with_a_message(calendar):
    c = client_for(calendar, "sysadmin")
    response = c.post(reverse("catalogue:period_close", args=[q1().pk]), {"reason": " "}, follow=True)
    assert "Give the reason" in response.content.decode() or "lý do" in response.content.decode()
    assert not q1().is_closed and not AuditEntry.objects.filter(action="catalogue.period_closed").exists()


def test_the_page_actions_are_404_for_others(calendar):
    c = client_for(calendar, "hni_leader")
    assert c.post(reverse("catalogue:period_close", args=[q1().pk]), {"reason": "x"}).status_code == 404
    assert not q1().is_closed


# --- API


def test_api_lists_filters_and_reads_one(calendar, bearer):
    api = bearer("xa_officer")
    body = api.get("/api/v1/periods", {"year": 2026, "kind": "quarter"}).json()
    assert body["count"] == 4
    assert [p["code"] for p in body["items"]] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert body["items"][3] | {"id": 0} == {
        "id": 0,
        "kind": "quarter",
        "code": "2026-Q4",
        "label": "Quý IV/2026",
        "year": 2026,
        "index": 4,
        "start": "2026-09-15",
        "end": "2026-12-14",
        "cutoff": "decree09",
        "is_closed": False,
        "closed_at": None,
        "closed_by": None,
        "closed_reason": "",
    }
    all_2026 = api.get("/api/v1/periods", {"year": 2026, "limit": 100}).json()
    assert all_2026["count"] == 19
    assert [p["kind"] for p in all_2026["items"][:13]] == ["month"] * 12 + ["quarter"]
    one = api.get(f"/api/v1/periods/{q1().pk}").json()
    assert one["code"] == "2026-Q1"
    assert api.get("/api/v1/periods/999999").status_code == 404
    bad = api.get("/api/v1/periods", {"kind": "week"})
    assert bad.status_code == 400 and bad["Content-Type"].startswith("application/problem+json")


def test_api_close_and_reopen(calendar, bearer):
    admin = bearer("sysadmin")
    url = f"/api/v1/periods/{q1().pk}"
    missing = admin.post(f"{url}/close", {"reason": ""}, content_type="application/json")
    assert missing.status_code == 400 and "reason" in missing.json()["errors"]
    closed = admin.post(f"{url}/close", {"reason": "Chốt quý I"}, content_type="application/json")
    assert closed.status_code == 200
    assert closed.json()["is_closed"] and closed.json()["closed_by"] == "sysadmin"
    again = admin.post(f"{url}/close", {"reason": "Chốt"}, content_type="application/json")
    assert again.status_code == 400
    open_only = admin.get("/api/v1/periods", {"year": 2026, "kind": "quarter", "open": "true"}).json()
    assert [p["code"] for p in open_only["items"]] == ["2026-Q2", "2026-Q3", "2026-Q4"]
    reopened = admin.post(f"{url}/reopen", {"reason": "Bổ sung"}, content_type="application/json")
    assert reopened.status_code == 200 and not reopened.json()["is_closed"]


def test_api_close_is_403_for_others(calendar, bearer):
    response = bearer("hni_leader").post(
        f"/api/v1/periods/{q1().pk}/close", {"reason": "x"}, content_type="application/json"
    )
    assert response.status_code == 403 and not q1().is_closed
