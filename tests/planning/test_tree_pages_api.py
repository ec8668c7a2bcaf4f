"""The decomposition editor's pages and API: status codes, scope, errors next to fields, and a
tree page that stays within a fixed number of queries however large the programme."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse

from resmon.audit.models import AuditEntry
from resmon.planning.models import Milestone, Task, TaskDependency
from tests.web.helpers import assert_safe_page


@pytest.fixture
def bearer(world):
    from resmon.accounts.tokens import create_token

    def make(username: str) -> Client:
        _token, raw = create_token(world.users[username], "test")
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return make


def _client(world, username):
    c = Client()
    c.force_login(world.users[username])
    return c


def test_tree_page_shows_indented_tree_with_actions_for_the_lead(world):
    program = world.tasks["hni"].program
    html = assert_safe_page(
        _client(world, "hni_officer").get(reverse("planning:program_tree", args=[program.pk]))
    )
    assert "depth-1" in html and world.tasks["hni_so"].title in html
    assert reverse("planning:subtask_new", args=[world.tasks["hni"].pk]) in html
    # an inspector reads the tree but gets no actions
    html = (
        _client(world, "inspector").get(reverse("planning:program_tree", args=[program.pk])).content.decode()
    )
    assert world.tasks["hni_so"].title in html
    assert reverse("planning:task_edit", args=[world.tasks["hni"].pk]) not in html


def test_tree_page_outside_scope_is_404(world):
    program = world.tasks["hcm"].program
    assert (
        _client(world, "hni_officer").get(reverse("planning:program_tree", args=[program.pk])).status_code
        == 404
    )


def test_tree_page_query_count_does_not_grow_with_the_programme(world, django_assert_max_num_queries):
    parent = world.tasks["hni"]
    Task.objects.bulk_create(
        Task(
            program=parent.program,
            resolution=parent.resolution,
            parent=parent,
            lead_agency=world.hni_xa,
            assigned_by=world.hni_ubnd,
            code=f"1.{i + 3}",
            position=i + 2,
            title=f"Nhiệm vụ xã {i}",
            due_date=dt.date(2026, 6, 1),
        )
        for i in range(300)
    )
    client = _client(world, "hni_officer")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("planning:program_tree", args=[parent.program_id]))
    assert response.status_code == 200 and "Nhiệm vụ xã 299" in response.content.decode()


def test_subtask_form_keeps_input_and_shows_error_next_to_field(world):
    parent = world.tasks["hni"]
    client = _client(world, "hni_officer")
    url = reverse("planning:subtask_new", args=[parent.pk])
    assert client.get(url).status_code == 200
    data = {
        "title": "Số hóa hồ sơ cấp xã",
        "lead_agency": world.hni_ubnd.pk,
        "due_date": "2026-12-31",
        "weight": "1",
        "coord-TOTAL_FORMS": "2",
        "coord-INITIAL_FORMS": "0",
    }
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "30/06/2026" in html and "is-invalid" in html and "Số hóa hồ sơ cấp xã" in html
    assert not Task.objects.filter(title="Số hóa hồ sơ cấp xã").exists()
    data["due_date"] = "2026-05-31"
    response = client.post(url, data)
    assert response.status_code == 302
    assert Task.objects.get(title="Số hóa hồ sơ cấp xã").parent == parent


def test_forms_refused_to_a_commune_officer_on_a_province_task(world):
    client = _client(world, "xa_officer")
    task = world.tasks["hni"]
    for name in ("task_edit", "subtask_new", "task_move", "task_split"):
        assert client.get(reverse(f"planning:{name}", args=[task.pk])).status_code in (403, 404), name


def test_task_page_shows_planning_section_and_milestone_flow(world):
    task = world.tasks["hni_so"]
    client = _client(world, "hni_so_officer")
    response = client.post(
        reverse("planning:milestone_add", args=[task.pk]), {"name": "Dự thảo", "due_date": "2026-02-01"}
    )
    assert response.status_code == 302
    html = assert_safe_page(client.get(reverse("web:task_detail", args=[task.pk])))
    assert "Dự thảo" in html and reverse("planning:task_edit", args=[task.pk]) in html
    assert Milestone.objects.filter(task=task).count() == 1


def test_move_page_moves_and_renumbers(world):
    client = _client(world, "hni_officer")
    task = world.tasks["hni_xa"]
    response = client.post(reverse("planning:task_move", args=[task.pk]), {"parent": "", "position": "1"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.parent_id is None and task.code == "1"


# --- API --------------------------------------------------------------------------------------


def _api(bearer, username, method, url, body=None):
    client = bearer(username)
    return client.generic(method, url, json.dumps(body or {}), content_type="application/json")


def test_api_subtask_patch_move_dependency_milestones(world, bearer):
    parent = world.tasks["hni"]
    r = _api(
        bearer,
        "hni_officer",
        "POST",
        f"/api/v1/tasks/{parent.pk}/subtasks",
        {"title": "Tập huấn cán bộ xã", "lead_agency": world.hni_ubnd.pk, "due_date": "2026-05-01"},
    )
    assert r.status_code == 201, r.content
    new = r.json()
    assert new["code"] == "1.3"
    r = _api(
        bearer,
        "hni_officer",
        "PATCH",
        f"/api/v1/tasks/{new['id']}",
        {"version": new["version"], "title": "Tập huấn"},
    )
    assert r.status_code == 200 and r.json()["title"] == "Tập huấn"
    r = _api(
        bearer,
        "hni_officer",
        "PATCH",
        f"/api/v1/tasks/{new['id']}",
        {"version": new["version"], "title": "Cũ"},
    )
    assert r.status_code == 409 and r["Content-Type"].startswith("application/problem+json")
    r = _api(
        bearer, "hni_officer", "POST", f"/api/v1/tasks/{parent.pk}/move", {"parent": world.tasks["hni_so"].pk}
    )
    assert r.status_code == 400 and r.json()["code"] == "cycle"
    r = _api(
        bearer,
        "hni_officer",
        "POST",
        f"/api/v1/tasks/{new['id']}/dependencies",
        {"depends_on": world.tasks["hni_so"].pk},
    )
    assert r.status_code == 201
    r = bearer("hni_officer").get(f"/api/v1/tasks/{new['id']}/waiting-on")
    assert [t["id"] for t in r.json()] == [world.tasks["hni_so"].pk]
    r = _api(
        bearer,
        "hni_officer",
        "POST",
        f"/api/v1/tasks/{new['id']}/milestones",
        {"name": "Kế hoạch", "due_date": "2026-06-01"},
    )
    assert r.status_code == 400 and "01/05/2026" in r.json()["detail"]
    r = _api(
        bearer,
        "hni_officer",
        "POST",
        f"/api/v1/tasks/{new['id']}/milestones",
        {"name": "Kế hoạch", "due_date": "2026-03-01"},
    )
    assert r.status_code == 201
    mid = r.json()["id"]
    r = _api(
        bearer,
        "hni_officer",
        "PATCH",
        f"/api/v1/tasks/{new['id']}/milestones/{mid}",
        {"done_on": "2025-01-02"},
    )
    assert r.status_code == 200 and r.json()["done_on"] == "2025-01-02"
    assert (
        _api(bearer, "hni_officer", "DELETE", f"/api/v1/tasks/{new['id']}/milestones/{mid}").status_code
        == 204
    )
    assert (
        _api(
            bearer,
            "hni_officer",
            "DELETE",
            f"/api/v1/tasks/{new['id']}/dependencies/{world.tasks['hni_so'].pk}",
        ).status_code
        == 204
    )
    assert _api(bearer, "hni_officer", "DELETE", f"/api/v1/tasks/{new['id']}").status_code == 204
    assert not Task.objects.filter(pk=new["id"]).exists()
    assert AuditEntry.objects.filter(action="planning.task_deleted").count() == 1


def test_api_scope_and_permission(world, bearer):
    hcm = world.tasks["hcm"]
    r = _api(
        bearer,
        "hni_officer",
        "POST",
        f"/api/v1/tasks/{hcm.pk}/subtasks",
        {"title": "X", "lead_agency": world.hcm.pk, "due_date": "2026-01-01"},
    )
    assert r.status_code == 404
    r = _api(
        bearer,
        "inspector",
        "POST",
        f"/api/v1/tasks/{world.tasks['hni'].pk}/subtasks",
        {"title": "X", "lead_agency": world.hni_ubnd.pk, "due_date": "2026-01-01"},
    )
    assert r.status_code == 403
    r = _api(
        bearer,
        "hni_officer",
        "POST",
        f"/api/v1/tasks/{world.tasks['hni'].pk}/subtasks",
        {"title": "X", "lead_agency": world.hcm.pk, "due_date": "2026-01-01"},
    )
    assert r.status_code == 400 and r.json()["errors"]["lead_agency"]
    r = _api(
        bearer,
        "hni_officer",
        "POST",
        f"/api/v1/programs/{world.tasks['hni'].program_id}/tasks",
        {"title": "Y", "lead_agency": world.hni_so.pk, "due_date": "2026-01-01", "code": "1"},
    )
    assert r.status_code == 400 and r.json()["errors"]["code"]
    r = _api(
        bearer,
        "hni_officer",
        "POST",
        f"/api/v1/tasks/{world.tasks['hni_so'].pk}/split",
        {"parts": [{"title": "A"}, {"title": "B", "weight": 2}]},
    )
    assert r.status_code == 201 and [p["code"] for p in r.json()] == ["1.1.1", "1.1.2"]
    assert TaskDependency.objects.count() == 0
