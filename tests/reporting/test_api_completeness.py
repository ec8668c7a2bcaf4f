"""/api/v1/completeness (+ /children, /missing), /proposals and /explanations."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from resmon.planning.models import ActionProgram
from resmon.reporting.models import ExplanationRequest, Proposal
from resmon.reporting.selectors_completeness import completeness, completeness_by_child, missing_reports
from tests.reporting.helpers import quarter
from tests.reporting.reports_helpers import create, fresh, sent

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
COUNTS = ("expected", "received", "on_time", "late", "missing", "accepted", "returned", "awaiting")


def send(client, method, url, body=None):
    return client.generic(method, url, json.dumps(body or {}), content_type="application/json")


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    return response.json()


@pytest.fixture
def cw(rworld):
    ActionProgram.objects.update(status=ActionProgram.Status.ISSUED, issued_on=dt.date(2025, 2, 1))
    sent(rworld)  # the commune's report, sent on time
    create(rworld, "hni_so_officer", agency=rworld.hni_so)  # the department's, still a draft
    return rworld


# --- completeness --------------------------------------------------------------------------


def test_completeness_numbers_equal_the_selectors(cw, bearer):
    w = cw
    period = quarter()
    for username in ("hni_leader", "national_leader", "hcm_officer", "inspector"):
        user = w.users[username]
        c = bearer(username)
        body = c.get(f"/api/v1/completeness?period={period.pk}").json()
        counts = completeness(user, period=period)
        assert {k: body[k] for k in COUNTS} == {k: getattr(counts, k) for k in COUNTS}, username
        rate = counts.received_rate
        assert body["received_rate"] == (None if rate is None else f"{rate:f}")
    # Hà Nội: three reports expected (Thành ủy's programme: its People's Committee, the department,
    # the commune), one received on time
    hni = bearer("hni_leader").get(f"/api/v1/completeness?period={period.pk}").json()
    assert (hni["expected"], hni["received"], hni["on_time"], hni["missing"]) == (3, 1, 1, 2)
    assert hni["received_rate"] == "33.3" and hni["period"]["code"] == "2026-Q1"

    # the agency filter narrows, the programme too
    only_so = bearer("hni_leader").get(f"/api/v1/completeness?period={period.pk}&agency={w.hni_so.pk}").json()
    assert (only_so["expected"], only_so["received"]) == (1, 0) and only_so["agency"]["id"] == w.hni_so.pk
    program = w.tasks["hcm"].program_id
    none = bearer("hni_leader").get(f"/api/v1/completeness?period={period.pk}&program={program}").json()
    assert none["expected"] == 0 and none["received_rate"] is None


def test_children_and_missing(cw, bearer):
    w = cw
    period = quarter()
    user = w.users["hni_leader"]
    c = bearer("hni_leader")
    children = c.get(f"/api/v1/completeness/children?period={period.pk}").json()  # default: own agency
    rows = completeness_by_child(user, period=period, agency=w.hni)
    assert children["agency"]["id"] == w.hni.pk
    assert [
        (r["agency"]["id"], r["counts"]["expected"], r["counts"]["received"]) for r in children["items"]
    ] == [(a.pk, n.expected, n.received) for a, n in rows]
    assert children["count"] == len(rows) > 0

    missing = c.get(f"/api/v1/completeness/missing?period={period.pk}&limit=1").json()
    expected = missing_reports(user, period=period)
    assert missing["count"] == len(expected) == 2 and len(missing["items"]) == 1
    first = missing["items"][0]
    assert (first["agency"]["id"], first["program"]["id"]) == (expected[0].agency.pk, expected[0].program.pk)
    assert first["due_date"] == "2026-03-19" and first["days_late"] == 0
    drafts = [
        i for i in c.get(f"/api/v1/completeness/missing?period={period.pk}").json()["items"] if i["report_id"]
    ]
    assert [i["report_state"] for i in drafts] == ["draft"]


def test_completeness_bad_queries(cw, bearer):
    c = bearer("hni_leader")
    assert "period" in problem(c.get("/api/v1/completeness"), 400)["errors"]
    assert problem(c.get("/api/v1/completeness?period=999999"), 404)
    unknown = problem(c.get(f"/api/v1/completeness?period={quarter().pk}&agency=999999"), 400)
    assert "agency" in unknown["errors"]
    assert "period" in problem(c.get("/api/v1/completeness/missing?period=abc"), 400)["errors"]


# --- proposals -----------------------------------------------------------------------------


def test_proposal_lifecycle(rworld, bearer):
    w = rworld
    report = create(w)
    officer = bearer("xa_ubnd_officer")
    raised = send(
        officer,
        "POST",
        f"/api/v1/reports/{report.pk}/proposals",
        {"text": "Đề nghị hướng dẫn cách tính chỉ tiêu", "task": w.tasks["hni_xa"].pk, "version": 1},
    )
    assert raised.status_code == 201, raised.content
    pid = raised.json()["id"]
    assert (
        raised.json()["addressed_to"]["id"] == w.hni.pk
        and raised.json()["task"]["id"] == w.tasks["hni_xa"].pk
    )
    assert fresh(report).version == 2
    # not in the addressee's inbox before the report is sent
    accepting = bearer("hni_leader")
    assert accepting.get("/api/v1/proposals").json()["count"] == 0
    assert officer.get("/api/v1/proposals?box=raised").json()["count"] == 1

    # refusals: empty text, a line the report does not have; nothing raised
    assert (
        "text"
        in problem(send(officer, "POST", f"/api/v1/reports/{report.pk}/proposals", {"text": ""}), 400)[
            "errors"
        ]
    )
    no_line = send(
        officer, "POST", f"/api/v1/reports/{report.pk}/proposals", {"text": "Đề nghị", "task": 999999}
    )
    assert "task" in problem(no_line, 400)["errors"]
    assert Proposal.objects.count() == 1

    sent(w, fresh(report))
    inbox = accepting.get("/api/v1/proposals?status=open").json()
    assert [p["id"] for p in inbox["items"]] == [pid]
    assert problem(send(officer, "POST", f"/api/v1/proposals/{pid}/answer", {"answer": "Tự trả lời"}), 403)
    answered = send(
        accepting, "POST", f"/api/v1/proposals/{pid}/answer", {"answer": "Áp dụng hướng dẫn số 12"}
    )
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    closed = send(officer, "POST", f"/api/v1/proposals/{pid}/close", {"note": "Đã rõ"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert problem(bearer("hcm_officer").get(f"/api/v1/proposals/{pid}"), 404)
    assert "box" in problem(accepting.get("/api/v1/proposals?box=khac"), 400)["errors"]


def test_proposal_forward_and_withdraw(rworld, bearer):
    w = rworld
    report = create(w)
    officer = bearer("xa_ubnd_officer")
    url = f"/api/v1/reports/{report.pk}/proposals"
    first = send(officer, "POST", url, {"text": "Đề nghị bổ sung kinh phí"}).json()
    second = send(officer, "POST", url, {"text": "Đề nghị rút"}).json()
    assert officer.delete(f"/api/v1/proposals/{second['id']}").status_code == 204
    assert not Proposal.objects.filter(pk=second["id"]).exists()
    sent(w, fresh(report))
    # once sent it cannot be withdrawn
    assert problem(officer.delete(f"/api/v1/proposals/{first['id']}"), 400)
    accepting = bearer("hni_leader")
    unknown = send(
        accepting, "POST", f"/api/v1/proposals/{first['id']}/forward", {"to_agency": 999999, "note": "x"}
    )
    assert "to_agency" in problem(unknown, 400)["errors"]
    forwarded = send(
        accepting,
        "POST",
        f"/api/v1/proposals/{first['id']}/forward",
        {"to_agency": w.root.pk, "note": "Vượt thẩm quyền của Thành ủy"},
    )
    assert forwarded.status_code == 200, forwarded.content
    assert forwarded.json()["addressed_to"]["id"] == w.root.pk and forwarded.json()["status"] == "open"


# --- explanations --------------------------------------------------------------------------


def test_explanation_lifecycle(rworld, bearer):
    w = rworld
    report = sent(w)
    asker = bearer("hni_leader")
    body = {
        "agency": w.hni_xa_ubnd.pk,
        "question": "Đề nghị giải trình vì sao tiến độ chỉ đạt 40%.",
        "due_date": "2026-03-31",
        "report": report.pk,
    }
    created = send(asker, "POST", "/api/v1/explanations", body)
    assert created.status_code == 201, created.content
    eid = created.json()["id"]
    assert created.json()["requesting_agency"]["id"] == w.hni.pk and created.json()["report_id"] == report.pk

    # refusals: a past date, a short question, an agency outside the scope; nothing created
    past = problem(send(asker, "POST", "/api/v1/explanations", {**body, "due_date": "2026-03-01"}), 400)
    assert "due_date" in past["errors"]
    assert (
        "question"
        in problem(send(asker, "POST", "/api/v1/explanations", {**body, "question": "Vì sao?"}), 400)[
            "errors"
        ]
    )
    assert problem(send(asker, "POST", "/api/v1/explanations", {**body, "agency": w.hcm.pk}), 404)
    assert ExplanationRequest.objects.count() == 1

    officer = bearer("xa_ubnd_officer")
    assert [e["id"] for e in officer.get("/api/v1/explanations").json()["items"]] == [eid]
    assert asker.get("/api/v1/explanations?box=sent").json()["count"] == 1
    assert problem(send(asker, "POST", f"/api/v1/explanations/{eid}/answer", {"answer": "Tự trả lời"}), 403)
    answered = send(
        officer, "POST", f"/api/v1/explanations/{eid}/answer", {"answer": "Chờ kinh phí từ thành phố."}
    )
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    closed = send(asker, "POST", f"/api/v1/explanations/{eid}/close", {"note": "Đã nắm"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert problem(bearer("hcm_officer").get(f"/api/v1/explanations/{eid}"), 404)
    assert officer.get(f"/api/v1/explanations/{eid}").json()["answer"] == "Chờ kinh phí từ thành phố."
