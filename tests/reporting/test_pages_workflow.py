"""The review chain on the report page: each user sees only the steps they may take; a step saves
what was typed first; a refused step says why and keeps the reason typed."""

from __future__ import annotations

import re

import pytest

from resmon.audit.models import AuditEntry
from resmon.reporting.models import ReportState
from resmon.reporting.services import reports as svc
from tests.reporting.page_helpers import client_for, open_form, report_url
from tests.reporting.reports_helpers import create, fill, fresh, sent
from tests.web.helpers import assert_safe_page

pytestmark = pytest.mark.django_db

STEP_BUTTONS = {
    "submit": "Send to the head for approval",
    "approve": "Approve and send",
    "send_back": "Send back to the officer",
    "accept": ">Accept<",
    "return": "Return with a reason",
    "reopen": ">Reopen<",
}


def steps_shown(world, user, report) -> set[str]:
    html = assert_safe_page(client_for(world, user).get(report_url(report)))
    return {step for step in re.findall(r'data-step="(\w+)"', html)}


def act(client, report, action, **data):
    version = fresh(report).version
    return client.post(report_url(report, "reporting:act"), {"action": action, "version": version, **data})


def test_send_to_the_head_saves_what_was_typed_first(rworld):
    w = rworld
    report = create(w)
    leaf = w.tasks["hni_xa"]
    c, data = open_form(w, "xa_ubnd_officer", report)
    data.update(
        {"action": "submit", "results": "Kết quả gõ ngay trước khi gửi", f"line-{leaf.pk}-percent_done": "30"}
    )
    response = c.post(report_url(report, "reporting:act"), data)
    assert response.status_code == 302
    report = fresh(report)
    assert report.state == ReportState.AWAITING_HEAD
    assert report.results == "Kết quả gõ ngay trước khi gửi"
    assert "sent to the head of your agency" in c.get(report_url(report)).content.decode()


def test_an_incomplete_report_is_not_sent_and_the_missing_percent_is_pointed_at(rworld):
    w = rworld
    report = create(w)
    leaf = w.tasks["hni_xa"]
    c, data = open_form(w, "xa_ubnd_officer", report)
    data.update({"action": "submit", "results": "Kết quả", f"line-{leaf.pk}-percent_done": ""})
    response = c.post(report_url(report, "reporting:act"), data)
    assert response.status_code == 200
    report = fresh(report)
    assert report.state == ReportState.DRAFT
    assert report.results == "Kết quả"  # what was typed is saved, only the step was refused
    form = response.context["form"]
    assert f"line-{leaf.pk}-percent_done" in form.errors
    html = response.content.decode()
    assert f'id="report-version" value="{report.version}"' in html  # the next save will not conflict


def test_each_user_sees_only_the_steps_they_may_take(rworld):
    w = rworld
    report = fill(w, create(w))
    assert steps_shown(w, "xa_ubnd_officer", report) == {"submit"}
    assert steps_shown(w, "xa_ubnd_leader", report) == {"submit", "approve"}
    assert steps_shown(w, "inspector", report) == set()
    report = svc.submit_to_head(w.users["xa_ubnd_officer"], fresh(report))
    assert steps_shown(w, "xa_ubnd_officer", report) == set()
    assert steps_shown(w, "xa_ubnd_leader", report) == {"approve", "send_back"}
    report = svc.approve_and_send(w.users["xa_ubnd_leader"], fresh(report))
    assert steps_shown(w, "xa_ubnd_leader", report) == set()
    assert steps_shown(w, "hni_leader", report) == {"accept", "return"}
    assert steps_shown(w, "hni_officer", report) == {"accept", "return"}
    assert steps_shown(w, "inspector", report) == set()
    html = client_for(w, "hni_leader").get(report_url(report)).content.decode()
    assert 'id="report-form"' not in html  # a sent report is read-only, even to those above
    report = svc.accept_report(w.users["hni_leader"], fresh(report))
    assert steps_shown(w, "hni_leader", report) == {"reopen"}
    assert steps_shown(w, "xa_ubnd_officer", report) == set()


def test_approve_then_accept_through_the_page(rworld):
    w = rworld
    report = svc.submit_to_head(w.users["xa_ubnd_officer"], fill(w, create(w)))
    leader = client_for(w, "xa_ubnd_leader")
    assert act(leader, report, "approve", idempotency_key="k-approve").status_code == 302
    assert fresh(report).state == ReportState.SENT
    hni = client_for(w, "hni_leader")
    response = act(hni, report, "accept", idempotency_key="k-accept")
    assert response.status_code == 302
    assert fresh(report).state == ReportState.ACCEPTED
    assert "The report has been accepted" in hni.get(report_url(report)).content.decode()
    # the same form posted again (a double click): no error, nothing done twice
    again = hni.post(
        report_url(report, "reporting:act"), {"action": "accept", "version": 4, "idempotency_key": "k-accept"}
    )
    assert again.status_code in (200, 302)
    assert AuditEntry.objects.filter(action="reporting.report_accepted").count() == 1


def test_returning_needs_a_reason_and_a_short_one_is_refused_next_to_the_field(rworld):
    w = rworld
    report = sent(w)
    hni = client_for(w, "hni_leader")
    response = act(hni, report, "return", reason="ngắn")
    assert response.status_code == 200
    html = assert_safe_page(response)
    step = response.context["steps"]
    form = next(s["form"] for s in step if s["action"] == "return")
    assert "reason" in form.errors
    assert "ngắn</textarea>" in html  # the reason typed is still there
    assert fresh(report).state == ReportState.SENT
    response = act(hni, report, "return", reason="Thiếu minh chứng cho kết quả khảo sát của quý")
    assert response.status_code == 302
    report = fresh(report)
    assert report.state == ReportState.RETURNED
    # the commune sees why, and the form again
    html = client_for(w, "xa_ubnd_officer").get(report_url(report)).content.decode()
    assert "Thiếu minh chứng cho kết quả khảo sát của quý" in html and 'id="report-form"' in html


def test_a_step_one_may_not_take_is_refused_with_a_message_and_changes_nothing(rworld):
    w = rworld
    report = sent(w)
    audits = AuditEntry.objects.filter(action__startswith="reporting.").count()
    # the commune's own head may not accept its own report at the level above
    response = act(client_for(w, "xa_ubnd_leader"), report, "accept")
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert "cannot accept, return or reopen its own report" in response.content.decode()
    assert fresh(report).state == ReportState.SENT
    assert AuditEntry.objects.filter(action__startswith="reporting.").count() == audits
    response = act(client_for(w, "inspector"), report, "accept")
    assert response.status_code == 200 and fresh(report).state == ReportState.SENT
    response = act(client_for(w, "hni_leader"), report, "bogus")
    assert response.status_code == 302 and fresh(report).state == ReportState.SENT


def test_reopening_an_accepted_report_needs_a_reason(rworld):
    w = rworld
    report = svc.accept_report(w.users["hni_leader"], sent(w))
    hni = client_for(w, "hni_leader")
    response = act(hni, report, "reopen", reason="")
    assert response.status_code == 200 and fresh(report).state == ReportState.ACCEPTED
    response = act(hni, report, "reopen", reason="Số liệu quý cần hiệu chỉnh theo kết luận kiểm tra")
    assert response.status_code == 302 and fresh(report).state == ReportState.RETURNED


def test_the_head_sends_a_report_back_with_a_note(rworld):
    w = rworld
    report = svc.submit_to_head(w.users["xa_ubnd_officer"], fill(w, create(w)))
    response = act(client_for(w, "xa_ubnd_leader"), report, "send_back", reason="Bổ sung số liệu tháng 3")
    assert response.status_code == 302
    assert fresh(report).state == ReportState.DRAFT
