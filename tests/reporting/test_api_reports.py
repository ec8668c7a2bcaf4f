"""/api/v1/reports: lists and queues, scope, creation with an Idempotency-Key, saving with a version,
every step of the review chain, refusals as problem+json with nothing changed; the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from resmon.audit.models import AuditEntry
from resmon.planning.models import Milestone, Task
from resmon.reporting.models import IdempotencyKey, PeriodReport, ReportState
from tests.reporting.helpers import quarter
from tests.reporting.reports_helpers import audits, create, fresh, sent

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
REASON = "Số liệu tỷ lệ hoàn thành chưa khớp với biên bản kiểm tra, đề nghị rà soát lại."


def send(client, method, url, body=None, **headers):
    return client.generic(method, url, json.dumps(body or {}), content_type="application/json", **headers)


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    return response.json()


def new_body(w) -> dict:
    return {"program": w.tasks["hni_xa"].program_id, "period": quarter().pk}


# --- creation ------------------------------------------------------------------------------


def test_create_twice_with_the_same_key_makes_one_report_and_the_same_answer(rworld, bearer):
    w = rworld
    c = bearer("xa_ubnd_officer")
    first = send(c, "POST", "/api/v1/reports", new_body(w), HTTP_IDEMPOTENCY_KEY="k-1")
    again = send(c, "POST", "/api/v1/reports", new_body(w), HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201, first.content
    assert first.json() == again.json()
    body = first.json()
    assert body["agency"]["id"] == w.hni_xa_ubnd.pk and body["accepting_agency"]["id"] == w.hni.pk
    assert body["state"] == "draft" and body["version"] == 1 and body["due_date"] == "2026-03-19"
    assert [line["task"]["id"] for line in body["lines"]] == [w.tasks["hni_xa"].pk]
    assert body["lines"][0]["is_leaf"] is True
    assert "edit" in body["actions"] and "accept" not in body["actions"]
    assert PeriodReport.objects.count() == 1
    assert audits("reporting.report_created").count() == 1

    # the same key for another request is refused; without a key a duplicate names the report
    other = send(
        c,
        "POST",
        "/api/v1/reports",
        {**new_body(w), "period": quarter("2025-Q4").pk},
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert problem(other, 409)["code"] == "idempotency_key_reused"
    duplicate = problem(send(c, "POST", "/api/v1/reports", new_body(w)), 409)
    assert duplicate["code"] == "report_exists" and duplicate["report_id"] == body["id"]
    assert PeriodReport.objects.count() == 1 and IdempotencyKey.objects.count() == 1


def test_create_refusals(rworld, bearer):
    w = rworld
    # an inspector prepares nothing; a programme outside the scope is not found
    refused = problem(send(bearer("inspector"), "POST", "/api/v1/reports", new_body(w)), 403)
    assert refused["code"] == "permission_refused"
    hcm = {"program": w.tasks["hcm"].program_id, "period": quarter().pk}
    problem(send(bearer("xa_ubnd_officer"), "POST", "/api/v1/reports", hcm), 404)
    # a period that has not started
    future = send(
        bearer("xa_ubnd_officer"), "POST", "/api/v1/reports", {**new_body(w), "period": quarter("2026-Q3").pk}
    )
    assert problem(future, 400)["code"] == "period_not_started"
    # malformed bodies: field errors
    bad = problem(send(bearer("xa_ubnd_officer"), "POST", "/api/v1/reports", {"program": "x"}), 400)
    assert set(bad["errors"]) == {"program", "period"}
    long_key = send(
        bearer("xa_ubnd_officer"), "POST", "/api/v1/reports", new_body(w), HTTP_IDEMPOTENCY_KEY="k" * 101
    )
    assert "Idempotency-Key" in problem(long_key, 400)["errors"]
    assert not PeriodReport.objects.exists()


# --- lists, queues, scope ------------------------------------------------------------------


def test_lists_queues_filters_and_scope(rworld, bearer):
    w = rworld
    commune = sent(w)  # sent to Thành ủy Hà Nội
    so = create(w, "hni_so_officer", agency=w.hni_so)  # the department's draft
    assert so.state == ReportState.DRAFT

    hni = bearer("hni_officer")
    everything = hni.get("/api/v1/reports").json()
    assert everything["count"] == 2 and {r["id"] for r in everything["items"]} == {commune.pk, so.pk}
    to_accept = hni.get("/api/v1/reports?queue=to_accept").json()
    assert [r["id"] for r in to_accept["items"]] == [commune.pk] and to_accept["count"] == 1
    assert hni.get(f"/api/v1/reports?state=draft&agency={w.hni_so.pk}").json()["count"] == 1
    assert hni.get(f"/api/v1/reports?period={quarter('2025-Q4').pk}").json()["count"] == 0
    assert hni.get("/api/v1/reports?q=Tân An").json()["count"] == 1
    page = hni.get("/api/v1/reports?limit=1&offset=1").json()
    assert page["count"] == 2 and len(page["items"]) == 1

    so_officer = bearer("hni_so_officer")
    assert [r["id"] for r in so_officer.get("/api/v1/reports?queue=to_prepare").json()["items"]] == [so.pk]
    assert so_officer.get("/api/v1/reports?queue=to_accept").json()["count"] == 0
    wrong = problem(hni.get("/api/v1/reports?queue=everything"), 400)
    assert "queue" in wrong["errors"]

    # another province sees none of it: the list is empty, the report "not found"
    hcm = bearer("hcm_officer")
    assert hcm.get("/api/v1/reports").json() == {"count": 0, "items": []}
    assert problem(hcm.get(f"/api/v1/reports/{commune.pk}"), 404)["code"] == "not_found"
    assert problem(send(hcm, "POST", f"/api/v1/reports/{commune.pk}/accept", {}), 404)
    assert fresh(commune).state == ReportState.SENT


# --- saving --------------------------------------------------------------------------------


def test_save_with_version_and_line_errors(rworld, bearer):
    w = rworld
    report = create(w)
    leaf, parent = w.tasks["hni_xa"], w.tasks["hni"]
    milestone = Milestone.objects.create(task=leaf, name="Khảo sát", due_date=dt.date(2026, 3, 1))
    c = bearer("xa_ubnd_officer")
    url = f"/api/v1/reports/{report.pk}"

    saved = send(
        c,
        "PATCH",
        url,
        {
            "version": 1,
            "results": "Đã triển khai",
            "lines": [{"task": leaf.pk, "percent_done": "45,5", "milestones": [milestone.pk]}],
        },
    )
    assert saved.status_code == 200, saved.content
    body = saved.json()
    assert (
        body["version"] == 2
        and body["results"] == "Đã triển khai"
        and body["updated_by"] == "xa_ubnd_officer"
    )
    line = body["lines"][0]
    assert line["percent_done"] == "45.5" and line["milestones"][0]["reached"] is True
    # only the keys given change
    again = send(c, "PATCH", url, {"version": 2, "lines": [{"task": leaf.pk, "results": "Xong khảo sát"}]})
    assert again.json()["lines"][0]["percent_done"] == "45.5" and again.json()["results"] == "Đã triển khai"

    # a stale version: 409 naming who changed it; nothing saved
    stale = problem(send(c, "PATCH", url, {"version": 1, "results": "Ghi đè"}), 409)
    assert stale["code"] == "stale_version" and "xa_ubnd_officer" in stale["detail"]
    # a bad percent and a parent task's percent: field errors per line, nothing saved
    bad = problem(
        send(
            c,
            "PATCH",
            url,
            {"version": 3, "results": "Mới", "lines": [{"task": leaf.pk, "percent_done": "150"}]},
        ),
        400,
    )
    assert f"lines.{leaf.pk}.percent_done" in bad["errors"]
    unknown = problem(
        send(c, "PATCH", url, {"version": 3, "lines": [{"task": parent.pk, "percent_done": "10"}]}), 400
    )
    assert unknown["errors"]
    assert fresh(report).results == "Đã triển khai" and fresh(report).version == 3
    # the version is required
    assert "version" in problem(send(c, "PATCH", url, {"results": "x"}), 400)["errors"]
    # someone who may see but not prepare the report (an inspector over Hà Nội): refused
    refused = problem(send(bearer("inspector"), "PATCH", url, {"version": 3, "results": "x"}), 403)
    assert refused["code"] == "permission_refused"
    assert fresh(report).results == "Đã triển khai"


# --- the review chain ----------------------------------------------------------------------


def test_every_workflow_action(rworld, bearer):
    w = rworld
    report = create(w)
    leaf = w.tasks["hni_xa"]
    officer, head = bearer("xa_ubnd_officer"), bearer("xa_ubnd_leader", confirmed=True)
    accepting = bearer("hni_leader", confirmed=True)  # accepting and reopening: "confirm it is you"
    base = f"/api/v1/reports/{report.pk}"

    # an incomplete report (a leaf line without its percent) cannot go to the head
    send(officer, "PATCH", base, {"version": 1, "lines": [{"task": leaf.pk, "percent_done": None}]})
    incomplete = problem(send(officer, "POST", f"{base}/submit", {"version": 2}), 400)
    assert incomplete["errors"] and fresh(report).state == ReportState.DRAFT
    send(officer, "PATCH", base, {"version": 2, "lines": [{"task": leaf.pk, "percent_done": "60"}]})

    submitted = send(officer, "POST", f"{base}/submit", {"version": 3}, HTTP_IDEMPOTENCY_KEY="s-1")
    assert submitted.status_code == 200 and submitted.json()["state"] == "awaiting_head"
    retry = send(officer, "POST", f"{base}/submit", {"version": 3}, HTTP_IDEMPOTENCY_KEY="s-1")
    assert retry.status_code == 200 and retry.json() == submitted.json()
    assert audits("reporting.report_submitted_to_head", report).count() == 1

    # the officer may not approve; the head sends it back with a note, then approves it
    assert (
        problem(send(officer, "POST", f"{base}/approve", {"version": 4}), 403)["code"] == "permission_refused"
    )
    back = send(head, "POST", f"{base}/send-back", {"version": 4, "note": "Bổ sung kết quả"})
    assert back.status_code == 200 and back.json()["state"] == "draft"
    send(officer, "POST", f"{base}/submit", {"version": 5})
    approved = send(head, "POST", f"{base}/approve", {"version": 6})
    assert approved.status_code == 200, approved.content
    assert approved.json()["state"] == "sent" and approved.json()["is_late"] is False
    assert approved.json()["first_sent_at"] is not None
    # a review step answers the state and the next actions; the whole report is one GET away
    assert approved.json()["actions"] == [] and "lines" not in approved.json()
    assert send(head, "GET", base).json()["lines"][0]["task"]["id"] == w.tasks["hni_xa"].pk

    # the reporting agency cannot accept its own report; the accepting level needs a reason to return
    own = problem(send(head, "POST", f"{base}/accept", {"version": 7}), 403)
    assert "own report" in own["detail"]
    short = problem(send(accepting, "POST", f"{base}/return", {"version": 7, "reason": "Sai"}), 400)
    assert "reason" in short["errors"] and fresh(report).state == ReportState.SENT
    assert "reason" in problem(send(accepting, "POST", f"{base}/return", {"version": 7}), 400)["errors"]
    returned = send(accepting, "POST", f"{base}/return", {"version": 7, "reason": REASON})
    assert returned.json()["state"] == "returned" and returned.json()["return_reason"] == REASON

    # fixed and sent again by the head; accepted: the progress reaches the task
    resent = send(head, "POST", f"{base}/approve", {"version": 8})
    assert resent.json()["state"] == "sent"
    stale = problem(send(accepting, "POST", f"{base}/accept", {"version": 7}), 409)
    assert stale["code"] == "stale_version" and "xa_ubnd_leader" in stale["detail"]
    accepted = send(accepting, "POST", f"{base}/accept", {"version": 9}, HTTP_IDEMPOTENCY_KEY="a-1")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    assert Task.objects.get(pk=leaf.pk).percent_done == Decimal("60")
    assert "reopen" in accepted.json()["actions"] and "edit" not in accepted.json()["actions"]

    # accepted = locked
    locked = problem(send(officer, "PATCH", base, {"version": 10, "results": "Sửa"}), 400)
    assert locked["code"] == "report_locked"
    # reopened with a reason: back to returned
    assert (
        "reason"
        in problem(send(accepting, "POST", f"{base}/reopen", {"version": 10, "reason": ""}), 400)["errors"]
    )
    reopened = send(accepting, "POST", f"{base}/reopen", {"version": 10, "reason": REASON})
    assert reopened.status_code == 200 and reopened.json()["state"] == "returned"
    assert fresh(report).reopen_reason == REASON
    assert audits("reporting.report_reopened", report).count() == 1


def test_a_refused_step_changes_nothing(rworld, bearer):
    w = rworld
    report = sent(w)
    officer, inspector, leader = bearer("xa_ubnd_officer"), bearer("inspector"), bearer("hni_leader")
    before = (fresh(report).state, fresh(report).version, AuditEntry.objects.count())
    base = f"/api/v1/reports/{report.pk}"
    # wrong state: a sent report cannot go to the head again
    assert problem(send(officer, "POST", f"{base}/submit", {}), 400)["code"] == "wrong_state"
    # an inspector over Hà Nội reads but does not accept
    assert problem(send(inspector, "POST", f"{base}/accept", {}), 403)
    # malformed: field errors
    bad = problem(send(leader, "POST", f"{base}/return", {"version": "x", "reason": REASON}), 400)
    assert "version" in bad["errors"]
    assert (fresh(report).state, fresh(report).version, AuditEntry.objects.count()) == before


def test_review_rule(rworld, bearer):
    w = rworld
    url = f"/api/v1/review-rules/{w.hni.pk}"
    refused = problem(send(bearer("hni_officer"), "PUT", url, {"wait_for_all": True}), 403)
    assert refused["code"] == "permission_refused"
    done = send(bearer("hni_leader"), "PUT", url, {"wait_for_all": True})
    assert done.status_code == 200 and done.json()["wait_for_all"] is True
    assert done.json()["updated_by"] == "hni_leader"
    problem(send(bearer("hcm_officer"), "PUT", url, {"wait_for_all": False}), 404)


def test_openapi_schema_builds(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/reports"])
    assert "/api/v1/reports/{report_id}/lines/{task_id}/evidence" in paths
    assert "/api/v1/completeness/missing" in paths


def test_the_list_costs_the_same_queries_for_more_reports(rworld, bearer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = rworld
    c = bearer("hni_leader")
    create(w)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get("/api/v1/reports").status_code == 200
        return len(ctx.captured_queries)

    queries()  # the first request of a token also records when it was last used
    one = queries()
    create(w, "hni_so_officer", agency=w.hni_so)
    assert c.get("/api/v1/reports").json()["count"] == 2
    assert queries() == one
