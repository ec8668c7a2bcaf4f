"""The decomposition editor's services: assign down, edit, move, split, delete, dependencies,
milestones. Each: permission refused, bad input refused with nothing saved, audit row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from resmon.audit.models import AuditEntry
from resmon.core.errors import Conflict, PermissionRefused, ValidationFailed
from resmon.planning.models import ActionProgram, Milestone, ProgramAmendment, Task, TaskDependency
from resmon.planning.services import milestones as ms
from resmon.planning.services import tasks as task_services
from resmon.planning.services import tree

D = dt.date


def _sub(world, actor="hni_officer", parent="hni", **kw):
    kw.setdefault("lead_agency", world.hni_ubnd)
    kw.setdefault("title", "Triển khai nền tảng số cấp xã")
    kw.setdefault("due_date", D(2026, 5, 31))
    return tree.create_subtask(world.users[actor], world.tasks[parent], **kw)


def _audits(action):
    return AuditEntry.objects.filter(action=action).count()


# --- assign down ------------------------------------------------------------------------------


def test_lead_assigns_a_subtask_down_with_code_position_and_audit(world):
    world.tasks["hni"].lead_agency = world.hni  # the city party committee leads, communes under it
    world.tasks["hni"].save()
    t = _sub(
        world,
        lead_agency=world.hni_xa,
        responsible_officer="Nguyễn Văn A",
        coordinating=[(world.hni_so, "Hướng dẫn kỹ thuật")],
    )
    assert t.code == "1.3" and t.position == 2  # after 1.1 and 1.2
    assert t.assigned_by == world.hni and t.parent == world.tasks["hni"]
    assert list(t.coordinations.values_list("agency_id", "sub_deliverable")) == [
        (world.hni_so.pk, "Hướng dẫn kỹ thuật")
    ]
    entry = AuditEntry.objects.get(action="planning.subtask_assigned")
    assert entry.object_id == str(t.pk) and entry.after["coordinating"] == [
        [world.hni_so.pk, "Hướng dẫn kỹ thuật"]
    ]


@pytest.mark.parametrize("actor", ["hcm_officer", "xa_officer", "inspector", "ministry_officer"])
def test_assign_down_refused_outside_the_lead(world, actor):
    before = Task.objects.count()
    with pytest.raises(PermissionRefused):
        _sub(world, actor=actor)
    assert Task.objects.count() == before


def test_lead_outside_the_parents_lead_subtree_is_refused(world):
    with pytest.raises(ValidationFailed) as exc:
        _sub(world, lead_agency=world.hcm_xa)
    assert exc.value.field == "lead_agency" and "UBND Thành phố Hà Nội" in str(exc.value)
    assert not Task.objects.filter(title="Triển khai nền tảng số cấp xã").exists()


def test_subtask_deadline_after_parent_needs_a_justification(world):
    with pytest.raises(ValidationFailed) as exc:
        _sub(world, due_date=D(2026, 7, 31))
    assert exc.value.field == "due_date" and "30/06/2026" in str(exc.value)
    assert not Task.objects.filter(title="Triển khai nền tảng số cấp xã").exists()
    t = _sub(world, due_date=D(2026, 7, 31), deadline_justification="Chờ hạ tầng của Bộ")
    assert t.deadline_justification == "Chờ hạ tầng của Bộ"


def test_issued_programme_needs_an_open_amendment(world):
    program = world.tasks["hni"].program
    program.status = ActionProgram.Status.ISSUED
    program.save()
    with pytest.raises(ValidationFailed, match="record an amendment first"):
        _sub(world)
    ProgramAmendment.objects.create(
        program=program, decided_on=D(2025, 9, 1), reason="Bổ sung", created_by=world.users["hni_leader"]
    )
    assert _sub(world).pk


def test_create_task_refuses_a_duplicate_code_and_numbers_automatically(world):
    program = world.tasks["hni"].program
    officer = world.users["hni_officer"]
    with pytest.raises(ValidationFailed) as exc:
        task_services.create_task(
            officer, program=program, lead_agency=world.hni_so, code="1.1", title="X", due_date=D(2026, 1, 1)
        )
    assert exc.value.field == "code" and "1.1" in str(exc.value)
    t = task_services.create_task(
        officer, program=program, lead_agency=world.hni_so, title="Nhiệm vụ thứ hai", due_date=D(2026, 1, 1)
    )
    assert t.code == "2" and t.parent is None


# --- edit -------------------------------------------------------------------------------------


def test_edit_reassigns_and_replaces_coordination_keeping_history(world):
    t = world.tasks["hni_so"]
    officer = world.users["hni_officer"]
    task_services.update_task(
        officer,
        t,
        expected_version=t.version,
        lead_agency=world.hni_ubnd,
        coordinating=[(world.hni_so, "Số liệu")],
        authority="Ban Thường vụ Thành ủy",
    )
    t.refresh_from_db()
    assert t.lead_agency == world.hni_ubnd and t.authority == "Ban Thường vụ Thành ủy"
    entry = AuditEntry.objects.filter(action="planning.task_updated").latest("id")
    assert entry.before["lead_agency_id"] == world.hni_so.pk
    assert entry.after["lead_agency_id"] == world.hni_ubnd.pk
    assert entry.after["coordinating"] == [[world.hni_so.pk, "Số liệu"]]


def test_edit_with_a_stale_version_is_refused(world):
    t = world.tasks["hni_so"]
    officer = world.users["hni_officer"]
    task_services.update_task(officer, t, expected_version=t.version, title="Tiêu đề mới")
    with pytest.raises(Conflict, match="Reload"):
        task_services.update_task(officer, t, expected_version=t.version, title="Tiêu đề khác")
    t.refresh_from_db()
    assert t.title == "Tiêu đề mới"


def test_edit_refuses_lead_outside_assigning_agency(world):
    t = world.tasks["hni_so"]
    with pytest.raises(ValidationFailed) as exc:
        task_services.update_task(world.users["hni_officer"], t, expected_version=None, lead_agency=world.hcm)
    assert exc.value.field == "lead_agency"
    t.refresh_from_db()
    assert t.lead_agency == world.hni_so


# --- move, reorder, split, delete -------------------------------------------------------------


def test_move_under_a_descendant_is_a_cycle(world):
    officer = world.users["hni_officer"]
    with pytest.raises(ValidationFailed) as exc:
        tree.move_task(officer, world.tasks["hni"], world.tasks["hni_so"])
    assert exc.value.code == "cycle" and "cannot be moved under 1.1" in str(exc.value)
    with pytest.raises(ValidationFailed):
        tree.move_task(officer, world.tasks["hni"], world.tasks["hni"])
    assert Task.objects.get(pk=world.tasks["hni"].pk).parent_id is None


def test_move_across_programmes_is_refused(world):
    with pytest.raises(ValidationFailed, match="own programme"):
        tree.move_task(world.users["sysadmin"], world.tasks["hni_so"], world.tasks["hcm"])


@pytest.mark.parametrize("actor", ["hcm_officer", "xa_officer", "inspector"])
def test_move_refused_to_others(world, actor):
    with pytest.raises(PermissionRefused):
        tree.move_task(world.users[actor], world.tasks["hni_xa"], None)
    assert Task.objects.get(pk=world.tasks["hni_xa"].pk).parent_id == world.tasks["hni"].pk


def test_move_to_top_renumbers_codes_and_records_old_and_new_parent(world):
    officer = world.users["hni_officer"]
    grandchild = tree.create_subtask(
        world.users["sysadmin"],
        world.tasks["hni_xa"],
        lead_agency=world.hni_xa_ubnd,
        title="Con",
        due_date=D(2026, 1, 1),
    )
    assert grandchild.code == "1.2.1"
    moved = tree.move_task(officer, world.tasks["hni_xa"], None, 0)
    assert moved.code == "1" and moved.parent_id is None
    assert Task.objects.get(pk=grandchild.pk).code == "1.1"
    assert Task.objects.get(pk=world.tasks["hni"].pk).code == "2"
    assert Task.objects.get(pk=world.tasks["hni_so"].pk).code == "2.1"
    entry = AuditEntry.objects.get(action="planning.task_moved")
    assert entry.before["parent_id"] == world.tasks["hni"].pk and entry.after["parent_id"] is None


def _canonical(program_id):
    """Every task's code as its place in the tree makes it (parent code . 1-based position)."""
    rows = {t.pk: t for t in Task.objects.filter(program_id=program_id)}
    out = {}
    for t in rows.values():
        parts, node = [], t
        while node is not None:
            parts.append(str(node.position + 1))
            node = rows.get(node.parent_id)
        out[t.pk] = ".".join(reversed(parts))
    return out


def test_move_renumbers_later_siblings_subtrees_in_bulk(world, django_assert_max_num_queries):
    """Moving a branch shifts the codes of the later siblings' whole subtrees; irregular codes
    (not derived from the parent's) are repaired on the way; the query count does not depend on
    the size of the subtrees."""
    top = world.tasks["hni"]
    program_id = top.program_id
    tops = Task.objects.bulk_create(
        Task(
            program_id=program_id,
            resolution_id=top.resolution_id,
            lead_agency=world.hni,
            assigned_by=world.hni,
            code=str(i + 2),
            position=i + 1,
            title=f"Nhóm {i}",
        )
        for i in range(4)
    )
    Task.objects.bulk_create(
        Task(
            program_id=program_id,
            resolution_id=top.resolution_id,
            parent=t,
            lead_agency=world.hni,
            assigned_by=world.hni,
            code=f"{t.code}.{k + 1}" if not (t is tops[2] and k == 1) else "X-9",
            position=k,
            title=f"Con {t.code}.{k}",
        )
        for t in tops
        for k in range(60)
    )
    Task.objects.filter(pk=top.pk).update(position=0)
    officer = world.users["hni_officer"]
    with django_assert_max_num_queries(30):
        tree.move_task(officer, Task.objects.get(pk=tops[0].pk), Task.objects.get(pk=tops[3].pk), 0)
    codes = dict(Task.objects.filter(program_id=program_id).values_list("pk", "code"))
    assert codes == _canonical(program_id)
    assert codes[tops[0].pk] == "4.1" and codes[tops[1].pk] == "2" and codes[tops[3].pk] == "4"
    entry = AuditEntry.objects.get(action="planning.task_moved")
    assert entry.after["code"] == "4.1" and entry.after["renumbered"] > 180


def test_reorder_swaps_siblings(world):
    officer = world.users["hni_officer"]
    tree.renumber(world.tasks["hni"].program_id, None)
    tree.reorder_task(officer, world.tasks["hni_xa"], 0)
    assert Task.objects.get(pk=world.tasks["hni_xa"].pk).code == "1.1"
    assert Task.objects.get(pk=world.tasks["hni_so"].pk).code == "1.2"
    assert _audits("planning.task_reordered") == 1


def test_split_makes_children_sharing_fields(world):
    leaf = world.tasks["hni_so"]
    leaf.percent_done = Decimal(40)
    leaf.first_progress_on = D(2025, 10, 1)
    leaf.save()
    officer = world.users["hni_so_officer"]
    parts = tree.split_task(
        officer, leaf, [{"title": "Phần A", "weight": 1}, {"title": "Phần B", "weight": 3}]
    )
    assert [p.code for p in parts] == ["1.1.1", "1.1.2"]
    assert all(p.due_date == leaf.due_date and p.lead_agency == world.hni_so for p in parts)
    from resmon.planning.selectors import task_progress

    assert task_progress([leaf])[leaf.pk] == Decimal("40.00")
    assert _audits("planning.task_split") == 1


def test_split_bad_input(world):
    officer = world.users["hni_officer"]
    with pytest.raises(ValidationFailed, match="at least two"):
        tree.split_task(officer, world.tasks["hni_so"], [{"title": "Một"}])
    with pytest.raises(ValidationFailed, match="already has sub-tasks"):
        tree.split_task(officer, world.tasks["hni"], [{"title": "A"}, {"title": "B"}])
    with pytest.raises(ValidationFailed, match="Part 2 needs a title"):
        tree.split_task(officer, world.tasks["hni_so"], [{"title": "A"}, {"title": " "}])
    assert not Task.objects.filter(parent=world.tasks["hni_so"]).exists()
    with pytest.raises(PermissionRefused):
        tree.split_task(world.users["hcm_officer"], world.tasks["hni_so"], [{"title": "A"}, {"title": "B"}])


def test_delete_only_empty_draft_tasks(world):
    officer = world.users["hni_officer"]
    with pytest.raises(ValidationFailed, match="has sub-tasks"):
        tree.delete_task(officer, world.tasks["hni"])
    with pytest.raises(PermissionRefused):
        tree.delete_task(world.users["xa_officer"], world.tasks["hni_xa"])
    t = world.tasks["hni_so"]
    t.percent_done = Decimal(10)
    t.save()
    with pytest.raises(ValidationFailed, match="Progress has been reported"):
        tree.delete_task(officer, t)
    tree.delete_task(officer, world.tasks["hni_xa"])
    assert not Task.objects.filter(pk=world.tasks["hni_xa"].pk).exists()
    assert _audits("planning.task_deleted") == 1


# --- dependencies -----------------------------------------------------------------------------


def test_dependencies_across_agencies_and_cycles(world):
    from resmon.planning import selectors_tree

    officer = world.users["hni_officer"]
    hni_so, hni_xa = world.tasks["hni_so"], world.tasks["hni_xa"]
    tree.add_dependency(officer, hni_xa, hni_so, "Cần hướng dẫn của Sở")
    tree.add_dependency(officer, hni_so, world.tasks["ministry_coord"])  # across programmes
    assert list(selectors_tree.waiting_on(officer, hni_xa)) == [hni_so]
    assert list(selectors_tree.blocking(officer, hni_so)) == [hni_xa]
    with pytest.raises(ValidationFailed) as exc:
        tree.add_dependency(officer, hni_so, hni_xa)
    assert exc.value.code == "cycle"
    with pytest.raises(ValidationFailed, match="itself"):
        tree.add_dependency(officer, hni_so, hni_so)
    with pytest.raises(ValidationFailed):  # not visible to Hà Nội
        tree.add_dependency(officer, hni_so, world.tasks["hcm"])
    with pytest.raises(PermissionRefused):
        tree.add_dependency(world.users["inspector"], hni_so, hni_xa)
    assert TaskDependency.objects.count() == 2
    assert _audits("planning.dependency_added") == 2
    hni_so.completed_on = D(2025, 10, 1)
    hni_so.save()
    assert list(selectors_tree.waiting_on(officer, hni_xa)) == []
    tree.remove_dependency(officer, hni_xa, hni_so)
    assert _audits("planning.dependency_removed") == 1


# --- milestones -------------------------------------------------------------------------------


def test_milestones_add_done_delete(world):
    t = world.tasks["hni_so"]  # due 31/03/2026
    officer = world.users["hni_so_officer"]
    m = ms.add_milestone(officer, t, name="Dự thảo đề án", due_date=D(2026, 1, 15))
    with pytest.raises(ValidationFailed) as exc:
        ms.add_milestone(officer, t, name="Quá hạn", due_date=D(2026, 4, 1))
    assert exc.value.field == "due_date" and "31/03/2026" in str(exc.value)
    with pytest.raises(ValidationFailed, match="needs a name"):
        ms.add_milestone(officer, t, name=" ", due_date=D(2026, 1, 1))
    with pytest.raises(PermissionRefused):
        ms.add_milestone(world.users["hcm_officer"], t, name="X", due_date=D(2026, 1, 1))
    assert Milestone.objects.count() == 1
    ms.mark_milestone_done(officer, m)
    m.refresh_from_db()
    assert m.done_on is not None
    ms.delete_milestone(officer, m)
    assert not Milestone.objects.exists()
    assert [
        _audits(a)
        for a in ("planning.milestone_added", "planning.milestone_changed", "planning.milestone_deleted")
    ] == [1, 1, 1]
