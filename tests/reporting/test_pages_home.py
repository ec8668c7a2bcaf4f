"""The home page's "work to handle" card: the user's reports to prepare, approve, accept and
correct, and the proposals and explanation requests waiting for their answer — the same numbers
as the reports hub, each opening the list behind it, "all clear" when nothing waits; counted in a
fixed number of queries. And the left bar marks the section one is in."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resmon.reporting.services import explanations as explanation_svc
from resmon.reporting.services import proposals as proposal_svc
from resmon.reporting.services import reports as report_svc
from tests.reporting.reports_helpers import create, fill
from tests.web.helpers import assert_safe_page, login

pytestmark = pytest.mark.django_db
QUEUES = ("to_prepare", "to_approve", "to_accept", "returned")


def work(client) -> tuple[dict[str, dict], str]:
    response = client.get(reverse("web:home"))
    html = assert_safe_page(response)
    return {row["key"]: row for row in response.context["work"]}, html


def hub_tabs(client) -> dict[str, int]:
    return {key: count for key, _label, count in client.get(reverse("reporting:hub")).context["tabs"]}


def sent_with_proposal(w, proposals: int = 1):
    report = fill(w, create(w))
    for n in range(proposals):
        proposal_svc.raise_proposal(w.users["xa_ubnd_officer"], report, text=f"Đề nghị số {n + 1} của xã.")
    report = report_svc.submit_to_head(w.users["xa_ubnd_officer"], report)
    return report_svc.approve_and_send(w.users["xa_ubnd_leader"], report)


def test_the_officer_sees_the_report_to_write_and_the_question_to_answer(client, rworld):
    w = rworld
    explanation_svc.request_explanation(
        w.users["hni_leader"],
        agency=w.hni_xa_ubnd,
        question="Vì sao nhiệm vụ chậm so với kế hoạch quý I?",
        due_date=dt.date(2026, 3, 31),
        task=w.tasks["hni_xa"],
    )
    login(client, w.users["xa_ubnd_officer"])
    rows, html = work(client)
    assert set(rows) == {"to_prepare", "explanations"}  # zeros are not listed
    assert rows["to_prepare"]["count"] == hub_tabs(client)["to_prepare"] == 1  # Q1, not started yet
    assert rows["explanations"]["count"] == 1
    # each number opens its list, which holds that many items
    assert f'href="{rows["to_prepare"]["url"]}"' in html
    due = client.get(rows["to_prepare"]["url"])
    assert due.context["f"].tab == "to_prepare" and len(due.context["due"]) == 1
    listed = client.get(rows["explanations"]["url"])
    assert listed.context["rows"].paginator.count == 1
    assert 'data-work="clear"' not in html


def test_the_accepting_level_and_the_commune_see_the_same_numbers_as_the_hub(client, rworld):
    w = rworld
    sent_with_proposal(w)
    login(client, w.users["hni_leader"])
    rows, html = work(client)
    assert rows["to_accept"]["count"] == 1 and rows["proposals"]["count"] == 1
    assert "Reports to accept" in html and "Proposals awaiting your answer" in html
    proposals = client.get(rows["proposals"]["url"])
    assert proposals.context["rows"].paginator.count == 1 and proposals.context["box"] == "received"
    for name in ("hni_leader", "hni_officer", "xa_ubnd_officer", "xa_ubnd_leader", "sysadmin", "hcm_officer"):
        client.force_login(w.users[name])
        rows, _html = work(client)
        tabs = hub_tabs(client)
        for queue in QUEUES:
            assert rows.get(queue, {"count": 0})["count"] == tabs[queue], (name, queue)
    # the commune, once Thành ủy returns it: its report to correct
    report = w.tasks["hni_xa"].report_lines.get().report
    report_svc.return_report(w.users["hni_leader"], report, reason="Bổ sung số liệu tháng 3 của quý.")
    client.force_login(w.users["xa_ubnd_officer"])
    rows, _html = work(client)
    assert rows["returned"]["count"] == 1 and rows["returned"]["url"].endswith("?tab=returned")


def test_nothing_waiting_says_all_clear(client, rworld):
    login(client, rworld.users["inspector"])
    rows, html = work(client)
    assert rows == {}
    assert 'data-work="clear"' in html and "All clear" in html


def test_the_home_page_counts_in_a_fixed_number_of_queries(client, rworld, django_assert_max_num_queries):
    w = rworld
    login(client, w.users["hni_leader"])
    with CaptureQueriesContext(connection) as before:
        rows, _html = work(client)
    assert set(rows) == {"to_prepare"}  # the report on its own programme
    # more waiting (a report to accept with its proposals, a question to answer) asks no more queries
    sent_with_proposal(w, proposals=3)
    explanation_svc.request_explanation(
        w.users["national_leader"],
        agency=w.hni,
        question="Vì sao nhiệm vụ của Thành ủy chậm so với kế hoạch?",
        due_date=dt.date(2026, 3, 31),
        task=w.tasks["hni"],
    )
    with django_assert_max_num_queries(len(before.captured_queries)):
        rows, _html = work(client)
    assert (rows["to_accept"]["count"], rows["proposals"]["count"], rows["explanations"]["count"]) == (
        1,
        3,
        1,
    )
    # the whole page, the card included (and the leader's two-factor device, checked on every request)
    assert len(before.captured_queries) <= 31


@pytest.mark.parametrize(
    ("url", "section"),
    [
        ("/reports/", "Reports"),
        ("/reports/proposals/", "Reports"),
        ("/catalogue/periods/", "Reporting periods"),
        ("/catalogue/indicators/", "Indicators"),
        ("/audit/", "Audit log"),
        ("/", "Home"),
    ],
)
def test_the_left_bar_marks_the_section_one_is_in(client, rworld, url, section):
    login(client, rworld.users["sysadmin"])
    html = client.get(url).content.decode()
    sidebar = html[html.index('class="app-sidebar') : html.index("</nav>", html.index('class="app-sidebar'))]
    active = re.findall(r'class="nav-link active"[^>]*aria-current="page"><i [^>]*></i>([^<]+)</a>', sidebar)
    assert active == [section]
