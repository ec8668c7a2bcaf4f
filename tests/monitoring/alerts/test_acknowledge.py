"""Acknowledging an alert: who may, the comment it needs, a cleared alert, the audit row; the page
and the API say the same."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from resmon.core.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from resmon.monitoring.alerts import services
from resmon.monitoring.alerts.models import Alert, AlertKind
from tests.monitoring.alerts.helpers import alert_of, audits, set_due

pytestmark = pytest.mark.django_db

COMMENT = "Đã làm việc với Sở, cam kết hoàn thành trong tháng 4."


@pytest.fixture
def overdue(aworld) -> Alert:
    """The department's task is overdue: the department is concerned, Thành ủy Hà Nội supervises."""
    set_due(aworld.tasks["hni_so"], dt.date(2026, 2, 1))
    services.refresh_alerts()
    return alert_of(AlertKind.OVERDUE, task=aworld.tasks["hni_so"])


def unchanged(alert: Alert) -> bool:
    fresh = Alert.objects.get(pk=alert.pk)
    return (fresh.acknowledged_by_id, fresh.acknowledged_at, fresh.ack_comment) == (None, None, "")


def test_the_agency_concerned_acknowledges_with_a_comment(aworld, overdue):
    officer = aworld.users["hni_so_officer"]
    done = services.acknowledge(officer, overdue.pk, f"  {COMMENT}  ")
    assert (done.acknowledged_by, done.ack_comment, done.cleared_on) == (officer, COMMENT, None)
    assert done.acknowledged_at is not None
    (row,) = audits("alerts.acknowledged")
    assert row.actor_name == "hni_so_officer" and row.object_id == str(overdue.pk)
    assert row.after["ack_comment"] == COMMENT and row.before["ack_comment"] == ""
    # the supervising agency's leader may too (a second acknowledgement replaces the comment)
    services.acknowledge(aworld.users["hni_leader"], overdue.pk, "Thành ủy đã nhắc nhở bằng văn bản.")
    assert Alert.objects.get(pk=overdue.pk).acknowledged_by == aworld.users["hni_leader"]
    assert audits("alerts.acknowledged").count() == 2


@pytest.mark.parametrize(
    ("username", "error"),
    [
        ("hni_admin", PermissionRefused),  # sees it, but administers accounts
        ("inspector", PermissionRefused),  # reads Hà Nội, acts on nothing
        ("xa_officer", NotFound),  # a sibling commune does not see it
        ("hcm_officer", NotFound),  # another province
        ("ministry_officer", NotFound),
    ],
)
def test_others_are_refused_and_nothing_changes(aworld, overdue, username, error):
    with pytest.raises(error):
        services.acknowledge(aworld.users[username], overdue.pk, COMMENT)
    assert unchanged(overdue) and not audits("alerts.acknowledged").exists()


@pytest.mark.parametrize("comment", ["", "   ", "ok", None])
def test_a_comment_is_required(aworld, overdue, comment):
    with pytest.raises(ValidationFailed) as exc:
        services.acknowledge(aworld.users["hni_so_officer"], overdue.pk, comment)
    assert exc.value.field == "comment" and "at least 5 characters" in str(exc.value)
    assert unchanged(overdue) and not audits("alerts.acknowledged").exists()


def test_a_cleared_alert_is_not_acknowledged(aworld, overdue):
    Alert.objects.filter(pk=overdue.pk).update(cleared_on=dt.date(2026, 3, 17))
    with pytest.raises(Conflict) as exc:
        services.acknowledge(aworld.users["hni_so_officer"], overdue.pk, COMMENT)
    assert "cleared on 17/03/2026" in str(exc.value)
    assert unchanged(overdue)


def test_the_page_shows_the_form_the_message_and_the_acknowledgement(aworld, overdue):
    c = Client()
    c.force_login(aworld.users["hni_so_officer"])
    url = f"/monitoring/alerts/{overdue.pk}/"
    page = c.get(url)
    assert page.status_code == 200 and 'data-action="acknowledge"' in page.content.decode()
    assert "Overdue by 44 days, 0% done." in page.content.decode()
    bad = c.post(url, {"comment": ""})
    assert bad.status_code == 200 and "at least 5 characters" in bad.content.decode()
    assert unchanged(overdue)
    ok = c.post(url, {"comment": COMMENT})
    assert ok.status_code == 302
    html = c.get(url).content.decode()
    assert COMMENT in html and "Acknowledged by" in html
    # an inspector reads it without the form; a post is refused with the message
    insp = Client()
    insp.force_login(aworld.users["inspector"])
    assert 'data-action="acknowledge"' not in insp.get(url).content.decode()
    refused = insp.post(url, {"comment": COMMENT})
    assert refused.status_code == 403 and "may acknowledge this alert" in refused.content.decode()
    # outside the scope: 404
    other = Client()
    other.force_login(aworld.users["hcm_officer"])
    assert other.get(url).status_code == 404 and other.post(url, {"comment": COMMENT}).status_code == 404


def test_the_api_acknowledges(aworld, overdue, bearer):
    url = f"/api/v1/alerts/{overdue.pk}/acknowledge"
    empty = bearer("hni_so_officer").post(url, {"comment": " "}, content_type="application/json")
    assert empty.status_code == 400 and empty.json()["errors"]["comment"]
    assert unchanged(overdue)
    refused = bearer("inspector").post(url, {"comment": COMMENT}, content_type="application/json")
    assert refused.status_code == 403 and refused["Content-Type"].startswith("application/problem+json")
    hidden = bearer("hcm_officer").post(url, {"comment": COMMENT}, content_type="application/json")
    assert hidden.status_code == 404
    ok = bearer("hni_so_officer").post(url, {"comment": COMMENT}, content_type="application/json")
    assert ok.status_code == 200
    body = ok.json()
    assert (body["acknowledged_by"], body["ack_comment"], body["cleared_on"]) == (
        "hni_so_officer",
        COMMENT,
        None,
    )
