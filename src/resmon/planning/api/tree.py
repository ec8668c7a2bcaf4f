"""The decomposition editor over the API: add tasks and sub-tasks, edit, move, split, delete,
dependencies ("waiting on") and milestones. Errors are problem+json; a task outside the caller's
scope is a 404, a visible one the caller may not change a 403."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from resmon.agencies.api import AgencyRef, agency_ref
from resmon.agencies.models import Agency
from resmon.core import clock
from resmon.core.apikit import Id, PathId
from resmon.core.errors import ValidationFailed

from .. import selectors, selectors_tree
from ..models import Milestone, Task
from ..services import milestones as milestone_services
from ..services import tasks as task_services
from ..services import tree as tree_services
from . import tasks as task_api

router = Router(tags=["planning: decomposition"])


class CoordinationIn(Schema):
    agency: Id
    sub_deliverable: str = Field("", max_length=300)


class TaskFields(Schema):
    description: str = Field("", max_length=10000)
    source_clause: str = Field("", max_length=300)
    responsible_officer: str = Field("", max_length=150)
    due_date: dt.date | None = None
    ongoing: bool = False
    review_period: str = Field("", max_length=10)
    deliverable_type: str = Field("", max_length=12)
    deliverable: str = Field("", max_length=500)
    authority: str = Field("", max_length=300)
    weight: Decimal = Field(Decimal(1), ge=0, le=10000)
    deadline_justification: str = Field("", max_length=5000)
    coordinating: list[CoordinationIn] = Field(default_factory=list, max_length=50)


class TaskIn(TaskFields):
    title: str = Field(..., max_length=500)
    lead_agency: Id
    parent: Id | None = None
    code: str = Field("", max_length=40)


class SubtaskIn(TaskFields):
    title: str = Field(..., max_length=500)
    lead_agency: Id


class TaskPatch(Schema):
    version: int = Field(..., ge=1)
    title: str | None = Field(None, max_length=500)
    description: str | None = Field(None, max_length=10000)
    source_clause: str | None = Field(None, max_length=300)
    responsible_officer: str | None = Field(None, max_length=150)
    due_date: dt.date | None = None
    ongoing: bool | None = None
    review_period: str | None = Field(None, max_length=10)
    deliverable_type: str | None = Field(None, max_length=12)
    deliverable: str | None = Field(None, max_length=500)
    authority: str | None = Field(None, max_length=300)
    weight: Decimal | None = Field(None, ge=0, le=10000)
    deadline_justification: str | None = Field(None, max_length=5000)
    lead_agency: Id | None = None
    coordinating: list[CoordinationIn] | None = Field(None, max_length=50)


class MoveIn(Schema):
    parent: Id | None = Field(None, description="The new parent task; null puts it at the top.")
    position: int | None = Field(None, ge=0, le=100000, description="0 = first; null = last.")


class PartIn(Schema):
    title: str = Field(..., max_length=500)
    weight: Decimal = Field(Decimal(1), ge=0, le=10000)
    lead_agency: Id | None = None


class SplitIn(Schema):
    parts: list[PartIn] = Field(..., max_length=100)


class DependencyIn(Schema):
    depends_on: Id
    note: str = Field("", max_length=300)


class WaitingOut(Schema):
    id: int
    code: str
    title: str
    lead_agency: AgencyRef
    due_date: dt.date | None
    status: str
    program_id: int


class MilestoneIn(Schema):
    name: str = Field(..., max_length=300)
    due_date: dt.date
    done_on: dt.date | None = None


class MilestonePatch(Schema):
    name: str | None = Field(None, max_length=300)
    due_date: dt.date | None = None
    done_on: dt.date | None = None


class MilestoneOut(Schema):
    id: int
    name: str
    due_date: dt.date
    done_on: dt.date | None


def _agency(agency_id: int | None, field: str) -> Agency | None:
    if agency_id is None:
        return None
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise ValidationFailed(_("No agency with id %(id)s.") % {"id": agency_id}, field=field)
    return agency


def _coordinating(rows: list[CoordinationIn]) -> list[tuple[Agency, str]]:
    return [(_agency(r.agency, "coordinating"), r.sub_deliverable) for r in rows]  # type: ignore[misc]


def _fields(payload: Schema, *, exclude: set[str]) -> dict[str, Any]:
    return {k: v for k, v in payload.dict().items() if k not in exclude}


def _detail(request, task: Task) -> dict[str, Any]:
    return task_api.get_task(request, task.pk)


def _milestone(m: Milestone) -> dict[str, Any]:
    return {"id": m.pk, "name": m.name, "due_date": m.due_date, "done_on": m.done_on}


@router.post(
    "/programs/{program_id}/tasks",
    response={201: task_api.TaskDetailOut},
    summary="Add a task to a programme (top level, or under a parent of the same programme)",
)
def create_program_task(request, program_id: PathId, payload: TaskIn):
    user = request.auth
    program = selectors.get_program(user, program_id)
    parent = selectors.get_task(user, payload.parent) if payload.parent else None
    data = _fields(payload, exclude={"lead_agency", "parent", "code", "coordinating"})
    task = task_services.create_task(
        user,
        program=program,
        parent=parent,
        lead_agency=_agency(payload.lead_agency, "lead_agency"),
        coordinating=_coordinating(payload.coordinating),
        code=payload.code,
        **data,
    )
    return Status(201, _detail(request, task))


@router.post(
    "/tasks/{task_id}/subtasks",
    response={201: task_api.TaskDetailOut},
    summary="Assign part of a task down to its lead agency or an agency under it",
)
def create_subtask(request, task_id: PathId, payload: SubtaskIn):
    user = request.auth
    parent = selectors.get_task(user, task_id)
    data = _fields(payload, exclude={"lead_agency", "coordinating"})
    task = tree_services.create_subtask(
        user,
        parent,
        lead_agency=_agency(payload.lead_agency, "lead_agency"),
        coordinating=_coordinating(payload.coordinating),
        **data,
    )
    return Status(201, _detail(request, task))


# PATCH and DELETE share the URL of GET /tasks/{id}, so they are attached to that router.
@task_api.router.patch(
    "/tasks/{task_id}", response=task_api.TaskDetailOut, summary="Change a task (send its version)"
)
def update_task(request, task_id: PathId, payload: TaskPatch):
    user = request.auth
    task = selectors.get_task(user, task_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    lead = _agency(data.pop("lead_agency", None), "lead_agency")
    coordinating = data.pop("coordinating", None)
    task_services.update_task(
        user,
        task,
        expected_version=version,
        lead_agency=lead,
        coordinating=_coordinating(payload.coordinating or []) if coordinating is not None else None,
        **data,
    )
    return _detail(request, task)


@task_api.router.delete(
    "/tasks/{task_id}",
    response={204: None},
    summary="Delete a task without sub-tasks or progress, in a draft programme",
)
def delete_task(request, task_id: PathId):
    user = request.auth
    tree_services.delete_task(user, selectors.get_task(user, task_id))
    return Status(204, None)


@router.post("/tasks/{task_id}/move", response=task_api.TaskDetailOut, summary="Move or reorder a task")
def move_task(request, task_id: PathId, payload: MoveIn):
    user = request.auth
    task = selectors.get_task(user, task_id)
    parent = selectors.get_task(user, payload.parent) if payload.parent else None
    tree_services.move_task(user, task, parent, payload.position)
    return _detail(request, task)


@router.post(
    "/tasks/{task_id}/split",
    response={201: list[task_api.TaskDetailOut]},
    summary="Split a leaf task into sub-tasks that share its fields",
)
def split_task(request, task_id: PathId, payload: SplitIn):
    user = request.auth
    task = selectors.get_task(user, task_id)
    parts = [
        {"title": p.title, "weight": p.weight, "lead_agency": _agency(p.lead_agency, "lead_agency")}
        for p in payload.parts
    ]
    created = tree_services.split_task(user, task, parts)
    return Status(201, [_detail(request, t) for t in created])


@router.post(
    "/tasks/{task_id}/dependencies",
    response={201: WaitingOut},
    summary="Make a task wait for another (finish-to-start)",
)
def add_dependency(request, task_id: PathId, payload: DependencyIn):
    user = request.auth
    task = selectors.get_task(user, task_id)
    other = selectors.get_task(user, payload.depends_on)
    tree_services.add_dependency(user, task, other, payload.note)
    return Status(201, _waiting(other))


@router.delete(
    "/tasks/{task_id}/dependencies/{depends_on_id}",
    response={204: None},
    summary="Remove a dependency",
)
def remove_dependency(request, task_id: PathId, depends_on_id: PathId):
    user = request.auth
    task = selectors.get_task(user, task_id)
    other = selectors.get_task(user, depends_on_id)
    tree_services.remove_dependency(user, task, other)
    return Status(204, None)


def _waiting(t: Task) -> dict[str, Any]:
    status = getattr(t, "status", None) or t.status_on(clock.today())
    return {
        "id": t.pk,
        "code": t.code,
        "title": t.title,
        "lead_agency": agency_ref(t.lead_agency),
        "due_date": t.due_date,
        "status": str(status),
        "program_id": t.program_id,
    }


@router.get(
    "/tasks/{task_id}/waiting-on",
    response=list[WaitingOut],
    summary="Unfinished tasks this task waits for",
)
def waiting_on(request, task_id: PathId):
    user = request.auth
    task = selectors.get_task(user, task_id)
    return [_waiting(t) for t in selectors_tree.waiting_on(user, task)]


@router.get("/tasks/{task_id}/milestones", response=list[MilestoneOut], summary="A task's milestones")
def list_milestones(request, task_id: PathId):
    task = selectors.get_task(request.auth, task_id)
    return [_milestone(m) for m in selectors_tree.milestones(task)]


@router.post("/tasks/{task_id}/milestones", response={201: MilestoneOut}, summary="Add a milestone")
def add_milestone(request, task_id: PathId, payload: MilestoneIn):
    user = request.auth
    task = selectors.get_task(user, task_id)
    m = milestone_services.add_milestone(
        user, task, name=payload.name, due_date=payload.due_date, done_on=payload.done_on
    )
    return Status(201, _milestone(m))


@router.patch(
    "/tasks/{task_id}/milestones/{milestone_id}",
    response=MilestoneOut,
    summary="Change a milestone or mark it done",
)
def update_milestone(request, task_id: PathId, milestone_id: PathId, payload: MilestonePatch):
    user = request.auth
    task = selectors.get_task(user, task_id)
    m = selectors_tree.get_milestone(user, task, milestone_id)
    m = milestone_services.update_milestone(user, m, **payload.dict(exclude_unset=True))
    return _milestone(m)


@router.delete(
    "/tasks/{task_id}/milestones/{milestone_id}", response={204: None}, summary="Delete a milestone"
)
def delete_milestone(request, task_id: PathId, milestone_id: PathId):
    user = request.auth
    task = selectors.get_task(user, task_id)
    milestone_services.delete_milestone(user, selectors_tree.get_milestone(user, task, milestone_id))
    return Status(204, None)
