"""The resources under /api/v1: scope, filters, pagination and problem+json on bad input."""

import json

import pytest

from resmon.accounts.models import User
from resmon.agencies.selectors import agencies_visible
from resmon.audit.models import AuditEntry
from resmon.planning import selectors as planning
from resmon.planning.services import record_progress

from .test_auth import assert_problem

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


# --- scope ---------------------------------------------------------------------------------


def test_task_count_equals_the_selector_count(world, bearer):
    for name in ("hni_officer", "xa_officer", "ministry_officer", "inspector", "steering", "national_leader"):
        body = bearer(name).get("/api/v1/tasks").json()
        assert body["count"] == planning.tasks_visible(world.users[name]).count(), name
        assert len(body["items"]) == body["count"]


def test_commune_officer_cannot_see_other_province(world, bearer):
    c = bearer("xa_officer")
    assert world.tasks["hcm"].pk not in ids(c.get("/api/v1/tasks"))
    for key in ("hcm", "hcm_xa", "ministry"):
        assert_problem(c.get(f"/api/v1/tasks/{world.tasks[key].pk}"), 404, "not_found")
    assert_problem(c.get(f"/api/v1/agencies/{world.hcm.pk}"), 404)
    assert_problem(c.get(f"/api/v1/agencies/{world.hcm.pk}/children"), 404)
    assert world.hcm.pk not in ids(c.get("/api/v1/agencies"))


def test_missing_and_forbidden_objects_answer_the_same(world, bearer):
    c = bearer("xa_officer")
    forbidden = c.get(f"/api/v1/tasks/{world.tasks['hcm'].pk}").json()
    missing = c.get("/api/v1/tasks/999999").json()
    assert forbidden == missing


def test_agencies_in_scope_and_children(world, bearer):
    c = bearer("hni_officer")
    visible = ids(c.get("/api/v1/agencies"))
    assert visible == set(agencies_visible(world.users["hni_officer"]).values_list("pk", flat=True))
    assert world.hni.pk in visible and world.hcm.pk not in visible and world.root.pk not in visible
    children = ids(c.get(f"/api/v1/agencies/{world.hni.pk}/children"))
    assert children == {world.hni_ubnd.pk, world.hni_xa.pk, world.hni_xa2.pk}
    one = c.get(f"/api/v1/agencies/{world.hni_xa.pk}").json()
    assert one["code"] == "HNI-X1" and one["parent_id"] == world.hni.pk and one["active"]


def test_agency_filters(world, bearer):
    c = bearer("national_leader")
    assert ids(c.get("/api/v1/agencies", {"parent": world.hni.pk})) == {
        world.hni_ubnd.pk,
        world.hni_xa.pk,
        world.hni_xa2.pk,
    }
    communes = ids(c.get("/api/v1/agencies", {"level": "commune"}))
    assert communes == {world.hni_xa.pk, world.hni_xa_ubnd.pk, world.hni_xa2.pk, world.hcm_xa.pk}
    assert ids(c.get("/api/v1/agencies", {"kind": "ministry"})) == {world.bo_khcn.pk}
    assert ids(c.get("/api/v1/agencies", {"q": "Phú Mỹ"})) == {world.hni_xa2.pk}
    assert ids(c.get("/api/v1/agencies", {"active": "false"})) == set()
    assert_problem(c.get("/api/v1/agencies", {"kind": "planet"}), 400, "validation_failed")
    assert_problem(c.get("/api/v1/agencies", {"active": "maybe"}), 400)
    # a parent outside the caller's scope is refused like an unknown one
    assert_problem(bearer("xa_officer").get("/api/v1/agencies", {"parent": world.hcm.pk}), 400)


def test_steering_member_sees_the_resolution_nationwide(world, bearer):
    seen = ids(bearer("steering").get("/api/v1/tasks", {"resolution": world.res.pk}))
    assert {world.tasks["hcm"].pk, world.tasks["hni_xa"].pk, world.tasks["ministry"].pk} <= seen


def test_inspector_sees_the_inspected_subtree(world, bearer):
    seen = ids(bearer("inspector").get("/api/v1/tasks"))
    assert world.tasks["hni_xa"].pk in seen and world.tasks["hcm"].pk not in seen


def test_me_shows_role_agency_and_scope(world, bearer):
    body = bearer("inspector").get("/api/v1/me").json()
    assert body["role"] == "inspector" and body["agency"]["code"] == "UBKTTW"
    assert {a["code"] for a in body["scope"]["read_agencies"]} == {"UBKTTW", "HNI"}
    assert body["scope"]["write_agencies"] == []
    assert bearer("steering").get("/api/v1/me").json()["scope"]["steering_resolution_ids"] == [world.res.pk]


# --- tasks: filters, pagination, detail ----------------------------------------------------


def test_task_filters(world, bearer):
    c = bearer("national_leader")
    t = world.tasks
    assert ids(c.get("/api/v1/tasks", {"agency": world.hni.pk})) == {
        t["hni"].pk,
        t["hni_so"].pk,
        t["hni_xa"].pk,
    }
    assert ids(c.get("/api/v1/tasks", {"parent": t["hni"].pk})) == {t["hni_so"].pk, t["hni_xa"].pk}
    assert ids(c.get("/api/v1/tasks", {"resolution": world.res2.pk})) == set()
    assert ids(c.get("/api/v1/tasks", {"due_from": "01/06/2026", "due_to": "2026-09-30"})) == {
        t["hni"].pk,
        t["hni_xa"].pk,
    }
    assert ids(c.get("/api/v1/tasks", {"q": "Đà Nẵng"})) == set()
    assert t["hcm"].pk in ids(c.get("/api/v1/tasks", {"q": "Thành phố Hồ Chí Minh"}))
    by_status = ids(c.get("/api/v1/tasks", {"status": "not_started"}))
    expected = {
        x.pk for x in planning.tasks_visible(world.users["national_leader"]) if x.status == "not_started"
    }
    assert by_status == expected


def test_task_status_is_derived_and_items_carry_the_documented_fields(world, bearer):
    c = bearer("hni_officer")
    item = next(i for i in c.get("/api/v1/tasks").json()["items"] if i["id"] == world.tasks["hni"].pk)
    assert item["lead_agency"] == {"id": world.hni_ubnd.pk, "code": "HNI-UBND", "name": world.hni_ubnd.name}
    assert item["assigned_by"]["code"] == "HNI"
    expected_status = planning.tasks_visible(world.users["hni_officer"]).get(pk=world.tasks["hni"].pk).status
    assert item["status"] == expected_status and item["status_label"]
    for key in ("due_date", "original_due_date", "ongoing", "percent_done"):
        assert key in item


def test_pagination(world, bearer):
    c = bearer("national_leader")
    total = c.get("/api/v1/tasks").json()["count"]
    first = c.get("/api/v1/tasks", {"limit": 2, "offset": 0}).json()
    second = c.get("/api/v1/tasks", {"limit": 2, "offset": 2}).json()
    assert first["count"] == second["count"] == total
    assert len(first["items"]) == 2
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    assert c.get("/api/v1/tasks", {"offset": total + 5}).json()["items"] == []
    assert c.get("/api/v1/tasks", {"limit": 500}).status_code == 200
    body = assert_problem(c.get("/api/v1/tasks", {"limit": 501}), 400, "validation_failed")
    assert "limit" in body["errors"]
    assert_problem(c.get("/api/v1/tasks", {"limit": 0}), 400)
    assert_problem(c.get("/api/v1/tasks", {"offset": -1}), 400)


def test_task_detail_with_coordination_children_and_rolled_up_progress(world, bearer):
    officer = world.users["hni_so_officer"]
    record_progress(officer, world.tasks["hni_so"], percent_done=40)
    c = bearer("hni_officer")
    body = c.get(f"/api/v1/tasks/{world.tasks['hni'].pk}").json()
    assert set(body["children"]) == {world.tasks["hni_so"].pk, world.tasks["hni_xa"].pk}
    assert body["progress"] == 20.0  # mean of 40 and 0, equal weights
    coord = c.get(f"/api/v1/tasks/{world.tasks['ministry_coord'].pk}").json()
    assert coord["coordinating_agencies"] == [
        {
            "agency": {"id": world.hni_so.pk, "code": "HNI-SKHCN", "name": world.hni_so.name},
            "sub_deliverable": "",
        }
    ]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/tasks?due_from=31/02/2026", "due_from"),
        ("/api/v1/tasks?due_to=tomorrow", "due_to"),
        ("/api/v1/tasks?due_from=2026-12-01&due_to=2026-01-01", "due_to"),
        ("/api/v1/tasks?status=finished", "status"),
        ("/api/v1/tasks?resolution=abc", "resolution"),
        ("/api/v1/tasks?agency=999999", "agency"),
        ("/api/v1/tasks?parent=1.5", "parent"),
        ("/api/v1/tasks/abc", "task_id"),
        ("/api/v1/agencies/abc", "agency_id"),
        ("/api/v1/programs?resolution=x", "resolution"),
    ],
)
def test_bad_input_is_a_clear_400_problem(world, bearer, url, field):
    body = assert_problem(bearer("hni_officer").get(url), 400, "validation_failed")
    assert field in body["errors"], body
    assert all(body["errors"][field])


def test_unknown_api_path_is_a_404_problem(world, bearer):
    assert_problem(bearer("hni_officer").get("/api/v1/no-such-thing"), 404)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/tasks/99999999999999999999",
        "/api/v1/tasks/0",
        "/api/v1/tasks/-1",
        "/api/v1/tasks?resolution=99999999999999999999",
        "/api/v1/tasks?offset=99999999999999999999",
        "/api/v1/users/99999999999999999999",
        "/api/v1/agencies?parent=0",
    ],
)
def test_out_of_range_ids_are_refused_not_errors(world, bearer, url):
    assert_problem(bearer("hni_admin").get(url), 400, "validation_failed")


def test_largest_id_is_simply_not_found(world, bearer):
    assert_problem(bearer("hni_officer").get(f"/api/v1/tasks/{2**63 - 1}"), 404)


def test_nul_characters_in_search_are_harmless(world, bearer):
    c = bearer("hni_officer")
    for url in ("/api/v1/tasks?q=%00", "/api/v1/agencies?q=H%00N", "/api/v1/resolutions?q=%00"):
        assert c.get(url).status_code == 200


# --- resolutions and programmes ------------------------------------------------------------


def test_resolutions_with_counts_in_scope(world, bearer):
    c = bearer("hni_officer")
    items = {i["number"]: i for i in c.get("/api/v1/resolutions").json()["items"]}
    visible = planning.tasks_visible(world.users["hni_officer"])
    assert items["57-NQ/TW"]["task_count"] == visible.filter(resolution=world.res).count()
    detail = c.get(f"/api/v1/resolutions/{world.res.pk}").json()
    assert sum(detail["status_counts"].values()) == detail["task_count"] == items["57-NQ/TW"]["task_count"]
    assert detail["steering_committee"]["member_count"] == 1
    assert_problem(c.get("/api/v1/resolutions/999"), 404)


def test_programs_in_scope_and_filters(world, bearer):
    c = bearer("hni_officer")
    programs = c.get("/api/v1/programs").json()["items"]
    assert {p["agency"]["code"] for p in programs} == {"HNI"}
    hcm_program = bearer("hcm_officer").get("/api/v1/programs").json()["items"][0]
    assert_problem(c.get(f"/api/v1/programs/{hcm_program['id']}"), 404)
    national = bearer("national_leader")
    assert {
        p["agency"]["code"]
        for p in national.get("/api/v1/programs", {"agency": world.hcm.pk}).json()["items"]
    } == {"HCM"}
    assert national.get("/api/v1/programs", {"resolution": world.res2.pk}).json()["count"] == 0
    detail = c.get(f"/api/v1/programs/{programs[0]['id']}").json()
    assert detail["task_count"] == 3


# --- users ---------------------------------------------------------------------------------


def test_users_collection_is_for_administrators(world, bearer):
    assert_problem(bearer("hni_officer").get("/api/v1/users"), 403, "permission_refused")
    assert_problem(bearer("national_leader").get("/api/v1/users"), 403)
    assert_problem(bearer("hni_officer").get(f"/api/v1/users/{world.users['hni_leader'].pk}"), 404)
    admin = bearer("hni_admin")
    usernames = {u["username"] for u in admin.get("/api/v1/users").json()["items"]}
    assert {"hni_admin", "hni_officer", "xa_officer", "hni_so_officer"} <= usernames
    assert not usernames & {"hcm_officer", "sysadmin", "inspector"}
    assert_problem(admin.get(f"/api/v1/users/{world.users['hcm_officer'].pk}"), 404)
    assert admin.get(f"/api/v1/users/{world.users['xa_officer'].pk}").json()["agency"]["code"] == "HNI-X1"
    filtered = admin.get("/api/v1/users", {"agency": world.hni_xa.pk, "role": "focal_officer"}).json()
    assert {u["username"] for u in filtered["items"]} == {"xa_officer"}
    assert_problem(admin.get("/api/v1/users", {"role": "emperor"}), 400)


def _new_user(world, **kw):
    body = {
        "username": "nguyen.van.moi",
        "full_name": "Nguyễn Văn Mới",
        "agency": world.hni_xa.pk,
        "role": "focal_officer",
        "email": "moi@hanoi.gov.vn",
    }
    body.update(kw)
    return json.dumps(body)


def test_create_user_returns_temporary_password_once_and_audits(world, bearer):
    response = bearer("hni_admin", confirmed=True).post(
        "/api/v1/users", data=_new_user(world), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["temporary_password"] and body["must_change_password"] and body["agency"]["code"] == "HNI-X1"
    user = User.objects.get(username="nguyen.van.moi")
    assert user.check_password(body["temporary_password"])
    entry = AuditEntry.objects.get(action="accounts.user_created", object_id=str(user.pk))
    assert entry.actor_id == world.users["hni_admin"].pk
    assert body["temporary_password"] not in json.dumps(entry.after)


@pytest.mark.parametrize("who", ["hni_officer", "hni_leader", "inspector"])
def test_create_user_refused_for_non_administrators(world, bearer, who):
    response = bearer(who).post("/api/v1/users", data=_new_user(world), content_type="application/json")
    assert_problem(response, 403, "permission_refused")
    assert not User.objects.filter(username="nguyen.van.moi").exists()
    assert not AuditEntry.objects.filter(action="accounts.user_created").exists()


def test_create_user_outside_subtree_or_as_system_admin_refused(world, bearer):
    admin = bearer("hni_admin", confirmed=True)
    outside = admin.post(
        "/api/v1/users", data=_new_user(world, agency=world.hcm.pk), content_type="application/json"
    )
    assert "agency" in assert_problem(outside, 400)["errors"]
    sysadmin = admin.post(
        "/api/v1/users", data=_new_user(world, role="system_admin"), content_type="application/json"
    )
    assert_problem(sysadmin, 403)
    assert not User.objects.filter(username="nguyen.van.moi").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"username": "Có Dấu"}, "username"),
        ({"username": "hni_officer"}, "username"),
        ({"full_name": "  "}, "full_name"),
        ({"role": "emperor"}, "role"),
        ({"email": "not-an-email"}, "email"),
        ({"agency": "abc"}, "agency"),
        ({"agency": None}, "agency"),
    ],
)
def test_create_user_bad_input_refused_and_nothing_saved(world, bearer, change, field):
    before = User.objects.count()
    response = bearer("hni_admin", confirmed=True).post(
        "/api/v1/users", data=_new_user(world, **change), content_type="application/json"
    )
    body = assert_problem(response, 400)
    assert field in body["errors"], body
    assert User.objects.count() == before
    assert not AuditEntry.objects.filter(action="accounts.user_created").exists()


def test_create_user_invalid_json_body(world, bearer):
    response = bearer("hni_admin").post("/api/v1/users", data="{oops", content_type="application/json")
    assert_problem(response, 400, "malformed_body")


def test_deactivate_user(world, bearer):
    target = world.users["xa_officer"]
    admin = bearer("hni_admin", confirmed=True)
    url = f"/api/v1/users/{target.pk}/deactivate"
    no_reason = admin.post(url, data=json.dumps({"reason": ""}), content_type="application/json")
    assert "reason" in assert_problem(no_reason, 400)["errors"]
    target.refresh_from_db()
    assert target.is_active
    assert_problem(
        bearer("hcm_admin").post(url, data=json.dumps({"reason": "x"}), content_type="application/json"), 404
    )
    assert_problem(
        bearer("hni_officer").post(url, data=json.dumps({"reason": "x"}), content_type="application/json"),
        404,
    )
    ok = admin.post(url, data=json.dumps({"reason": "Nghỉ hưu"}), content_type="application/json")
    assert ok.status_code == 200 and ok.json()["is_active"] is False
    entry = AuditEntry.objects.get(action="accounts.user_deactivated", object_id=str(target.pk))
    assert entry.reason == "Nghỉ hưu"
