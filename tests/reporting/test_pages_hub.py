"""The reports hub (/reports/): each user's tabs hold the right reports, the programmes due this
period offer "Start the report", creating one opens it (once, whatever the retries)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from resmon.reporting.models import PeriodReport
from resmon.reporting.services import reports as svc
from tests.reporting.helpers import quarter
from tests.reporting.reports_helpers import create, fill, sent
from tests.web.helpers import assert_safe_page

pytestmark = pytest.mark.django_db

HUB = "/reports/"


def client_for(world, name):
    c = Client()
    c.force_login(world.users[name])
    return c


def rows(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'<tr data-report="(\d+)"', html)}


def tab_count(html: str, tab: str) -> int:
    match = re.search(rf'data-tab="{tab}">[^<]*<span class="badge[^"]*">([\d.]+)</span>', html)
    assert match, tab
    return int(match.group(1).replace(".", ""))


def hub(world, user, **params) -> str:
    response = client_for(world, user).get(HUB, params)
    assert response.status_code == 200
    return assert_safe_page(response)


def test_the_officer_sees_what_is_due_and_starts_the_report(rworld):
    w = rworld
    html = hub(w, "xa_ubnd_officer")
    assert 'data-tab="to_prepare"' in html and 'aria-current="page" data-tab="to_prepare"' in html
    assert "Start the report" in html and "UBND xã Tân An" in html
    assert tab_count(html, "to_prepare") == 1  # the programme due, no report yet
    key = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', html).group(1)
    program = w.tasks["hni_xa"].program
    data = {"program": program.pk, "period": quarter().pk, "agency": w.hni_xa_ubnd.pk, "idempotency_key": key}
    c = client_for(w, "xa_ubnd_officer")
    response = c.post(reverse("reporting:new"), data)
    report = PeriodReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "reporting:detail", args=[report.pk]
    )
    assert report.agency == w.hni_xa_ubnd and report.period == quarter()
    # a double click (the same form posted again) opens the same report, it makes no second one
    again = c.post(reverse("reporting:new"), data)
    assert again["Location"] == response["Location"]
    assert PeriodReport.objects.count() == 1
    # the draft is now in the list, the due row is gone
    html = hub(w, "xa_ubnd_officer")
    assert rows(html) == {report.pk} and "Start the report" not in html


def test_starting_a_report_one_may_not_prepare_is_refused_with_the_reason(rworld):
    w = rworld
    program = w.tasks["hni_xa"].program
    data = {"program": program.pk, "period": quarter().pk, "agency": w.hni_xa_ubnd.pk, "idempotency_key": ""}
    # the inspector sees the commune but prepares nothing: the refusal is shown on the hub
    response = client_for(w, "inspector").post(reverse("reporting:new"), data, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(HUB)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not PeriodReport.objects.exists()
    # a department's officer does not even see the commune: as if it did not exist
    response = client_for(w, "hni_so_officer").post(reverse("reporting:new"), data)
    assert response.status_code == 404
    assert not PeriodReport.objects.exists()


def test_starting_a_report_on_a_programme_out_of_sight_is_a_404(rworld):
    w = rworld
    hcm_program = w.tasks["hcm"].program
    response = client_for(w, "xa_ubnd_officer").post(
        reverse("reporting:new"), {"program": hcm_program.pk, "period": quarter().pk}
    )
    assert response.status_code == 404
    assert not PeriodReport.objects.exists()


def test_each_tab_lists_the_reports_waiting_for_that_user(rworld):
    w = rworld
    report = fill(w, create(w))
    report = svc.submit_to_head(w.users["xa_ubnd_officer"], report)
    # the head of the commune's People's Committee: it waits for approval
    html = hub(w, "xa_ubnd_leader")
    assert 'aria-current="page" data-tab="to_approve"' in html  # the list that needs them now
    assert rows(html) == {report.pk} and tab_count(html, "to_approve") == 1
    assert rows(hub(w, "xa_ubnd_officer", tab="to_approve")) == set()  # officers do not approve
    report = svc.approve_and_send(w.users["xa_ubnd_leader"], report)
    # Thành ủy Hà Nội accepts it; the commune itself does not
    html = hub(w, "hni_leader", tab="to_accept")
    assert rows(html) == {report.pk} and tab_count(html, "to_accept") == 1
    assert rows(hub(w, "xa_ubnd_leader", tab="to_accept")) == set()
    assert rows(hub(w, "xa_ubnd_leader", tab="all")) == {report.pk}
    # another province sees nothing of it, in any tab
    for tab in ("to_prepare", "to_approve", "to_accept", "returned", "all"):
        assert rows(hub(w, "hcm_officer", tab=tab)) == set()
    svc.return_report(w.users["hni_leader"], report, reason="Thiếu số liệu minh chứng của quý")
    html = hub(w, "xa_ubnd_officer", tab="returned")
    assert rows(html) == {report.pk}
    assert "Returned" in html


def test_filters_narrow_the_list_and_bad_values_are_explained_not_fatal(rworld):
    w = rworld
    report = sent(w)
    html = hub(w, "hni_leader", tab="all", state="sent", period=quarter().pk, q="Tân An")
    assert rows(html) == {report.pk}
    assert rows(hub(w, "hni_leader", tab="all", state="accepted")) == set()
    assert rows(hub(w, "hni_leader", tab="all", period=quarter("2025-Q4").pk)) == set()
    html = hub(w, "hni_leader", tab="nope", state="bogus", period="abc", program="999999")
    assert "Unknown report state" in html
    assert "The chosen period does not exist" in html
    assert "The chosen programme is not one you can see" in html
    assert rows(html) == {report.pk}  # the bad filters were ignored


def test_an_empty_tab_says_so(rworld):
    html = hub(rworld, "inspector", tab="to_accept")
    assert "No report is waiting for you to accept it." in html


def test_the_review_rule_is_linked_from_the_hub_for_those_who_set_it(rworld, client):
    client.force_login(rworld.users["hni_leader"])
    assert 'href="/reports/rules/"' in client.get("/reports/").content.decode()
    client.force_login(rworld.users["xa_ubnd_officer"])
    assert 'href="/reports/rules/"' not in client.get("/reports/").content.decode()
