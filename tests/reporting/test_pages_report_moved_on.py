"""Saving a report that moved on while the user was writing (the head sent it, the officer sent it
to the head): nothing is saved, the page says who moved it and when, and shows what the user typed
so it can be copied — never a redirect that throws the text away."""

from __future__ import annotations

import pytest

from resmon.audit.models import AuditEntry
from resmon.reporting.models import ReportLine, ReportState
from resmon.reporting.services import reports as svc
from tests.reporting.page_helpers import open_form, report_url
from tests.reporting.reports_helpers import create, fill, fresh
from tests.web.helpers import assert_safe_page

pytestmark = pytest.mark.django_db

TYPED = "Đã tổ chức hội nghị triển khai tại 12 thôn"
TYPED_LINE = "Khảo sát xong 8/10 hộ kinh doanh"


def key(task, field):
    return f"line-{task.pk}-{field}"


def typed_on_a_report_sent_meanwhile(w):
    report = fill(w, create(w))
    c, data = open_form(w, "xa_ubnd_officer", report)
    # meanwhile the head approves and sends it as it was
    svc.approve_and_send(w.users["xa_ubnd_leader"], fresh(report))
    leaf = w.tasks["hni_xa"]
    data.update({"results": TYPED, key(leaf, "results"): TYPED_LINE, key(leaf, "percent_done"): "75"})
    return report, c, data


def test_save_keeps_what_was_typed_and_says_who_sent_it(rworld):
    w = rworld
    report, c, data = typed_on_a_report_sent_meanwhile(w)
    before = fresh(report)
    audits = AuditEntry.objects.count()
    response = c.post(report_url(report), data)
    assert response.status_code == 200  # the page itself, not a redirect that loses the text
    html = assert_safe_page(response)
    assert "can no longer be edited here: it is now sent" in html
    assert "xa_ubnd_leader" in html and "17/03/2026 10:00" in html  # who sent it, and when
    assert "What you typed (not saved)" in html
    assert TYPED in html and TYPED_LINE in html and "75" in html
    typed = dict(response.context["typed"])
    leaf = w.tasks["hni_xa"]
    assert typed["Overall results"] == TYPED
    assert typed[f"{leaf.code} {leaf.title} – Results".strip()] == TYPED_LINE
    assert 'id="report-form"' not in html  # the report is read-only now
    # nothing saved
    after = fresh(report)
    assert (after.state, after.version, after.results) == (ReportState.SENT, before.version, before.results)
    assert ReportLine.objects.get(report=report).results != TYPED_LINE
    assert AuditEntry.objects.count() == audits


def test_sending_from_the_form_keeps_what_was_typed_and_does_not_send(rworld):
    w = rworld
    report = fill(w, create(w))
    c, data = open_form(w, "xa_ubnd_leader", report)
    # meanwhile the officer sends it to the head
    svc.submit_to_head(w.users["xa_ubnd_officer"], fresh(report))
    data.update({"results": TYPED, "action": "approve", "idempotency_key": "k-approve"})
    response = c.post(report_url(report, "reporting:act"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert TYPED in html and "What you typed (not saved)" in html
    assert "it is now awaiting" in html.lower()
    assert fresh(report).state == ReportState.AWAITING_HEAD  # not sent without what the head typed
    # the head, with nothing typed to keep, approves the report as it now is
    data.update(results=fresh(report).results, version=fresh(report).version, idempotency_key="k-approve-2")
    response = c.post(report_url(report, "reporting:act"), data)
    assert response.status_code == 302
    assert fresh(report).state == ReportState.SENT


def test_nothing_typed_nothing_to_show(rworld):
    w = rworld
    report, c, data = typed_on_a_report_sent_meanwhile(w)
    untouched = {**data, "results": fresh(report).results}
    leaf = w.tasks["hni_xa"]
    line = ReportLine.objects.get(report=report)
    untouched[key(leaf, "results")] = line.results
    untouched[key(leaf, "percent_done")] = "40"
    response = c.post(report_url(report), untouched)
    html = response.content.decode()
    assert response.status_code == 200 and "can no longer be edited" in html
    assert response.context["typed"] == [] and "What you typed" not in html


def test_the_autosave_says_the_text_stays_on_the_page(rworld):
    w = rworld
    report, c, data = typed_on_a_report_sent_meanwhile(w)
    html = c.post(report_url(report, "reporting:autosave"), data).content.decode()
    assert "can no longer be edited here" in html and "xa_ubnd_leader" in html
    assert "What you typed is still on this page" in html
    assert "Reload the page" not in html  # reloading would lose it
    assert fresh(report).results != TYPED
