"""The directives API: the same services and selectors as the pages, problem+json on refusals."""

from __future__ import annotations

import json

import pytest

from resmon.monitoring.directives.models import Directive, Reminder
from tests.monitoring.directives.helpers import audits, issue

pytestmark = pytest.mark.django_db


def post(client, url: str, body: dict):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_issue_answer_and_close_through_the_api(dirworld, bearer):
    w = dirworld
    leader, officer = bearer("hni_leader"), bearer("xa_ubnd_officer")
    response = post(
        leader,
        "/api/v1/directives",
        {
            "task": w.tasks["hni_xa"].pk,
            "recipients": [w.hni_xa_ubnd.pk],
            "text": "Khẩn trương",
            "due_date": "2026-03-31",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    d_id, (rec,) = body["id"], body["recipients"]
    assert (
        body["status"] == "open" and body["recipients_count"] == 1 and rec["agency"]["id"] == w.hni_xa_ubnd.pk
    )
    listed = officer.get("/api/v1/directives").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == d_id
    assert leader.get("/api/v1/directives").json()["count"] == 0
    assert leader.get("/api/v1/directives?box=issued").json()["count"] == 1
    assert leader.get(f"/api/v1/directives?box=all&task={w.tasks['hni_xa'].pk}").json()["count"] == 1
    ack = post(officer, f"/api/v1/directive-recipients/{rec['id']}/acknowledge", {})
    assert ack.status_code == 200 and ack.json()["acknowledged_by"] == "xa_ubnd_officer"
    again = post(officer, f"/api/v1/directive-recipients/{rec['id']}/acknowledge", {})
    assert again.status_code == 409 and again["Content-Type"].startswith("application/problem+json")
    empty = post(officer, f"/api/v1/directive-recipients/{rec['id']}/report", {"text": ""})
    assert empty.status_code == 400 and "report" in empty.json()["errors"]
    done = post(officer, f"/api/v1/directive-recipients/{rec['id']}/report", {"text": "Đã hoàn thành"})
    assert done.status_code == 200 and done.json()["report"] == "Đã hoàn thành"
    detail = leader.get(f"/api/v1/directives/{d_id}").json()
    stale = post(leader, f"/api/v1/directives/{d_id}/close", {"version": 1, "note": ""})
    assert stale.status_code == 409
    closed = post(leader, f"/api/v1/directives/{d_id}/close", {"version": detail["version"], "note": ""})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_refusals_are_problems_and_change_nothing(dirworld, bearer):
    w = dirworld
    out_of_scope = post(
        bearer("hni_leader"),
        "/api/v1/directives",
        {
            "task": w.tasks["ministry_coord"].pk,
            "recipients": [w.bo_khcn.pk],
            "text": "Chỉ đạo",
            "due_date": "2026-03-31",
        },
    )
    assert out_of_scope.status_code == 400
    assert out_of_scope.json()["errors"]["recipients"] == [
        "Bộ Khoa học và Công nghệ is not within your scope of direction."
    ]
    officer = post(
        bearer("hni_officer"),
        "/api/v1/directives",
        {
            "task": w.tasks["hni_xa"].pk,
            "recipients": [w.hni_xa_ubnd.pk],
            "text": "Chỉ đạo",
            "due_date": "2026-03-31",
        },
    )
    assert officer.status_code == 403
    assert not Directive.objects.exists() and not audits("directives.issued").exists()
    d = issue(w)
    assert bearer("hcm_leader").get(f"/api/v1/directives/{d.pk}").status_code == 404
    rec = d.recipients.get()
    assert (
        post(bearer("xa2_officer"), f"/api/v1/directive-recipients/{rec.pk}/acknowledge", {}).status_code
        == 404
    )
    assert (
        post(bearer("hni_officer"), f"/api/v1/directive-recipients/{rec.pk}/acknowledge", {}).status_code
        == 403
    )
    withdraw = post(bearer("hni_leader"), f"/api/v1/directives/{d.pk}/withdraw", {"reason": ""})
    assert withdraw.status_code == 400 and "reason" in withdraw.json()["errors"]
    assert bearer("hni_leader").get("/api/v1/directives?box=nonsense").status_code == 400


def test_reminders_through_the_api(dirworld, bearer):
    w = dirworld
    task = w.tasks["hni_xa"]
    leader = bearer("hni_leader")
    sent = post(leader, "/api/v1/reminders", {"task": task.pk, "message": "Đề nghị báo cáo tiến độ"})
    assert sent.status_code == 201 and sent.json()[0]["kind"] == "manual"
    assert post(leader, "/api/v1/reminders", {"task": task.pk, "message": "Lần nữa"}).status_code == 409
    assert (
        post(bearer("hni_officer"), "/api/v1/reminders", {"task": task.pk, "message": "Nhắc"}).status_code
        == 403
    )
    assert post(leader, "/api/v1/reminders", {"message": "Nhắc"}).status_code == 400
    assert Reminder.objects.count() == 1
    listed = bearer("xa_ubnd_officer").get(f"/api/v1/tasks/{task.pk}/reminders").json()
    assert listed["count"] == 1 and listed["items"][0]["agency"]["id"] == w.hni_xa_ubnd.pk
    assert bearer("xa_ubnd_officer").get("/api/v1/reminders").json()["count"] == 1
    assert bearer("hni_leader").get("/api/v1/reminders?box=sent").json()["count"] == 1
    assert bearer("hcm_leader").get(f"/api/v1/tasks/{task.pk}/reminders").status_code == 404
