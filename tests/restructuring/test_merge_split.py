"""Merging and splitting agencies: what follows the new agency, what stays as history, refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from resmon.accounts.models import Grant, User
from resmon.agencies.models import Agency, AgencyKind
from resmon.audit.models import AuditEntry
from resmon.core.errors import Conflict, PermissionRefused, ValidationFailed
from resmon.planning.models import ActionProgram, Task, TaskCoordination
from resmon.restructuring.models import RestructuringEvent
from resmon.restructuring.replay import national_totals
from resmon.restructuring.services import Part, agencies_by_code, merge_agencies, split_agency
from tests.factories import agency, program, task

DAY = dt.date(2025, 7, 1)
REF = "Nghị quyết số 202/2025/QH15"


def snapshot_counts():
    return {
        m.__name__: m.objects.count()
        for m in (Agency, Task, ActionProgram, TaskCoordination, Grant, RestructuringEvent, AuditEntry)
    } | {"paths": sorted(Agency.objects.values_list("code", "path", "valid_to")), "totals": national_totals()}


def with_progress(world):
    for key, pct in (("hni_so", 40), ("hni_xa", 80), ("hcm", 30), ("hcm_xa", 60), ("ministry", 10)):
        Task.objects.filter(pk=world.tasks[key].pk).update(percent_done=Decimal(pct))
    Task.objects.filter(pk=world.tasks["hcm"].pk).update(weight=Decimal(2))
    # an HCM task coordinated by both provinces: the merged agency keeps one link
    t = task(program(world.res2, world.hcm), world.hcm, code="1")
    t.coordinations.create(agency=world.hni, sub_deliverable="Số liệu Hà Nội")
    t.coordinations.create(agency=world.hcm_xa, sub_deliverable="Số liệu xã")
    return world


def merge_new(world, actor=None, **kw):
    spec = {"code": "HNHCM", "name": "Thành ủy Hà Nội – Hồ Chí Minh", "parent": world.root}
    return merge_agencies(
        actor or world.users["sysadmin"],
        sources=kw.pop("sources", [world.hni, world.hcm]),
        new_spec=kw.pop("new_spec", spec),
        effective_on=kw.pop("effective_on", DAY),
        reference=kw.pop("reference", REF),
        **kw,
    )


def test_merge_into_a_new_agency_moves_everything_and_keeps_history(world):
    with_progress(world)
    before = national_totals()
    event = merge_new(world)
    new = Agency.objects.get(code="HNHCM")
    assert (new.kind, new.level, new.valid_from) == (AgencyKind.PROVINCIAL_PARTY, "province", DAY)
    assert Agency.objects.find_problems() == ([], [], [], [], [])
    # the former agencies stay, ended the day before, listed as predecessors
    for old in (world.hni, world.hcm):
        old.refresh_from_db()
        assert old.valid_to == dt.date(2025, 6, 30) and old.numchild == 0
    assert set(new.predecessors.values_list("code", flat=True)) == {"HNI", "HCM"}
    # sub-agencies moved under the new agency with their own subtrees
    for code in ("HNI-UBND", "HNI-SKHCN", "HNI-X1", "HNI-X1-UBND", "HNI-X2", "HCM-X1"):
        assert Agency.objects.get(code=code).path.startswith(new.path), code
    assert Agency.objects.get(code="HNI-X1-UBND").depth == 4
    # tasks, users, grants follow
    assert not Task.objects.filter(lead_agency__code__in=["HNI", "HCM"]).exists()
    assert not Task.objects.filter(assigned_by__code__in=["HNI", "HCM"]).exists()
    assert set(User.objects.filter(username__startswith="hni_").values_list("agency__code", flat=True)) <= {
        "HNHCM",
        "HNI-SKHCN",
        "HNI-X1",
        "HNI-X2",
    }
    assert User.objects.get(username="hcm_officer").agency == new
    assert Grant.objects.get(user__username="inspector").agency == new
    # one programme per resolution: Hà Nội's kept, HCM's tasks folded in with a prefix, HCM's stays as record
    p57 = ActionProgram.objects.get(agency=new, resolution=world.res)
    assert set(p57.tasks.values_list("code", flat=True)) >= {"1", "1.1", "1.2", "HCM · 1", "HCM · 1.1"}
    assert ActionProgram.objects.get(agency=world.hcm, resolution=world.res).tasks.count() == 0
    # the coordination by Hà Nội became the new agency's; the task is led by it too now
    t71 = Task.objects.get(program__resolution=world.res2)
    assert t71.lead_agency == new
    # totals and national progress per resolution agree
    assert national_totals() == before
    assert event.moved["tasks"] >= 3 and event.moved["users"] >= 4
    audit = AuditEntry.objects.get(action="agency.merged")
    assert audit.before == {"agencies": ["HNI", "HCM"]} and audit.after["agencies"] == ["HNHCM"]
    assert audit.reason == REF
    assert AuditEntry.objects.filter(action="agency.created", object_id=str(new.pk)).exists()
    # a user moved to the new agency sees the tasks of both former agencies
    officer = User.objects.get(username="hcm_officer")
    from resmon.planning.selectors import tasks_visible

    assert tasks_visible(officer).filter(pk=world.tasks["hni_so"].pk).exists()


def test_merge_into_an_existing_agency(world):
    hni_xa2 = world.hni_xa2
    t = task(ActionProgram.objects.get(agency=world.hni), hni_xa2, code="9")
    User.objects.filter(username="xa2_officer").update(agency=hni_xa2)
    merge_agencies(
        world.users["sysadmin"], sources=[hni_xa2], into=world.hni_xa, effective_on=DAY, reference=REF
    )
    t.refresh_from_db()
    assert t.lead_agency == world.hni_xa and t.version == 2
    assert User.objects.get(username="xa2_officer").agency == world.hni_xa
    assert Agency.objects.get(pk=hni_xa2.pk).valid_to == dt.date(2025, 6, 30)
    assert Agency.objects.find_problems() == ([], [], [], [], [])


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"sources": "descendant"}, "own subtree"),
        ({"sources": "mixed"}, "different kinds"),
        ({"new_spec": {"code": "HCM", "name": "Trùng mã", "parent": None}}, "already used"),
        ({"new_spec": {"code": "", "name": "", "parent": None}}, "code and a name"),
        ({"reference": " "}, "decision"),
        ({"sources": []}, "at least one"),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(world, kwargs, message):
    if kwargs.get("sources") == "descendant":
        kwargs["sources"] = [world.hni]
        kwargs["new_spec"] = {"code": "MOI", "name": "Mới", "parent": world.hni_xa}
    elif kwargs.get("sources") == "mixed":
        kwargs["sources"] = [world.hni, world.bo_khcn]
    if "new_spec" in kwargs and kwargs["new_spec"]["parent"] is None:
        kwargs["new_spec"]["parent"] = world.root
    before = snapshot_counts()
    with pytest.raises((ValidationFailed, Conflict), match=message):
        merge_new(world, **kwargs)
    assert snapshot_counts() == before


def test_merging_into_a_descendant_and_inactive_sources_are_refused(world):
    before = snapshot_counts()
    with pytest.raises(ValidationFailed, match="own subtree"):
        merge_agencies(
            world.users["sysadmin"], sources=[world.hni], into=world.hni_xa, effective_on=DAY, reference=REF
        )
    Agency.objects.filter(pk=world.hcm.pk).update(valid_to=dt.date(2025, 1, 1))
    world.hcm.refresh_from_db()
    with pytest.raises(ValidationFailed, match="no longer active"):
        merge_new(world)
    Agency.objects.filter(pk=world.hcm.pk).update(valid_to=None)
    assert snapshot_counts() == before
    with pytest.raises(ValidationFailed, match="NOPE"):
        agencies_by_code(["HNI", "NOPE"])


@pytest.mark.parametrize("username", ["hni_admin", "hni_leader", "national_leader", "inspector"])
def test_only_system_administrators_restructure(world, username):
    before = snapshot_counts()
    with pytest.raises(PermissionRefused):
        merge_new(world, actor=world.users[username])
    with pytest.raises(PermissionRefused):
        split_agency(
            world.users[username],
            source=world.hcm,
            parts=[Part(into=world.hni), Part(into=world.vptw)],
            effective_on=DAY,
            reference=REF,
        )
    assert snapshot_counts() == before


def test_split_sends_children_tasks_and_users_to_their_part(world):
    with_progress(world)
    before = national_totals()
    hni = world.hni
    parts = [
        Part(spec={"code": "HN-A", "name": "Thành ủy Hà Nội A", "parent": world.root}),
        Part(
            spec={"code": "HN-B", "name": "Thành ủy Hà Nội B", "parent": world.root},
            children=[world.hni_xa2.pk],
            users=[world.users["hni_leader"].pk],
        ),
    ]
    event = split_agency(world.users["sysadmin"], source=hni, parts=parts, effective_on=DAY, reference=REF)
    a, b = Agency.objects.get(code="HN-A"), Agency.objects.get(code="HN-B")
    assert Agency.objects.find_problems() == ([], [], [], [], [])
    assert Agency.objects.get(code="HNI-X2").path.startswith(b.path)
    assert Agency.objects.get(code="HNI-UBND").path.startswith(a.path)
    assert User.objects.get(username="hni_leader").agency == b
    assert User.objects.get(username="hni_officer").agency == a
    assert ActionProgram.objects.get(resolution=world.res, agency=a)
    assert set(Grant.objects.filter(user__username="inspector").values_list("agency__code", flat=True)) == {
        "HN-A",
        "HN-B",
    }
    assert Agency.objects.get(pk=hni.pk).valid_to == dt.date(2025, 6, 30)
    assert set(a.predecessors.all()) == set(b.predecessors.all()) == {Agency.objects.get(pk=hni.pk)}
    assert national_totals() == before
    assert event.kind == "split"
    assert AuditEntry.objects.filter(action="agency.split", object_id=str(event.pk)).exists()


def test_split_refuses_ids_that_are_not_the_sources(world):
    before = snapshot_counts()
    parts = [Part(into=world.vptw, children=[world.hcm_xa.pk]), Part(into=world.ubkt)]
    with pytest.raises(ValidationFailed, match="do not belong"):
        split_agency(world.users["sysadmin"], source=world.hni, parts=parts, effective_on=DAY, reference=REF)
    with pytest.raises(ValidationFailed, match="at least two"):
        split_agency(
            world.users["sysadmin"], source=world.hni, parts=parts[:1], effective_on=DAY, reference=REF
        )
    assert snapshot_counts() == before


def test_event_pages(world, client):
    merge_new(world)
    client.force_login(world.users["hcm_officer"])
    response = client.get("/restructuring/")
    assert response.status_code == 200 and "Thành ủy Hà Nội – Hồ Chí Minh" in response.content.decode()
    page = client.get(f"/agencies/{Agency.objects.get(code='HNHCM').pk}/")
    assert REF in page.content.decode()
    # a commune elsewhere sees no event it took no part in
    other = agency(world.root, "Tỉnh ủy Khác", AgencyKind.PROVINCIAL_PARTY, "province", code="KHAC")
    User.objects.filter(username="xa2_officer").update(agency=other)
    client.force_login(User.objects.get(username="xa2_officer"))
    assert REF not in client.get("/restructuring/").content.decode()
