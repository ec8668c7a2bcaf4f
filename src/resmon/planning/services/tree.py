"""The decomposition editor's writes: assign down as sub-tasks, move, reorder, split, delete,
and finish-to-start dependencies. Each takes the acting user, checks permission, validates with a
message naming the place, writes, and records its audit row in one transaction."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import CharField, ProtectedError, RestrictedError, Value
from django.db.models.functions import Concat, Substr
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from resmon.audit.services import record, snapshot
from resmon.core.access import can
from resmon.core.errors import PermissionRefused, ValidationFailed

from ..models import ActionProgram, Task, TaskDependency
from ..tree_shape import code_key, descendant_ids
from . import notices
from . import tasks as task_services

BATCH = 500  # rows per UPDATE or bulk_update statement (within SQLite's variable limit)
SHIFT_MIN = 20  # a subtree at least this large whose codes only change prefix gets one UPDATE

# fields a sub-task created by a split takes over from the task it comes from
SHARED_FIELDS = (
    "description",
    "source_clause",
    "responsible_officer",
    "due_date",
    "ongoing",
    "review_period",
    "deliverable_type",
    "deliverable",
    "authority",
    "deadline_justification",
)


# --- helpers other services share -------------------------------------------------------------


def ensure_editable(program: ActionProgram) -> None:
    """An issued programme changes only while an amendment is open."""
    if program.status == ActionProgram.Status.ISSUED and not program.amendments.filter(is_open=True).exists():
        raise ValidationFailed(
            _("This programme has been issued; record an amendment first."), code="program_issued"
        )


def check_parent_deadline(parent: Task | None, data: dict[str, Any]) -> None:
    """A sub-task is due no later than its parent unless the later deadline is justified."""
    if parent is None or parent.ongoing or parent.due_date is None:
        return
    due = data.get("due_date")
    if data.get("ongoing") or due is None or due <= parent.due_date:
        return
    if not (data.get("deadline_justification") or "").strip():
        raise ValidationFailed(
            _(
                "The due date %(due)s is later than the parent task's (%(parent)s); give the reason "
                "or choose an earlier date."
            )
            % {"due": date_format(due, "d/m/Y"), "parent": date_format(parent.due_date, "d/m/Y")},
            field="due_date",
        )


def check_coordinating(lead_agency: Any, coordinating: list[tuple[Any, str]]) -> list[tuple[Any, str]]:
    """Coordinating agencies: not the lead, each once, with its sub-deliverable trimmed."""
    seen: set[int] = set()
    out = []
    for agency, sub_deliverable in coordinating:
        if agency.pk == lead_agency.pk:
            raise ValidationFailed(
                _("The lead agency cannot also be a coordinating agency."), field="coordinating_agencies"
            )
        if agency.pk in seen:
            raise ValidationFailed(
                _("%(agency)s is listed twice among the coordinating agencies.") % {"agency": agency.name},
                field="coordinating_agencies",
            )
        seen.add(agency.pk)
        out.append((agency, (sub_deliverable or "").strip()[:300]))
    return out


def sibling_order(t: Any) -> tuple:
    return (t.position, code_key(t.code), t.pk)


def _siblings(program_id: int, parent_id: int | None) -> list[Task]:
    qs = Task.objects.filter(program_id=program_id, parent_id=parent_id).only(
        "id", "code", "position", "parent_id", "program_id"
    )
    return sorted(qs, key=sibling_order)


def next_slot(program: ActionProgram, parent: Task | None) -> tuple[int, str]:
    """The position and code of a task added last under ``parent`` (or at the top)."""
    siblings = _siblings(program.pk, parent.pk if parent else None)
    position = max(siblings[-1].position + 1, len(siblings)) if siblings else 0
    number = len(siblings) + 1
    prefix = f"{parent.code}." if parent is not None and parent.code else ""
    code = f"{prefix}{number}"
    while Task.objects.filter(program=program, code=code).exists():
        number += 1
        code = f"{prefix}{number}"
    return position, code


def renumber(program_id: int, parent: Task | None, ordered: list[Task] | None = None) -> int:
    """Give the children of ``parent`` positions 0..n-1 and codes ``parent.code.N`` in order, and
    carry new codes down to their descendants. Returns the number of tasks whose code or position
    changed.

    New codes are computed in Python from one read of the programme. A sibling's subtree whose
    codes only change by their prefix (the common case: later siblings shift by one), when it has
    at least SHIFT_MIN tasks, is rewritten
    with one UPDATE using string functions (portable across SQLite and PostgreSQL); anything else
    with ``bulk_update`` in large batches."""
    rows = Task.objects.filter(program_id=program_id).values_list("id", "parent_id", "code", "position")
    old: dict[int, tuple[str, int]] = {}
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent_id, code, position in rows:
        old[pk] = (code or "", position)
        children[parent_id].append(pk)
    for kids in children.values():
        kids.sort(key=lambda i: (old[i][1], code_key(old[i][0]), i))
    parent_id = parent.pk if parent else None
    if ordered is not None:
        children[parent_id] = [t.pk for t in ordered]
    prefix = f"{old[parent_id][0]}." if parent_id in old and old[parent_id][0] else ""
    new: dict[int, tuple[str, int]] = {}
    stack = [(children.get(parent_id, []), prefix)]
    while stack:
        kids, prefix = stack.pop()
        for i, pk in enumerate(kids):
            code = f"{prefix}{i + 1}"
            new[pk] = (code, i)
            stack.append((children.get(pk, []), f"{code}."))
    shifted: list[tuple[str, str, list[int]]] = []  # (old prefix, new prefix, descendants' ids)
    singles: list[Task] = []
    for pk in children.get(parent_id, []):
        (old_code, _), (new_code, new_position) = old[pk], new[pk]
        below = _subtree_ids(pk, children)
        if old[pk] != new[pk]:
            singles.append(Task(pk=pk, code=new_code, position=new_position))
        if all(old[d] == new[d] for d in below):
            continue
        cut = len(old_code)
        if len(below) >= SHIFT_MIN and all(
            old[d][1] == new[d][1]
            and old[d][0].startswith(old_code)
            and new[d][0] == new_code + old[d][0][cut:]
            for d in below
        ):
            shifted.append((old_code, new_code, below))
        else:
            singles += [Task(pk=d, code=new[d][0], position=new[d][1]) for d in below if old[d] != new[d]]
    for old_code, new_code, ids in shifted:
        code = Concat(Value(new_code), Substr("code", len(old_code) + 1), output_field=CharField())
        for start in range(0, len(ids), BATCH):
            Task.objects.filter(pk__in=ids[start : start + BATCH]).update(code=code)
    if singles:
        Task.objects.bulk_update(singles, ["code", "position"], batch_size=BATCH)
    return sum(1 for pk, value in new.items() if old[pk] != value)


def _subtree_ids(pk: int, children: dict[int | None, list[int]]) -> list[int]:
    out: list[int] = []
    stack = list(children.get(pk, []))
    while stack:
        d = stack.pop()
        out.append(d)
        stack.extend(children.get(d, []))
    return out


def _locked(task: Task) -> Task:
    return (
        Task.objects.select_for_update(of=("self",))
        .select_related("lead_agency", "assigned_by", "program", "program__agency", "parent")
        .get(pk=task.pk)
    )


def _may_restructure(actor: Any, task: Task) -> bool:
    """The assigning level places a task in the tree (the lead agency may not move itself)."""
    return can(actor, "change", task) and actor.scope.writes(task.assigned_by.path)


# --- assign down ------------------------------------------------------------------------------


@transaction.atomic
def create_subtask(
    actor: Any,
    parent: Task,
    *,
    lead_agency: Any,
    coordinating: list[tuple[Any, str]] | None = None,
    **fields: Any,
) -> Task:
    """The lead agency of ``parent`` assigns part of it to itself or an agency under it."""
    parent = _locked(parent)
    if not (can(actor, "change", parent) and actor.scope.writes(parent.lead_agency.path)):
        raise PermissionRefused(_("Only the lead agency of this task may assign sub-tasks under it."))
    ensure_editable(parent.program)
    if lead_agency is None or not lead_agency.path.startswith(parent.lead_agency.path):
        raise ValidationFailed(
            _("The lead agency of a sub-task must be %(agency)s or an agency under it.")
            % {"agency": parent.lead_agency.name},
            field="lead_agency",
        )
    data = task_services.validated_fields(fields)
    check_parent_deadline(parent, data)
    coordinating = check_coordinating(lead_agency, coordinating or [])
    position, code = next_slot(parent.program, parent)
    task = task_services.insert_task(
        actor,
        "planning.subtask_assigned",
        program=parent.program,
        parent=parent,
        code=code,
        position=position,
        lead_agency=lead_agency,
        assigned_by=parent.lead_agency,
        data=data,
        coordinating=coordinating,
    )
    notices.subtask_assigned(actor, task)
    return task


# --- move, reorder, split, delete -------------------------------------------------------------


@transaction.atomic
def move_task(actor: Any, task: Task, new_parent: Task | None, position: int | None = None) -> Task:
    """Put ``task`` (with its subtree) under ``new_parent`` (None: the top of the programme) at
    ``position`` among its new siblings (None: last); codes are renumbered."""
    task = _locked(task)
    if not _may_restructure(actor, task):
        raise PermissionRefused(_("Only the assigning agency may move this task."))
    ensure_editable(task.program)
    if new_parent is not None:
        new_parent = _locked(new_parent)
        if new_parent.program_id != task.program_id:
            raise ValidationFailed(
                _("A task can only be moved within its own programme."), field="parent", code="other_program"
            )
        if new_parent.pk == task.pk or new_parent.pk in descendant_ids(task):
            raise ValidationFailed(
                _(
                    "Task %(task)s cannot be moved under %(target)s: that is the task itself or "
                    "one of its sub-tasks."
                )
                % {"task": task.code or task.title, "target": new_parent.code or new_parent.title},
                field="parent",
                code="cycle",
            )
        if not can(actor, "change", new_parent):
            raise PermissionRefused(_("You may not place tasks under %(target)s.") % {"target": new_parent})
        if not task.lead_agency.path.startswith(new_parent.lead_agency.path) and not actor.scope.writes(
            task.program.agency.path
        ):
            raise ValidationFailed(
                _("The lead agency %(lead)s is not under %(agency)s, the lead of the new parent task.")
                % {"lead": task.lead_agency.name, "agency": new_parent.lead_agency.name},
                field="parent",
            )
        if new_parent.pk != task.parent_id:
            check_parent_deadline(new_parent, {f: getattr(task, f) for f in SHARED_FIELDS})
    elif not can(actor, "change", task.program):
        raise PermissionRefused(_("Only the programme's agency may place tasks at the top of the programme."))
    before = {"parent_id": task.parent_id, "position": task.position, "code": task.code}
    old_parent = task.parent
    new_parent_id = new_parent.pk if new_parent else None
    siblings = [s for s in _siblings(task.program_id, new_parent_id) if s.pk != task.pk]
    index = len(siblings) if position is None else max(0, min(int(position), len(siblings)))
    siblings.insert(index, task)
    Task.objects.filter(pk=task.pk).update(parent_id=new_parent_id)
    task.parent_id = new_parent_id
    renumbered = renumber(task.program_id, new_parent, siblings)
    if before["parent_id"] != new_parent_id:
        renumbered += renumber(task.program_id, old_parent)
    Task.objects.filter(pk=task.pk).update(version=task.version + 1, updated_by_name=actor.get_username())
    task.refresh_from_db()
    record(
        actor,
        "planning.task_moved" if before["parent_id"] != new_parent_id else "planning.task_reordered",
        task,
        before=before,
        after={
            "parent_id": task.parent_id,
            "position": task.position,
            "code": task.code,
            "renumbered": renumbered,
        },
        agency_path=task.lead_agency.path,
    )
    return task


def reorder_task(actor: Any, task: Task, position: int) -> Task:
    """Move ``task`` to ``position`` among its siblings (0 = first)."""
    parent = Task.objects.filter(pk=task.parent_id).first() if task.parent_id else None
    return move_task(actor, task, parent, position)


@transaction.atomic
def split_task(actor: Any, task: Task, parts: list[dict[str, Any]]) -> list[Task]:
    """Turn a leaf task into a parent of ``parts`` (each a title, a weight and optionally a lead
    agency under the task's lead) that share its other fields; its percent is then derived."""
    task = _locked(task)
    if not can(actor, "change", task):
        raise PermissionRefused(_("You may not split this task."))
    ensure_editable(task.program)
    if task.children.exists():
        raise ValidationFailed(_("This task already has sub-tasks; add another sub-task instead."))
    if task.completed_on is not None:
        raise ValidationFailed(_("A completed task cannot be split."))
    if len(parts) < 2:
        raise ValidationFailed(_("Split a task into at least two parts."), field="parts")
    shared = {f: getattr(task, f) for f in SHARED_FIELDS}
    cleaned = []
    for i, part in enumerate(parts, start=1):
        title = (part.get("title") or "").strip()
        if not title:
            raise ValidationFailed(_("Part %(n)s needs a title.") % {"n": i}, field=f"parts.{i}.title")
        weight = task_services._decimal(
            part.get("weight", 1), f"parts.{i}.weight", Decimal(0), Decimal(10000)
        )
        lead = part.get("lead_agency") or task.lead_agency
        if not lead.path.startswith(task.lead_agency.path):
            raise ValidationFailed(
                _("Part %(n)s: the lead agency must be %(agency)s or an agency under it.")
                % {"n": i, "agency": task.lead_agency.name},
                field=f"parts.{i}.lead_agency",
            )
        cleaned.append((title, weight, lead))
    prefix = f"{task.code}." if task.code else ""
    created = []
    for i, (title, weight, lead) in enumerate(cleaned):
        created.append(
            Task.objects.create(
                program_id=task.program_id,
                resolution_id=task.resolution_id,
                parent=task,
                code=f"{prefix}{i + 1}",
                position=i,
                title=title,
                weight=weight,
                lead_agency=lead,
                assigned_by=task.lead_agency,
                original_due_date=task.original_due_date,
                percent_done=task.percent_done,
                first_progress_on=task.first_progress_on,
                updated_by_name=actor.get_username(),
                **shared,
            )
        )
    Task.objects.filter(pk=task.pk).update(version=task.version + 1, updated_by_name=actor.get_username())
    record(
        actor,
        "planning.task_split",
        task,
        before={"children": []},
        after={"children": [[t.pk, t.code, t.title, str(t.weight), t.lead_agency_id] for t in created]},
        agency_path=task.lead_agency.path,
    )
    return created


@transaction.atomic
def delete_task(actor: Any, task: Task) -> None:
    """Delete a task added by mistake: no sub-tasks, no progress, in a draft programme."""
    task = _locked(task)
    if not _may_restructure(actor, task):
        raise PermissionRefused(_("Only the assigning agency may delete this task."))
    if task.program.status != ActionProgram.Status.DRAFT:
        raise ValidationFailed(
            _("Tasks of an issued programme are not deleted; cancel the task with a reason instead."),
            code="program_issued",
        )
    if task.children.exists():
        raise ValidationFailed(_("This task has sub-tasks; delete or move them first."))
    if task.first_progress_on or task.completed_on or task.percent_done:
        raise ValidationFailed(
            _("Progress has been reported on this task; cancel it with a reason instead of deleting it.")
        )
    before = snapshot(task)
    parent = task.parent
    record(actor, "planning.task_deleted", task, before=before, agency_path=task.lead_agency.path)
    try:
        with transaction.atomic():
            task.delete()
    except (ProtectedError, RestrictedError):
        raise ValidationFailed(
            _(
                "Reports, directives or other records refer to this task; cancel it with a reason "
                "instead of deleting it."
            ),
            code="task_in_use",
        ) from None
    renumber(before["program_id"], parent)


# --- dependencies -----------------------------------------------------------------------------


def _depends_transitively(start_id: int, target_id: int) -> bool:
    """Does ``start`` (directly or through others) depend on ``target``?"""
    seen = {start_id}
    frontier = [start_id]
    while frontier:
        nxt = list(
            TaskDependency.objects.filter(task_id__in=frontier).values_list("depends_on_id", flat=True)
        )
        if target_id in nxt:
            return True
        frontier = [n for n in nxt if n not in seen]
        seen.update(frontier)
    return False


@transaction.atomic
def add_dependency(actor: Any, task: Task, depends_on: Task, note: str = "") -> TaskDependency:
    """Finish-to-start: ``task`` can finish only after ``depends_on`` has; across agencies and
    programmes, as long as the actor sees both."""
    task = _locked(task)
    if not can(actor, "change", task):
        raise PermissionRefused(_("You may not change this task."))
    if not can(actor, "view", depends_on):
        raise ValidationFailed(
            _("Not found, or you do not have access to it."), field="depends_on", code="not_found"
        )
    ensure_editable(task.program)
    if depends_on.pk == task.pk:
        raise ValidationFailed(_("A task cannot depend on itself."), field="depends_on")
    if TaskDependency.objects.filter(task=task, depends_on=depends_on).exists():
        raise ValidationFailed(
            _("Task %(task)s already depends on %(other)s.") % {"task": task, "other": depends_on},
            field="depends_on",
        )
    if _depends_transitively(depends_on.pk, task.pk):
        raise ValidationFailed(
            _(
                "%(other)s already waits, directly or through other tasks, for %(task)s: "
                "this would be a cycle."
            )
            % {"task": task, "other": depends_on},
            field="depends_on",
            code="cycle",
        )
    dep = TaskDependency.objects.create(task=task, depends_on=depends_on, note=(note or "").strip()[:300])
    record(
        actor,
        "planning.dependency_added",
        task,
        after={"depends_on": depends_on.pk, "note": dep.note},
        agency_path=task.lead_agency.path,
    )
    return dep


@transaction.atomic
def remove_dependency(actor: Any, task: Task, depends_on: Task) -> None:
    task = _locked(task)
    if not can(actor, "change", task):
        raise PermissionRefused(_("You may not change this task."))
    ensure_editable(task.program)
    dep = TaskDependency.objects.filter(task=task, depends_on_id=depends_on.pk).first()
    if dep is None:
        raise ValidationFailed(
            _("Task %(task)s does not depend on %(other)s.") % {"task": task, "other": depends_on},
            field="depends_on",
        )
    record(
        actor,
        "planning.dependency_removed",
        task,
        before={"depends_on": depends_on.pk, "note": dep.note},
        agency_path=task.lead_agency.path,
    )
    dep.delete()
