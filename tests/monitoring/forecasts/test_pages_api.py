"""What people see: the forecast panel on the task page, the list of tasks most at risk, and the
same in the API; scoped like the tasks themselves (another province's task is a 404)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import lxml.html
import pytest
from django.test import Client
from django.urls import reverse

from resmon.core.errors import NotFound
from resmon.monitoring.forecasts import selectors
from resmon.monitoring.forecasts.models import KpiForecast, Method
from resmon.planning.models import Task
from resmon.planning.status import TaskState
from tests import factories
from tests.monitoring.forecasts.helpers import cached
from tests.planning.kpi_helpers import indicator, kpi

pytestmark = pytest.mark.django_db


def client_for(world, username: str) -> Client:
    c = Client()
    c.force_login(world.users[username])
    return c


def doc(response):
    assert response.status_code == 200, response.status_code
    return lxml.html.fromstring(response.content.decode())


def text(node) -> str:
    return " ".join(node.text_content().split())


@pytest.fixture
def risky(world):
    """Forecasts cached for four Hà Nội tasks and one of Hồ Chí Minh City."""
    t = world.tasks
    Task.objects.filter(pk=t["hni_xa"].pk).update(due_date=dt.date(2026, 9, 30))
    cached(
        t["hni_xa"], p_miss=Decimal("0.8731"), projected_on=dt.date(2026, 12, 1),
        low_on=dt.date(2026, 10, 2), high_on=dt.date(2027, 3, 5), rate=Decimal("4.5"),
        last_report_on=dt.date(2025, 12, 14), last_percent=Decimal(40),
    )  # fmt: skip
    cached(t["hni_so"], p_miss=Decimal("0.55"), projected_on=dt.date(2026, 4, 20))
    cached(t["hni"], method=Method.ROLLUP, p_miss=Decimal("0.8731"), projected_on=dt.date(2026, 12, 1))
    cached(t["ministry_coord"], p_miss=Decimal("0.2"), projected_on=dt.date(2026, 5, 1))
    cached(t["hcm"], p_miss=Decimal("0.99"), projected_on=dt.date(2027, 6, 1))
    return world


# --- selectors ----------------------------------------------------------------------------------


def test_another_provinces_task_forecast_is_not_found(risky):
    w = risky
    assert selectors.task_forecast(w.users["hni_officer"], w.tasks["hni_xa"]).p_miss == Decimal("0.8731")
    with pytest.raises(NotFound):
        selectors.task_forecast(w.users["hcm_officer"], w.tasks["hni_xa"])
    with pytest.raises(NotFound):
        selectors.kpi_forecasts(w.users["hcm_officer"], w.tasks["hni_xa"])


def test_at_risk_is_scoped_filtered_and_ordered(risky):
    w, t = risky, risky.tasks
    hni = [f.task_id for f in selectors.at_risk(w.users["hni_officer"])]
    # P(miss) >= 0.5 only, likeliest first; the two at 0.8731 by their deadlines (the parent's
    # 30/06/2026 before the commune's 30/09/2026)
    assert hni == [t["hni"].pk, t["hni_xa"].pk, t["hni_so"].pk]
    everyone = [f.task_id for f in selectors.at_risk(w.users["national_leader"])]
    assert everyone[0] == t["hcm"].pk and t["ministry_coord"].pk not in everyone
    assert [f.task_id for f in selectors.at_risk(w.users["national_leader"], agency=w.hni_xa)] == [
        t["hni_xa"].pk
    ]
    assert not selectors.at_risk(w.users["national_leader"], resolution=w.res2).exists()
    Task.objects.filter(pk=t["hni_so"].pk).update(completed_on=dt.date(2026, 3, 1))
    assert t["hni_so"].pk not in [f.task_id for f in selectors.at_risk(w.users["hni_officer"])]


# --- the task page ------------------------------------------------------------------------------


def test_the_task_page_shows_the_forecast(risky):
    w = risky
    d = doc(client_for(w, "hni_officer").get(reverse("web:task_detail", args=[w.tasks["hni_xa"].pk])))
    (panel,) = d.xpath("//section[@data-forecast]")
    assert panel.xpath(".//*[@data-state='forecast']")
    assert text(panel.xpath(".//*[@data-projected]")[0]) == "01/12/2026"
    assert text(panel.xpath(".//*[@data-interval]")[0]) == "80% likely between 02/10/2026 and 05/03/2027"
    risk = panel.xpath(".//*[@data-p-miss]")[0]
    assert risk.get("data-p-miss") == "87"
    assert "87%" in text(risk) and "very likely to miss the deadline" in text(risk)
    assert "after the deadline" in text(panel)
    assert "Exponential smoothing" not in text(panel) and "Linear trend" in text(panel)
    assert "from 3 accepted reports" in text(panel) and "40% on" in text(panel)
    assert panel.xpath(".//a[@href=$u]", u=reverse("forecasts:at_risk"))


def test_the_panel_says_when_there_is_not_enough_data(risky):
    w = risky
    cached(w.tasks["hni_xa"], method=Method.INSUFFICIENT, points=0, p_miss=None, projected_on=None)
    c = client_for(w, "hni_officer")
    panel = doc(c.get(reverse("web:task_detail", args=[w.tasks["hni_xa"].pk]))).xpath(
        "//section[@data-forecast]"
    )[0]
    assert panel.xpath(".//*[@data-state='insufficient']")
    assert "Not enough data to forecast" in text(panel)
    assert not panel.xpath(".//*[@data-p-miss]")

    cached(w.tasks["hni_xa"], method=Method.DONE, projected_on=dt.date(2026, 2, 1), p_miss=Decimal(0))
    Task.objects.filter(pk=w.tasks["hni_xa"].pk).update(completed_on=dt.date(2026, 2, 1))
    panel = doc(c.get(reverse("web:task_detail", args=[w.tasks["hni_xa"].pk]))).xpath(
        "//section[@data-forecast]"
    )[0]
    assert panel.xpath(".//*[@data-state='done']")

    Task.objects.filter(pk=w.tasks["hni_so"].pk).update(state=TaskState.PAUSED, state_reason="Chờ")
    panel = doc(c.get(reverse("web:task_detail", args=[w.tasks["hni_so"].pk]))).xpath(
        "//section[@data-forecast]"
    )[0]
    assert panel.xpath(".//*[@data-state='inactive']")

    pending = factories.task(w.tasks["hni"].program, w.hni_xa2, assigned_by=w.hni, code="9")
    panel = doc(c.get(reverse("web:task_detail", args=[pending.pk]))).xpath("//section[@data-forecast]")[0]
    assert panel.xpath(".//*[@data-state='pending']")


def test_the_panel_shows_kpis_against_their_targets(risky):
    w = risky
    k = kpi(w.tasks["hni_xa"], indicator(w.bo_khcn), targets=((dt.date(2026, 12, 31), "80"),))
    KpiForecast.objects.create(
        kpi=k, as_of=dt.date(2026, 3, 17), method=Method.LINEAR, points=4, target_date=dt.date(2026, 12, 31),
        target_value=Decimal(80), projected_value=Decimal("75.2"), low_value=Decimal("70.1"),
        high_value=Decimal("80.3"), p_miss=Decimal("0.83"),
        computed_at=dt.datetime(2026, 3, 17, tzinfo=dt.UTC),
    )  # fmt: skip
    d = doc(client_for(w, "hni_officer").get(reverse("web:task_detail", args=[w.tasks["hni_xa"].pk])))
    (row,) = d.xpath("//table[@data-table='kpi-forecasts']/tbody/tr")
    assert "75.20" in text(row) and "70.10 – 80.30" in text(row)
    assert "83%" in text(row) and "very likely to miss the target" in text(row)


# --- the at-risk page ---------------------------------------------------------------------------


def test_the_at_risk_page_lists_the_scope(risky):
    w, t = risky, risky.tasks
    d = doc(client_for(w, "hni_officer").get(reverse("forecasts:at_risk")))
    rows = d.xpath("//table[@data-table='at-risk']/tbody/tr")
    assert [int(r.get("data-task")) for r in rows] == [t["hni"].pk, t["hni_xa"].pk, t["hni_so"].pk]
    assert rows[1].xpath(".//a/@href")[0] == reverse("web:task_detail", args=[t["hni_xa"].pk]) + "#forecast"
    assert "87%" in text(rows[1])
    assert "3 tasks at risk" in text(d.xpath("//caption")[0])
    # filters: an agency subtree, a resolution; a bad one is explained and ignored
    d = doc(client_for(w, "hni_officer").get(reverse("forecasts:at_risk"), {"agency": w.hni_xa.pk}))
    assert [int(r.get("data-task")) for r in d.xpath("//table[@data-table='at-risk']/tbody/tr")] == [
        t["hni_xa"].pk
    ]
    d = doc(client_for(w, "hni_officer").get(reverse("forecasts:at_risk"), {"resolution": w.res2.pk}))
    assert d.xpath("//*[@data-empty]") and "No task matches these filters." in text(d)
    d = doc(client_for(w, "hni_officer").get(reverse("forecasts:at_risk"), {"agency": w.hcm.pk}))
    assert "not one you can see" in text(d) and len(d.xpath("//table[@data-table='at-risk']/tbody/tr")) == 3
    d = doc(client_for(w, "hni_officer").get(reverse("forecasts:at_risk"), {"agency_q": "Tân An"}))
    assert "Several agencies match" in text(d) or d.xpath("//table[@data-table='at-risk']/tbody/tr")
    d = doc(client_for(w, "hcm_officer").get(reverse("forecasts:at_risk"), {"page": "x"}))
    assert [int(r.get("data-task")) for r in d.xpath("//table[@data-table='at-risk']/tbody/tr")] == [
        t["hcm"].pk
    ]


def test_the_at_risk_page_paginates_by_fifty(risky):
    w = risky
    program = w.tasks["hni"].program
    for i in range(55):
        extra = factories.task(
            program, w.hni_xa2, assigned_by=w.hni, code=f"5.{i}", due_date=dt.date(2026, 12, 31)
        )
        cached(extra, p_miss=Decimal("0.6"))
    c = client_for(w, "hni_leader")
    first = doc(c.get(reverse("forecasts:at_risk")))
    assert len(first.xpath("//table[@data-table='at-risk']/tbody/tr")) == 50
    second = doc(c.get(reverse("forecasts:at_risk"), {"page": 2}))
    assert len(second.xpath("//table[@data-table='at-risk']/tbody/tr")) == 58 - 50


# --- the API ------------------------------------------------------------------------------------


def test_api_task_forecast(risky, bearer):
    w = risky
    body = bearer("hni_officer").get(f"/api/v1/tasks/{w.tasks['hni_xa'].pk}/forecast").json()
    f = body["task"]
    assert (f["method"], f["points"], f["p_miss"], f["projected_on"]) == ("linear", 3, "0.8731", "2026-12-01")
    assert (f["low_on"], f["high_on"], f["rate_per_30_days"], f["due_date"]) == (
        "2026-10-02",
        "2027-03-05",
        "4.5",
        "2026-09-30",
    )
    assert body["kpis"] == []
    gone = bearer("hcm_officer").get(f"/api/v1/tasks/{w.tasks['hni_xa'].pk}/forecast")
    assert gone.status_code == 404 and gone["Content-Type"].startswith("application/problem+json")
    missing = bearer("hni_officer").get(f"/api/v1/tasks/{w.tasks['hni_xa'].pk + 10**6}/forecast")
    assert missing.status_code == 404
    fresh = factories.task(w.tasks["hni"].program, w.hni_xa2, assigned_by=w.hni, code="8")
    body = bearer("hni_officer").get(f"/api/v1/tasks/{fresh.pk}/forecast").json()
    assert body["task"]["method"] is None and body["task"]["as_of"] is None  # not computed yet


def test_api_at_risk(risky, bearer):
    w, t = risky, risky.tasks
    api = bearer("hni_officer")
    body = api.get("/api/v1/forecasts/at-risk").json()
    assert body["count"] == 3 and [i["id"] for i in body["items"]] == [
        t["hni"].pk,
        t["hni_xa"].pk,
        t["hni_so"].pk,
    ]
    assert (
        body["items"][1]["p_miss"] == "0.8731" and body["items"][1]["lead_agency"]["id"] == w.hni_xa_ubnd.pk
    )
    assert [i["id"] for i in api.get("/api/v1/forecasts/at-risk?limit=2&page=2").json()["items"]] == [
        t["hni_so"].pk
    ]
    assert api.get(f"/api/v1/forecasts/at-risk?agency={w.hni_xa.pk}").json()["count"] == 1
    assert api.get(f"/api/v1/forecasts/at-risk?agency={w.hcm.pk}").status_code == 404
    assert api.get(f"/api/v1/forecasts/at-risk?resolution={w.res2.pk}").json()["count"] == 0
    bad = api.get("/api/v1/forecasts/at-risk?page=0")
    assert bad.status_code == 400 and "page" in str(bad.json().get("errors"))
