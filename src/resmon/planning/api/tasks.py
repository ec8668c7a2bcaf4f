"""GET /resolutions, /programs and /tasks: what the caller may see, with derived status and
rolled-up progress (the same functions the pages and exports use)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from resmon.agencies.api import AgencyRef, agency_ref
from resmon.agencies.models import Agency
from resmon.core import clock
from resmon.core.apikit import Id, PageQuery, PathId, clean_text, paginate, parse_choice, parse_date
from resmon.core.errors import ValidationFailed

from .. import selectors
from ..models import ActionProgram, Resolution, Task
from ..status import TaskStatus

router = Router(tags=["planning"])


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


# --- resolutions ---------------------------------------------------------------------------


class ResolutionOut(Schema):
    id: int
    number: str
    title: str
    issued_on: dt.date
    issuer: str
    task_count: int


class ResolutionPage(Schema):
    count: int
    items: list[ResolutionOut]


class SteeringOut(Schema):
    name: str
    member_count: int


class ResolutionDetailOut(ResolutionOut):
    summary: str
    program_count: int
    status_counts: dict[str, int]
    steering_committee: SteeringOut | None


def _resolution(r: Resolution, task_count: int) -> dict[str, Any]:
    return {
        "id": r.pk,
        "number": r.number,
        "title": r.title,
        "issued_on": r.issued_on,
        "issuer": r.issuer,
        "task_count": task_count,
    }


@router.get("/resolutions", response=ResolutionPage, summary="Resolutions, with the tasks in scope")
def list_resolutions(request, page: Query[PageQuery], q: str | None = None):
    user = request.auth
    qs = selectors.resolutions_visible(user)
    text = clean_text(q)
    if text:
        qs = qs.filter(Q(number__icontains=text) | Q(title__icontains=text))
    result = paginate(qs.order_by("issued_on", "number"), page, lambda r: r)
    ids = [r.pk for r in result["items"]]
    counts = dict(
        selectors.tasks_visible(user)
        .filter(resolution_id__in=ids)
        .order_by()
        .values_list("resolution_id")
        .annotate(n=Count("id"))
    )
    result["items"] = [_resolution(r, counts.get(r.pk, 0)) for r in result["items"]]
    return result


@router.get("/resolutions/{resolution_id}", response=ResolutionDetailOut, summary="One resolution")
def get_resolution(request, resolution_id: PathId):
    user = request.auth
    res = selectors.get_resolution(user, resolution_id)
    counts = selectors.status_counts(selectors.filter_tasks(selectors.tasks_visible(user), resolution=res.pk))
    committee = selectors.steering_committee(res)
    return {
        **_resolution(res, sum(counts.values())),
        "summary": res.summary,
        "program_count": selectors.programs_of_resolution(user, res).count(),
        "status_counts": counts,
        "steering_committee": (
            {"name": committee.name, "member_count": len(committee.memberships.all())} if committee else None
        ),
    }


# --- programmes ----------------------------------------------------------------------------


class ResolutionRef(Schema):
    id: int
    number: str


class ProgramOut(Schema):
    id: int
    resolution: ResolutionRef
    agency: AgencyRef
    doc_type: str
    number: str
    title: str
    issued_on: dt.date | None
    signer: str
    status: str
    version: int


class ProgramPage(Schema):
    count: int
    items: list[ProgramOut]


class ProgramDetailOut(ProgramOut):
    task_count: int
    status_counts: dict[str, int]


class ProgramFilters(Schema):
    resolution: Id | None = None
    agency: Id | None = None


def _program(p: ActionProgram) -> dict[str, Any]:
    return {
        "id": p.pk,
        "resolution": {"id": p.resolution_id, "number": p.resolution.number},
        "agency": agency_ref(p.agency),
        "doc_type": p.doc_type,
        "number": p.number,
        "title": p.title,
        "issued_on": p.issued_on,
        "signer": p.signer,
        "status": p.status,
        "version": p.version,
    }


def _agency_path(agency_id: int | None, field: str = "agency") -> str | None:
    """The path of an agency named in a filter. The rows stay scoped, so naming an agency
    outside the scope only narrows what the caller already sees."""
    if agency_id is None:
        return None
    path = Agency.objects.filter(pk=agency_id).values_list("path", flat=True).first()
    if path is None:
        raise ValidationFailed(_("No agency with id %(id)s.") % {"id": agency_id}, field=field)
    return path


@router.get("/programs", response=ProgramPage, summary="Action programmes and plans in scope")
def list_programs(request, filters: Query[ProgramFilters], page: Query[PageQuery]):
    qs = selectors.programs_visible(request.auth)
    if filters.resolution is not None:
        qs = qs.filter(resolution_id=filters.resolution)
    path = _agency_path(filters.agency)
    if path:
        qs = qs.filter(agency__path__startswith=path)
    return paginate(qs.order_by("resolution__issued_on", "agency__path", "id"), page, _program)


@router.get("/programs/{program_id}", response=ProgramDetailOut, summary="One programme")
def get_program(request, program_id: PathId):
    user = request.auth
    program = selectors.get_program(user, program_id)
    counts = selectors.status_counts(selectors.tasks_visible(user).filter(program=program))
    return {**_program(program), "task_count": sum(counts.values()), "status_counts": counts}


# --- tasks ---------------------------------------------------------------------------------


class TaskOut(Schema):
    id: int
    code: str
    title: str
    resolution: ResolutionRef
    program_id: int
    parent_id: int | None
    lead_agency: AgencyRef
    assigned_by: AgencyRef
    due_date: dt.date | None
    original_due_date: dt.date | None
    ongoing: bool
    status: str
    status_label: str
    percent_done: float


class TaskPage(Schema):
    count: int
    items: list[TaskOut]


class CoordinationOut(Schema):
    agency: AgencyRef
    sub_deliverable: str


class TaskDetailOut(TaskOut):
    description: str
    source_clause: str
    responsible_officer: str
    deliverable_type: str
    deliverable: str
    weight: float
    first_progress_on: dt.date | None
    completed_on: dt.date | None
    state: str
    state_reason: str
    version: int
    updated_at: dt.datetime
    coordinating_agencies: list[CoordinationOut]
    children: list[int]
    progress: float | None


class TaskFilters(Schema):
    resolution: Id | None = None
    agency: Id | None = None
    status: str | None = None
    due_from: str | None = None
    due_to: str | None = None
    q: str | None = None
    parent: Id | None = None


STATUS_LABELS = dict(TaskStatus.choices)


def _task(t: Task) -> dict[str, Any]:
    status = getattr(t, "status", None) or t.status_on(clock.today())
    return {
        "id": t.pk,
        "code": t.code,
        "title": t.title,
        "resolution": {"id": t.resolution_id, "number": t.resolution.number},
        "program_id": t.program_id,
        "parent_id": t.parent_id,
        "lead_agency": agency_ref(t.lead_agency),
        "assigned_by": agency_ref(t.assigned_by),
        "due_date": t.due_date,
        "original_due_date": t.original_due_date,
        "ongoing": t.ongoing,
        "status": str(status),
        "status_label": str(STATUS_LABELS.get(status, status)),
        "percent_done": float(t.percent_done),
    }


@router.get("/tasks", response=TaskPage, summary="Tasks in scope, with their derived status")
def list_tasks(request, filters: Query[TaskFilters], page: Query[PageQuery]):
    status_choices = [*TaskStatus.values, *selectors.STATUS_GROUPS]
    status = parse_choice(filters.status, "status", status_choices)
    due_from = parse_date(filters.due_from, "due_from")
    due_to = parse_date(filters.due_to, "due_to")
    if due_from and due_to and due_from > due_to:
        raise ValidationFailed(_("“Due from” must not be after “due to”."), field="due_to")
    qs = selectors.filter_tasks(
        selectors.tasks_visible(request.auth),
        resolution=filters.resolution,
        agency_path=_agency_path(filters.agency),
        status=status,
        due_from=due_from,
        due_to=due_to,
        q=clean_text(filters.q) or None,
        parent=filters.parent,
    )
    if filters.resolution == 0 or filters.parent == 0:
        qs = qs.none()
    qs = qs.select_related("lead_agency", "assigned_by", "resolution").order_by(
        "resolution__issued_on", "program_id", "code", "id"
    )
    return paginate(qs, page, _task)


@router.get("/tasks/{task_id}", response=TaskDetailOut, summary="One task, with coordination and progress")
def get_task(request, task_id: PathId):
    user = request.auth
    task = selectors.get_task(user, task_id)
    progress = selectors.task_progress([task]).get(task.pk)
    return {
        **_task(task),
        "description": task.description,
        "source_clause": task.source_clause,
        "responsible_officer": task.responsible_officer,
        "deliverable_type": task.deliverable_type,
        "deliverable": task.deliverable,
        "weight": float(task.weight),
        "first_progress_on": task.first_progress_on,
        "completed_on": task.completed_on,
        "state": task.state,
        "state_reason": task.state_reason,
        "version": task.version,
        "updated_at": task.updated_at,
        "coordinating_agencies": [
            {"agency": agency_ref(c.agency), "sub_deliverable": c.sub_deliverable}
            for c in selectors.coordinations(task)
        ],
        "children": [c.pk for c in selectors.visible_children(user, task)],
        "progress": _num(progress),
    }
