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


HX = {"HTTP_HX_REQUEST": "true"}


def test_tree_page_shows_indented_tree_with_actions_loaded_on_demand(world):
    program = world.tasks["hni"].program
    client = _client(world, "hni_officer")
    html = assert_safe_page(client.get(reverse("planning:program_tree", args=[program.pk])))
    assert "depth-1" in html and world.tasks["hni_so"].title in html
    actions = reverse("planning:task_actions", args=[world.tasks["hni"].pk])
    assert actions in html
    # the menu: htmx gets the items, without JavaScript a small page with the same actions
    menu = client.get(actions, **HX).content.decode()
    assert reverse("planning:subtask_new", args=[world.tasks["hni"].pk]) in menu
    assert reverse("planning:task_edit", args=[world.tasks["hni"].pk]) in menu
    page = assert_safe_page(client.get(actions))
    assert 'id="row-actions"' in page and reverse("planning:task_edit", args=[world.tasks["hni"].pk]) in page
    # an inspector reads the tree but gets no actions
    inspector = _client(world, "inspector")
    html = inspector.get(reverse("planning:program_tree", args=[program.pk])).content.decode()
    assert world.tasks["hni_so"].title in html and actions not in html
    menu = inspector.get(actions, **HX).content.decode()
    assert reverse("planning:task_edit", args=[world.tasks["hni"].pk]) not in menu


def test_tree_page_outside_scope_is_404(world):
    program = world.tasks["hcm"].program
    client = _client(world, "hni_officer")
    assert client.get(reverse("planning:program_tree", args=[program.pk])).status_code == 404
    task = world.tasks["hcm"]
    for name in ("tree_children", "task_actions"):
        assert client.get(reverse(f"planning:{name}", args=[task.pk]), **HX).status_code == 404, name


def _deep_programme(world, n_mid=12, n_leaf=30):
    """Under task ``hni``: ``n_mid`` sub-tasks, each with ``n_leaf`` commune tasks (progress 50 %)."""
    parent = world.tasks["hni"]
    mids = Task.objects.bulk_create(
        Task(
            program=parent.program,
            resolution=parent.resolution,
            parent=parent,
            lead_agency=world.hni_xa,
            assigned_by=world.hni_ubnd,
            code=f"1.{i + 3}",
            position=i + 2,
            title=f"Nhiệm vụ nhóm {i}",
            due_date=dt.date(2026, 6, 1),
        )
        for i in range(n_mid)
    )
    Task.objects.bulk_create(
        Task(
            program=parent.program,
            resolution=parent.resolution,
            parent=mid,
            lead_agency=world.hni_xa,
            assigned_by=world.hni_ubnd,
            code=f"{mid.code}.{k + 1}",
            position=k,
            title=f"Nhiệm vụ xã {mid.code}.{k + 1}",
            due_date=dt.date(2026, 5, 1),
            percent_done=50,
        )
        for mid in mids
        for k in range(n_leaf)
    )
    return parent, mids


def test_tree_page_renders_top_levels_and_loads_branches_on_demand(world, django_assert_max_num_queries):
    parent, mids = _deep_programme(world)
    client = _client(world, "hni_officer")
    url = reverse("planning:program_tree", args=[parent.program_id])
    with django_assert_max_num_queries(14):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200 and "Nhiệm vụ nhóm 11" in html
    assert "Nhiệm vụ xã 1.3.1" not in html  # the third level waits for a click
    children = reverse("planning:tree_children", args=[mids[0].pk])
    assert children in html and f"?under={mids[0].pk}" in html
    assert "Expand all" not in html  # more than 300 tasks
    with django_assert_max_num_queries(12):
        response = client.get(children, **HX)
    part = response.content.decode()
    assert "Nhiệm vụ xã 1.3.30" in part and "50%" in part and "<html" not in part
    # without JavaScript the toggle opens the tree at that task
    response = client.get(children)
    assert response.status_code == 302 and response["Location"].endswith(f"?under={mids[0].pk}")
    html = client.get(response["Location"]).content.decode()
    assert "Nhiệm vụ xã 1.3.30" in html and "Nhiệm vụ nhóm 1<" not in html


def test_tree_page_rolls_progress_up_and_expands_all_when_small(world):
    parent, mids = _deep_programme(world, n_mid=3, n_leaf=4)
    client = _client(world, "hni_officer")
    url = reverse("planning:program_tree", args=[parent.program_id])
    html = client.get(url).content.decode()
    assert "Expand all" in html and "Nhiệm vụ xã 1.3.1" not in html
    html = client.get(url + "?expand=all").content.decode()
    assert "Nhiệm vụ xã 1.3.1" in html and "Nhiệm vụ xã 1.5.4" in html
    assert "50%" in html  # a group of half-done communes


def test_tree_filters_list_matches_flat(world):
    parent, _mids = _deep_programme(world, n_mid=3, n_leaf=4)
    client = _client(world, "hni_officer")
    url = reverse("planning:program_tree", args=[parent.program_id])
    html = client.get(url, {"q": "xã 1.4"}).content.decode()
    assert "4 matching tasks" in html and "Nhiệm vụ xã 1.4.2" in html and "Nhiệm vụ xã 1.3.1" not in html
    html = client.get(url, {"agency": world.hni_so.pk}).content.decode()
    assert world.tasks["hni_so"].title in html and "Nhiệm vụ xã" not in html
    html = client.get(url, {"status": "not_started", "q": "nhóm"}).content.decode()
    assert "matching task" in html


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


# --- the agency pickers of the task form ------------------------------------------------------


def test_task_form_agency_picker_searches_only_the_allowed_subtree(world):
    parent = world.tasks["hni"]
    client = _client(world, "hni_officer")
    html = assert_safe_page(client.get(reverse("planning:subtask_new", args=[parent.pk])))
    options = reverse("planning:agency_options")
    assert f"{options}?for=lead&amp;parent={parent.pk}" in html and 'name="lead_agency_q"' in html
    assert 'name="coord-0-agency_q"' in html and "for=coord" in html
    # the parent is led by the city's people's committee: its subtree only
    found = client.get(options, {"for": "lead", "parent": parent.pk, "lead_agency_q": "skhcn"}, **HX)
    text = found.content.decode()
    assert world.hni_so.name in text and world.hni_ubnd.name not in text
    # an agency outside the parent's lead subtree is never offered, whatever is typed
    text = client.get(options, {"for": "lead", "parent": parent.pk, "lead_agency_q": "HNI-X1"}).content
    assert world.hni_xa.name not in text.decode() and "No agency matches" in text.decode()
    # a task outside the scope is a 404; a lead picker without its form's context too
    assert client.get(options, {"for": "lead", "parent": world.tasks["hcm"].pk}).status_code == 404
    assert client.get(options, {"for": "lead"}).status_code == 404
    # coordinating agencies: any agency the user sees
    text = client.get(options, {"for": "coord", "coord-0-agency_q": world.hni_so.code}).content.decode()
    assert world.hni_so.name in text


def test_task_form_find_button_narrows_without_saving(world):
    parent = world.tasks["hni"]
    client = _client(world, "hni_officer")
    url = reverse("planning:subtask_new", args=[parent.pk])
    data = {
        "title": "Khảo sát hạ tầng số cấp xã",
        "lead_agency_q": "SKHCN",
        "due_date": "2026-05-31",
        "weight": "1",
        "coord-TOTAL_FORMS": "2",
        "coord-INITIAL_FORMS": "0",
        "coord-0-agency_q": world.hni_so.code,
        "find_agency": "1",
    }
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200 and "Khảo sát hạ tầng số cấp xã" in html
    assert "is-invalid" not in html and not Task.objects.filter(title=data["title"]).exists()
    lead_select = html.split('id="id_lead_agency"', 1)[1].split("</select>", 1)[0]
    assert world.hni_so.name in lead_select and world.hni_ubnd.name not in lead_select
    assert 'value="SKHCN"' in html


def test_task_form_accepts_an_allowed_agency_beyond_the_listed_ones(world, monkeypatch):
    from resmon.planning.views import tree_forms

    monkeypatch.setattr(tree_forms, "AGENCY_OPTIONS", 1)
    parent = world.tasks["hni"]
    client = _client(world, "hni_officer")
    url = reverse("planning:subtask_new", args=[parent.pk])
    data = {
        "title": "Tập huấn chuyển đổi số cấp xã",
        "due_date": "2026-05-31",
        "weight": "1",
        "coord-TOTAL_FORMS": "2",
        "coord-INITIAL_FORMS": "0",
    }
    response = client.post(url, data | {"lead_agency": world.hni_xa_ubnd.pk})
    assert response.status_code == 200 and "Choose an agency from the list." in response.content.decode()
    assert not Task.objects.filter(title=data["title"]).exists()
    # the city's department is allowed though only the committee itself is listed
    response = client.post(url, data | {"lead_agency": world.hni_so.pk, "coord-0-agency": world.hni_xa.pk})
    assert response.status_code == 302
    task = Task.objects.get(title=data["title"])
    assert task.lead_agency == world.hni_so and task.coordinations.get().agency == world.hni_xa
