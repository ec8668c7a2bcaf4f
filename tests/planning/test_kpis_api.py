"""/api/v1 KPIs and deadline extensions: status codes, problem+json, scope."""

import datetime as dt
import json

import pytest
import time_machine
from django.test import Client

from resmon.accounts.tokens import create_token
from resmon.planning.models import DeadlineExtension, TaskIndicator

from .kpi_helpers import extension, indicator, kpi

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture
def bearer(world):
    def make(username: str) -> Client:
        _token, raw = create_token(world.users[username], "test")
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return make


def send(client, method, url, body=None):
    return client.generic(method, url, json.dumps(body or {}), content_type="application/json")


@time_machine.travel(dt.datetime(2025, 7, 2, 3, 0, tzinfo=dt.UTC))
def test_list_add_update_delete(world, bearer):
    ind = indicator(world.bo_khcn)
    task = world.tasks["hni"]
    c = bearer("hni_officer")
    body = {
        "indicator": ind.pk,
        "baseline_value": "40",
        "baseline_date": "2025-01-01",
        "targets": [{"on": "2025-12-31", "value": "60"}, {"on": "2026-12-31", "value": "80"}],
    }
    created = send(c, "POST", f"/api/v1/tasks/{task.pk}/kpis", body)
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["indicator_code"] == "NQ57-DVC-01" and data["indicator_version"] == 1
    assert data["expected_today"] == "50" and data["targets"][1] == {"on": "2026-12-31", "value": "80"}
    listed = c.get(f"/api/v1/tasks/{task.pk}/kpis").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == data["id"]
    updated = send(
        c, "PUT", f"/api/v1/kpis/{data['id']}", {"targets": [{"on": "2027-01-01", "value": "90.25"}]}
    )
    assert updated.status_code == 200 and updated.json()["targets"] == [
        {"on": "2027-01-01", "value": "90.25"}
    ]
    assert send(c, "DELETE", f"/api/v1/kpis/{data['id']}").status_code == 204
    assert not TaskIndicator.objects.exists()


def test_bad_input_is_a_problem_naming_the_row(world, bearer):
    ind = indicator(world.bo_khcn)
    c = bearer("hni_officer")
    url = f"/api/v1/tasks/{world.tasks['hni'].pk}/kpis"
    response = send(
        c,
        "POST",
        url,
        {
            "indicator": ind.pk,
            "targets": [{"on": "2026-01-01", "value": "1"}, {"on": "2025-01-01", "value": "2"}],
        },
    )
    assert response.status_code == 400 and response["Content-Type"].startswith(PROBLEM)
    assert "Target row 2" in response.json()["detail"] and "targets.2.on" in response.json()["errors"]
    malformed = send(c, "POST", url, {"indicator": ind.pk, "targets": [{"on": "31/12/2026", "value": "x"}]})
    assert malformed.status_code == 400 and malformed["Content-Type"].startswith(PROBLEM)
    assert not TaskIndicator.objects.exists()


def test_refused_and_outside_scope(world, bearer):
    ind = indicator(world.bo_khcn)
    k = kpi(world.tasks["hni"], ind)
    body = {"targets": [{"on": "2027-01-01", "value": "1"}]}
    assert send(bearer("inspector"), "PUT", f"/api/v1/kpis/{k.pk}", body).status_code == 403
    assert send(bearer("hcm_officer"), "PUT", f"/api/v1/kpis/{k.pk}", body).status_code == 404
    assert bearer("hcm_officer").get(f"/api/v1/tasks/{world.tasks['hni'].pk}/kpis").status_code == 404
    assert k.targets.count() == 1


def test_extension_request_decision_and_pending_list(world, bearer):
    task = world.tasks["hni_xa"]
    asked = send(
        bearer("xa_officer"),
        "POST",
        f"/api/v1/tasks/{task.pk}/extensions",
        {"proposed_due_date": "2026-12-31", "reason": "Chờ bố trí vốn"},
    )
    assert asked.status_code == 201, asked.content
    ext_id = asked.json()["id"]
    again = send(
        bearer("xa_officer"),
        "POST",
        f"/api/v1/tasks/{task.pk}/extensions",
        {"proposed_due_date": "2027-12-31", "reason": "Lần hai"},
    )
    assert again.status_code == 409 and again["Content-Type"].startswith(PROBLEM)
    leader = bearer("hni_leader")
    pending = leader.get("/api/v1/extensions?pending=true").json()
    assert [e["id"] for e in pending["items"]] == [ext_id]
    assert bearer("xa_officer").get("/api/v1/extensions?pending=true").json()["count"] == 0
    assert bearer("xa_officer").get("/api/v1/extensions").json()["count"] == 1
    assert bearer("hcm_officer").get("/api/v1/extensions").json()["count"] == 0
    assert (
        send(
            bearer("xa_officer"), "POST", f"/api/v1/extensions/{ext_id}/decision", {"grant": True}
        ).status_code
        == 403
    )
    assert (
        send(
            bearer("hcm_officer"), "POST", f"/api/v1/extensions/{ext_id}/decision", {"grant": True}
        ).status_code
        == 404
    )
    refused = send(leader, "POST", f"/api/v1/extensions/{ext_id}/decision", {"grant": False})
    assert refused.status_code == 400 and "note" in refused.json()["errors"]
    granted = send(leader, "POST", f"/api/v1/extensions/{ext_id}/decision", {"grant": True, "note": "Đồng ý"})
    assert granted.status_code == 200 and granted.json()["status"] == "granted"
    detail = bearer("xa_officer").get(f"/api/v1/tasks/{task.pk}").json()
    assert (detail["due_date"], detail["original_due_date"]) == ("2026-12-31", "2026-09-30")


def test_extension_for_a_task_outside_scope_is_404(world, bearer):
    response = send(
        bearer("hcm_officer"),
        "POST",
        f"/api/v1/tasks/{world.tasks['hni_xa'].pk}/extensions",
        {"proposed_due_date": "2026-12-31", "reason": "x"},
    )
    assert response.status_code == 404
    extension(world.tasks["hcm"], world.users["hcm_officer"])
    assert DeadlineExtension.objects.count() == 1
