"""KPI and deadline-extension pages: the task page sections, the forms, the list of requests to decide."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from resmon.planning.models import DeadlineExtension, TaskIndicator
from tests.web.helpers import assert_safe_page

from .kpi_helpers import extension, indicator, kpi

D = dt.date
pytestmark = pytest.mark.django_db


def client_for(world, name):
    c = Client()
    c.force_login(world.users[name])
    return c


def task_page(world, user, key):
    return client_for(world, user).get(reverse("web:task_detail", args=[world.tasks[key].pk]))


@time_machine.travel(dt.datetime(2025, 7, 2, 3, 0, tzinfo=dt.UTC))
def test_task_page_shows_the_trajectory_and_expected_value(world):
    ind = indicator(world.bo_khcn)
    kpi(world.tasks["hni"], ind, targets=[(D(2025, 12, 31), "60"), (D(2026, 12, 31), "80")])
    response = task_page(world, "hni_officer", "hni")
    html = assert_safe_page(response)
    assert "NQ57-DVC-01" in html and "31/12/2025" in html
    assert "Expected today" in html and "50,00" in html.replace(".", ",")  # halfway from 40 to 60
    assert reverse("planning:kpi_new", args=[world.tasks["hni"].pk]) in html
    inspector_html = task_page(world, "inspector", "hni").content.decode()
    assert "NQ57-DVC-01" in inspector_html
    assert reverse("planning:kpi_new", args=[world.tasks["hni"].pk]) not in inspector_html


def post_kpi(world, user, url, rows, **fields):
    data = {
        "targets-TOTAL_FORMS": str(len(rows)),
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "100",
        "baseline_value": "40",
        "baseline_date": "2025-01-01",
        "criterion": "",
        **fields,
    }
    for i, (on, value) in enumerate(rows):
        data[f"targets-{i}-on"] = on
        data[f"targets-{i}-value"] = value
    return client_for(world, user).post(url, data)


def test_add_a_kpi_through_the_form(world):
    ind = indicator(world.bo_khcn)
    url = reverse("planning:kpi_new", args=[world.tasks["hni_xa"].pk])
    page = client_for(world, "xa_officer").get(url + "?q=DVC")
    assert "NQ57-DVC-01" in assert_safe_page(page)
    response = post_kpi(
        world,
        "xa_officer",
        url,
        [("2025-12-31", "60"), ("31/12/2026", "80,5"), ("", "")],
        indicator=str(ind.pk),
    )
    assert response.status_code == 200  # "80,5" is not a number the service accepts
    assert "Target row 2: enter a number" in response.content.decode()
    assert not TaskIndicator.objects.exists()
    response = post_kpi(
        world,
        "xa_officer",
        url,
        [("2025-12-31", "60"), ("31/12/2026", "80.5"), ("", "")],
        indicator=str(ind.pk),
    )
    assert response.status_code == 302 and response["Location"].endswith("#kpis")
    k = TaskIndicator.objects.get()
    assert [str(t.value) for t in k.targets.all()] == ["60.0000", "80.5000"]


def test_bad_rows_are_named_and_nothing_is_saved(world):
    ind = indicator(world.bo_khcn)
    url = reverse("planning:kpi_new", args=[world.tasks["hni_xa"].pk])
    response = post_kpi(
        world, "xa_officer", url, [("2026-12-31", "60"), ("2026-01-31", "80")], indicator=str(ind.pk)
    )
    assert response.status_code == 200
    assert "Target row 2: the date 31/01/2026 must be after the previous row" in response.content.decode()
    assert not TaskIndicator.objects.exists()


def test_edit_and_remove(world):
    ind = indicator(world.bo_khcn)
    k = kpi(world.tasks["hni"], ind)
    url = reverse("planning:kpi_edit", args=[k.pk])
    assert 'value="31/12/2026"' in client_for(world, "hni_leader").get(url).content.decode()
    response = post_kpi(world, "hni_leader", url, [("2027-06-30", "95")])
    assert response.status_code == 302
    assert [t.on for t in k.targets.all()] == [D(2027, 6, 30)]
    assert client_for(world, "inspector").post(reverse("planning:kpi_delete", args=[k.pk])).status_code == 404
    assert (
        client_for(world, "hni_officer").post(reverse("planning:kpi_delete", args=[k.pk])).status_code == 302
    )
    assert not TaskIndicator.objects.exists()


@pytest.mark.parametrize(("user", "status"), [("hcm_officer", 404), ("inspector", 404), ("xa2_officer", 404)])
def test_kpi_pages_outside_scope_or_rights_are_404(world, user, status):
    k = kpi(world.tasks["hni_xa"], indicator(world.bo_khcn))
    c = client_for(world, user)
    assert c.get(reverse("planning:kpi_new", args=[world.tasks["hni_xa"].pk])).status_code == status
    assert c.get(reverse("planning:kpi_edit", args=[k.pk])).status_code == status


def test_extension_round_trip_on_the_pages(world):
    task = world.tasks["hni_xa"]  # due 30/09/2026
    html = task_page(world, "xa_officer", "hni_xa").content.decode()
    assert "Request extension" in html
    url = reverse("planning:extension_request", args=[task.pk])
    bad = client_for(world, "xa_officer").post(
        url, {"proposed_due_date": "2026-09-01", "reason": "Thiếu kinh phí"}
    )
    assert bad.status_code == 200 and "after the current deadline, 30/09/2026" in bad.content.decode()
    assert not DeadlineExtension.objects.exists()
    ok = client_for(world, "xa_officer").post(
        url, {"proposed_due_date": "2026-12-31", "reason": "Thiếu kinh phí"}
    )
    assert ok.status_code == 302
    ext = DeadlineExtension.objects.get()
    # the assigning level sees it on the home page, in its list and on the task page
    leader = client_for(world, "hni_leader")
    assert reverse("planning:extension_list") in leader.get(reverse("web:home")).content.decode()
    assert "Thiếu kinh phí" in assert_safe_page(leader.get(reverse("planning:extension_list")))
    assert "Grant" in leader.get(reverse("web:task_detail", args=[task.pk])).content.decode()
    assert "Grant" not in task_page(world, "xa_officer", "hni_xa").content.decode()
    detail = reverse("planning:extension_detail", args=[ext.pk])
    refused = leader.post(detail, {"decision": "refuse", "note": ""})
    assert refused.status_code == 200 and "reason for refusing" in refused.content.decode()
    assert client_for(world, "xa_officer").post(detail, {"decision": "grant"}).status_code == 404
    assert leader.post(detail, {"decision": "grant", "note": "Đồng ý"}).status_code == 302
    html = task_page(world, "xa_officer", "hni_xa").content.decode()
    assert "31/12/2026" in html and "30/09/2026" in html and "Granted" in html
    assert "No request is waiting" in leader.get(reverse("planning:extension_list")).content.decode()


def test_withdraw_from_the_page(world):
    ext = extension(world.tasks["hni_xa"], world.users["xa_officer"])
    url = reverse("planning:extension_withdraw", args=[ext.pk])
    assert client_for(world, "hni_leader").post(url).status_code == 404
    assert client_for(world, "xa_officer").post(url).status_code == 302
    assert not DeadlineExtension.objects.exists()


def test_extension_pages_outside_scope_are_404(world):
    ext = extension(world.tasks["hni_xa"], world.users["xa_officer"])
    assert (
        client_for(world, "hcm_officer").get(reverse("planning:extension_detail", args=[ext.pk])).status_code
        == 404
    )
    assert (
        client_for(world, "inspector").get(reverse("planning:extension_detail", args=[ext.pk])).status_code
        == 200
    )
    url = reverse("planning:extension_request", args=[world.tasks["hni_xa"].pk])
    assert client_for(world, "inspector").get(url).status_code == 404
