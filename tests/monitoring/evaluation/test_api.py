"""The evaluation API: the same numbers as the pages, the scope, problem+json for every refusal."""

from __future__ import annotations

import pytest

from resmon.audit.models import AuditEntry
from resmon.core.access import visible_to
from resmon.monitoring.evaluation.models import Evaluation, EvaluationRule
from tests.monitoring.evaluation.helpers import q3

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


@pytest.fixture
def computed(eworld, bearer):
    response = post(
        bearer("national_leader"),
        "/api/v1/evaluations/compute",
        {"period": q3().pk, "agency_kind": "provincial_party"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 2
    return eworld


def ev_id(agency) -> int:
    return Evaluation.objects.get(agency=agency, period=q3()).pk


def test_the_list_with_its_cap_and_scope(computed, bearer):
    w = computed
    body = bearer("national_leader").get(f"/api/v1/evaluations?period={q3().pk}").json()
    assert body["count"] == 2 and body["label"] == "Quý III/2026"
    by_code = {i["agency"]["code"]: i for i in body["items"]}
    assert by_code["HNI"]["score"] == "52.5" and by_code["HNI"]["proposed_level"] == "done"
    assert by_code["HCM"]["score"] == "54.5" and by_code["HCM"]["self_assessment"] is None
    assert body["cap"] == {
        "excellent": 0,
        "good": 0,
        "at_least_good": 0,
        "cap_percent": "20",
        "share": None,
        "limit": 0,
        "exceeded": False,
        "rule": body["cap"]["rule"],
    }
    for username in ("hcm_officer", "xa_officer", "inspector", "steering"):
        items = bearer(username).get(f"/api/v1/evaluations?period={q3().pk}").json()["items"]
        user = w.users[username]
        seen = set(visible_to(user, Evaluation.objects.all()).values_list("pk", flat=True))
        assert {i["id"] for i in items} <= seen, username
    assert [
        i["agency"]["code"]
        for i in bearer("hcm_officer").get(f"/api/v1/evaluations?period={q3().pk}").json()["items"]
    ] == ["HCM"]
    assert (
        bearer("inspector").get(f"/api/v1/evaluations?period={q3().pk}&agency={w.hni.pk}").json()["count"]
        == 1
    )


@pytest.mark.parametrize(
    "query, field",
    [
        ("state=nonsense", "state"),
        ("level=best", "level"),
        ("year=1990", "year"),
        ("period=999999999", "period"),
    ],
)
def test_bad_filters_are_400_naming_the_field(computed, bearer, query, field):
    response = bearer("national_leader").get(f"/api/v1/evaluations?{query}")
    assert response.status_code == 400 and response["Content-Type"].startswith(PROBLEM)
    assert field in response.json()["errors"]


def test_an_agency_outside_the_scope_is_404(computed, bearer):
    assert bearer("hcm_officer").get(f"/api/v1/evaluations?agency={computed.hni.pk}").status_code == 404
    assert bearer("hcm_officer").get(f"/api/v1/evaluations/{ev_id(computed.hni)}").status_code == 404


def test_the_detail_carries_the_rule_and_the_inputs(computed, bearer):
    body = bearer("hni_officer").get(f"/api/v1/evaluations/{ev_id(computed.hni)}").json()
    crit = {c["key"]: c for c in body["criteria"]}
    assert crit["on_time"]["rate"] == "50.00" and crit["on_time"]["points"] == "15.00"
    assert crit["progress"]["rate"] == "53.33" and crit["directives"]["rate"] == "66.67"
    assert body["inputs"]["reports_expected"] == 3 and body["rule"]["version"] == 0
    assert body["as_of"] == "2026-09-14" and body["not_applicable"] == []
    hcm = bearer("national_leader").get(f"/api/v1/evaluations/{ev_id(computed.hcm)}").json()
    assert hcm["not_applicable"] == ["kpi", "reporting", "directives"]
    assert {c["key"]: c["effective_weight"] for c in hcm["criteria"]}["on_time"] == "54.55"


def test_compute_refusals(eworld, bearer):
    refused = post(bearer("hni_officer"), "/api/v1/evaluations/compute", {"period": q3().pk})
    assert refused.status_code == 403 and refused["Content-Type"].startswith(PROBLEM)
    bad = post(
        bearer("national_leader"), "/api/v1/evaluations/compute", {"period": q3().pk, "agency_kind": "x"}
    )
    assert bad.status_code == 400 and "agency_kind" in bad.json()["errors"]
    both = post(bearer("national_leader"), "/api/v1/evaluations/compute", {"period": q3().pk, "year": 2026})
    assert both.status_code == 400
    assert Evaluation.objects.count() == 0


def test_the_steps_over_the_api(computed, bearer):
    w = computed
    url = f"/api/v1/evaluations/{ev_id(w.hni)}"
    early = post(
        bearer("national_leader"), url + "/appraisal", {"level": "good", "comment": "Thẩm định sớm quá."}
    )
    assert early.status_code == 409 and early.json()["code"] == "evaluation_wrong_state"
    own = post(bearer("hni_leader"), url + "/appraisal", {"level": "good", "comment": "Tự thẩm định mình."})
    assert own.status_code == 403
    bad = post(bearer("hni_leader"), url + "/self-assessment", {"level": "", "comment": "x"})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"level", "comment"}
    done = post(
        bearer("hni_leader"),
        url + "/self-assessment",
        {"level": "good", "comment": "Đã cố gắng nhiều.", "version": 1},
    )
    assert done.status_code == 200 and done.json()["state"] == "self_assessed"
    stale = post(
        bearer("hni_leader"),
        url + "/self-assessment",
        {"level": "done", "comment": "Sửa lại lần nữa.", "version": 1},
    )
    assert stale.status_code == 409
    appraised = post(
        bearer("national_leader"),
        url + "/appraisal",
        {"level": "done", "comment": "Còn nhiệm vụ quá hạn.", "proposal": "Xếp loại Hoàn thành nhiệm vụ."},
    )
    assert appraised.json()["appraisal"]["level"] == "done"
    assert appraised.json()["appraisal"]["agency"]["code"] == "TW"
    future = post(
        bearer("national_leader"),
        url + "/decision",
        {"level": "done", "number": "9-QĐ/TW", "date": "2026-12-01"},
    )
    assert future.status_code == 400 and "decision_date" in future.json()["errors"]
    decided = post(
        bearer("national_leader"),
        url + "/decision",
        {"level": "done", "number": "9-QĐ/TW", "date": "2026-10-19"},
    )
    assert decided.status_code == 200
    assert decided.json()["decision"] == {
        **decided.json()["decision"],
        "level": "done",
        "number": "9-QĐ/TW",
        "date": "2026-10-19",
    }
    assert (
        AuditEntry.objects.filter(action__startswith="evaluation.")
        .exclude(action="evaluation.computed")
        .count()
        == 3
    )


def test_the_rule_over_the_api(eworld, bearer):
    body = bearer("xa_officer").get("/api/v1/evaluation-rule").json()
    assert body["weights"] == {"on_time": 30, "progress": 25, "kpi": 20, "reporting": 15, "directives": 10}
    assert (body["excellent_from"], body["cap_percent"], body["is_default"], body["version"]) == (
        "90",
        "20",
        True,
        0,
    )
    data = {
        "weight_on_time": 30,
        "weight_progress": 30,
        "weight_kpi": 20,
        "weight_reporting": 10,
        "weight_directives": 10,
        "excellent_from": "92",
        "good_from": "72",
        "pass_from": "52",
        "cap_percent": "25",
    }
    refused = bearer("hni_leader").put("/api/v1/evaluation-rule", data, content_type="application/json")
    assert refused.status_code == 403
    bad = bearer("sysadmin").put(
        "/api/v1/evaluation-rule",
        {**data, "pass_from": "80", "cap_percent": "abc"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"pass_from", "cap_percent"}
    assert not EvaluationRule.objects.exists()
    ok = bearer("sysadmin").put("/api/v1/evaluation-rule", data, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["version"] == 1 and ok.json()["weights"]["progress"] == 30
    stale = bearer("sysadmin").put(
        "/api/v1/evaluation-rule", {**data, "version": 0}, content_type="application/json"
    )
    assert stale.status_code == 409


def test_the_excel_download_over_the_api(computed, bearer):
    response = bearer("hni_officer").get(f"/api/v1/evaluations.xlsx?period={q3().pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="danh-gia-HNI-2026-Q3.xlsx"'
    assert AuditEntry.objects.filter(action="evaluation.exported").count() == 1
