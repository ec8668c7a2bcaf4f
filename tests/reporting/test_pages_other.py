"""The pages around the reports: completeness, proposals, explanation requests, the review rule,
and the "Progress reports" section of the task page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from resmon.planning.models import ActionProgram
from resmon.reporting.models import ExplanationRequest, Proposal, ReviewRule
from resmon.reporting.services import explanations as explanation_services
from resmon.reporting.services import proposals as proposal_services
from tests.reporting.helpers import AFTER_DUE, quarter
from tests.reporting.page_helpers import client_for, report_url
from tests.reporting.reports_helpers import create, fresh, sent
from tests.web.helpers import assert_safe_page

pytestmark = pytest.mark.django_db


def figure(html: str, name: str) -> int:
    match = re.search(rf'data-figure="{name}"[^>]*>([\d.]+)<', html)
    assert match, name
    return int(match.group(1).replace(".", ""))


# --- completeness ---------------------------------------------------------------------------------


def test_completeness_counts_drill_down_and_lists_the_missing_reports(rworld):
    w = rworld
    ActionProgram.objects.update(status=ActionProgram.Status.ISSUED, issued_on=dt.date(2025, 6, 1))
    report = sent(w)
    with time_machine.travel(AFTER_DUE, tick=False):
        c = client_for(w, "hni_leader")
        html = assert_safe_page(c.get(reverse("reporting:completeness"), {"period": quarter().pk}))
        # Hà Nội's programme expects reports from its People's Committee, the department and the commune
        assert (
            figure(html, "expected") == 3 and figure(html, "received") == 1 and figure(html, "missing") == 2
        )
        assert f'href="/reports/?tab=all&amp;period={quarter().pk}&amp;agency={w.hni.pk}"' in html
        missing = set(re.findall(r'data-missing="(\d+)-\d+"', html))
        assert missing == {str(w.hni_ubnd.pk), str(w.hni_so.pk)}
        assert f'data-agency="{w.hni_ubnd.pk}"' in html
        # drill down into the People's Committee: the department's missing report, not the commune's
        html = c.get(
            reverse("reporting:completeness"), {"period": quarter().pk, "agency": w.hni_ubnd.pk}
        ).content.decode()
        assert figure(html, "expected") == 2 and figure(html, "received") == 0
        assert ">Thành ủy Hà Nội</a>" in html  # the breadcrumb back up
        # another province: a 404, as if it did not exist
        assert c.get(reverse("reporting:completeness"), {"agency": w.hcm.pk}).status_code == 404
        # the commune sees only its own figures
        html = client_for(w, "xa_ubnd_officer").get(reverse("reporting:completeness")).content.decode()
        assert figure(html, "expected") == 1 and figure(html, "received") == 1
    assert report.pk


def test_completeness_defaults_to_the_latest_quarter_due(rworld):
    w = rworld
    with time_machine.travel(AFTER_DUE, tick=False):
        response = client_for(w, "hni_leader").get(reverse("reporting:completeness"), {"period": "nonsense"})
    assert response.status_code == 200
    assert response.context["period"] == quarter("2026-Q1")
    assert "The chosen period does not exist" in response.content.decode()


# --- proposals ------------------------------------------------------------------------------------


def test_a_proposal_raised_in_the_report_reaches_the_accepting_level_once_sent(rworld):
    w = rworld
    report = create(w)
    c = client_for(w, "xa_ubnd_officer")
    response = c.post(
        reverse("reporting:proposal_raise", args=[report.pk]),
        {"proposal-text": "", "proposal-version": fresh(report).version},
    )
    assert response.status_code == 200 and "text" in response.context["proposal_form"].errors
    assert not Proposal.objects.exists()
    response = c.post(
        reverse("reporting:proposal_raise", args=[report.pk]),
        {
            "proposal-text": "Đề nghị bổ sung kinh phí chuyển đổi số",
            "proposal-version": fresh(report).version,
        },
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.addressed_to == w.hni
    # not sent yet: Thành ủy Hà Nội does not see it in its box
    hni = client_for(w, "hni_leader")
    assert "Đề nghị bổ sung" not in hni.get(reverse("reporting:proposal_list")).content.decode()
    sent(w, fresh(report))
    html = assert_safe_page(hni.get(reverse("reporting:proposal_list")))
    assert "Đề nghị bổ sung kinh phí" in html
    hub = hni.get(reverse("reporting:hub")).content.decode()
    assert re.search(r'title="Awaiting your answer">1</span>', hub)  # the hub counts it
    # the addressee answers; the raising side sees no answer form
    detail = reverse("reporting:proposal_detail", args=[proposal.pk])
    assert 'data-action="answer"' in hni.get(detail).content.decode()
    assert 'data-action="answer"' not in c.get(detail).content.decode()
    response = hni.post(detail, {"action": "answer", "answer-answer": "Đã chuyển Sở Tài chính cân đối"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ANSWERED
    # the commune may now close it
    assert 'data-action="close"' in c.get(detail).content.decode()
    assert c.post(detail, {"action": "close", "close-note": "Cảm ơn"}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.CLOSED
    assert client_for(w, "hcm_officer").get(detail).status_code == 404


def test_a_refused_answer_keeps_the_text_and_says_why(rworld):
    w = rworld
    report = create(w)
    proposal = proposal_services.raise_proposal(w.users["xa_ubnd_officer"], report, text="Đề nghị hỗ trợ")
    sent(w, fresh(report))
    detail = reverse("reporting:proposal_detail", args=[proposal.pk])
    response = client_for(w, "xa_ubnd_leader").post(
        detail, {"action": "answer", "answer-answer": "Tự trả lời"}
    )
    assert response.status_code == 200
    assert "Tự trả lời" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.OPEN and proposal.answer == ""


# --- explanation requests -------------------------------------------------------------------------


def test_ask_answer_and_close_an_explanation_about_a_report(rworld):
    w = rworld
    report = sent(w)
    hni = client_for(w, "hni_leader")
    assert "Ask for an explanation" in hni.get(report_url(report)).content.decode()
    new = reverse("reporting:explanation_new")
    html = assert_safe_page(hni.get(new, {"report": report.pk}))
    assert "UBND xã Tân An" in html
    response = hni.post(
        new, {"report": report.pk, "agency": w.hni_xa_ubnd.pk, "question": "ngắn", "due_date": "31/03/2026"}
    )
    assert response.status_code == 200 and "question" in response.context["form"].errors
    assert not ExplanationRequest.objects.exists()
    response = hni.post(
        new,
        {
            "report": report.pk,
            "agency": w.hni_xa_ubnd.pk,
            "question": "Vì sao tiến độ quý chỉ đạt 40%?",
            "due_date": "31/03/2026",
        },
    )
    req = ExplanationRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "reporting:explanation_detail", args=[req.pk]
    )
    officer = client_for(w, "xa_ubnd_officer")
    assert "Vì sao tiến độ" in officer.get(reverse("reporting:explanation_list")).content.decode()
    detail = reverse("reporting:explanation_detail", args=[req.pk])
    assert 'data-action="answer"' in officer.get(detail).content.decode()
    assert 'data-action="answer"' not in hni.get(detail).content.decode()
    response = officer.post(detail, {"action": "answer", "answer-answer": "Do thiếu kinh phí trong quý I"})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == ExplanationRequest.Status.ANSWERED
    assert hni.post(detail, {"action": "close", "close-note": ""}).status_code == 302
    req.refresh_from_db()
    assert req.status == ExplanationRequest.Status.CLOSED
    assert client_for(w, "hcm_officer").get(detail).status_code == 404


def test_asking_about_something_out_of_sight_is_a_404(rworld):
    w = rworld
    response = client_for(w, "xa_ubnd_officer").get(
        reverse("reporting:explanation_new"), {"task": w.tasks["hcm"].pk}
    )
    assert response.status_code == 404


def test_an_explanation_request_cannot_be_closed_by_the_asked_agency(rworld):
    w = rworld
    report = sent(w)
    req = explanation_services.request_explanation(
        w.users["hni_leader"],
        agency=w.hni_xa_ubnd,
        question="Giải trình tiến độ quý I",
        due_date=dt.date(2026, 3, 31),
        report=report,
    )
    detail = reverse("reporting:explanation_detail", args=[req.pk])
    officer = client_for(w, "xa_ubnd_officer")
    assert 'data-action="close"' not in officer.get(detail).content.decode()
    response = officer.post(detail, {"action": "close", "close-note": "Đóng"})
    assert response.status_code == 200
    req.refresh_from_db()
    assert req.status == ExplanationRequest.Status.OPEN


# --- the review rule ------------------------------------------------------------------------------


def test_a_leader_sets_the_review_rule_others_only_read_it(rworld):
    w = rworld
    url = reverse("reporting:rules")
    html = assert_safe_page(client_for(w, "hni_officer").get(url))
    assert 'name="wait_for_all"' not in html and "accept each report as it arrives" in html
    response = client_for(w, "hni_officer").post(url, {"wait_for_all": "on"})
    assert response.status_code == 200 and not ReviewRule.objects.exists()
    c = client_for(w, "hni_leader")
    assert 'name="wait_for_all"' in c.get(url).content.decode()
    assert c.post(url, {"wait_for_all": "on"}).status_code == 302
    assert ReviewRule.objects.get(agency=w.hni).wait_for_all
    assert "accept only after every agency under us" in c.get(url).content.decode()


# --- the task page --------------------------------------------------------------------------------


def test_the_task_page_lists_its_progress_reports(rworld):
    w = rworld
    report = sent(w, percent="40")
    task = w.tasks["hni_xa"]
    html = assert_safe_page(client_for(w, "hni_leader").get(reverse("web:task_detail", args=[task.pk])))
    assert 'id="h-reports"' in html and f'data-report="{report.pk}"' in html
    assert report_url(report) in html and "report-state-sent" in html
    assert "Ask for an explanation" in html
    html = client_for(w, "xa_ubnd_officer").get(reverse("web:task_detail", args=[task.pk])).content.decode()
    assert f'data-report="{report.pk}"' in html and "Ask for an explanation" not in html
    other = w.tasks["hni_so"]
    html = client_for(w, "hni_so_officer").get(reverse("web:task_detail", args=[other.pk])).content.decode()
    assert "No progress report on this task yet." in html
