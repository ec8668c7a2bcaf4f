"""Writes on programmes (create, edit, issue, amend), the six clears, and a resolution's clauses
with their coverage."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from resmon.agencies.models import Agency
from resmon.core.access import get_visible_or_404
from resmon.core.apikit import Id, PathId
from resmon.core.errors import ValidationFailed

from .. import clears, selectors, selectors_clears
from ..models import ActionProgram
from ..services import clauses as clause_services
from ..services import programs as program_services
from .tasks import ProgramOut, _program
from .tasks import router as tasks_router

router = Router(tags=["programmes and clauses"])
# POST /programs and PATCH /programs/{id} share their paths with the GET operations of the tasks
# router; Django routes a path to one view, so they are registered on that router.


class ProgramIn(Schema):
    resolution: Id
    agency: Id
    doc_type: str = ActionProgram.DocType.ACTION_PROGRAM
    number: str = ""
    title: str
    signer: str = ""


class ProgramPatch(Schema):
    version: int
    doc_type: str | None = None
    number: str | None = None
    title: str | None = None
    signer: str | None = None


class IssueIn(Schema):
    number: str
    issued_on: dt.date
    signer: str
    override_reason: str = ""
    version: int | None = None


class AmendmentIn(Schema):
    number: str = ""
    decided_on: dt.date
    reason: str


class AmendmentOut(Schema):
    id: int
    program_id: int
    number: str
    decided_on: dt.date
    reason: str
    is_open: bool


class FlagOut(Schema):
    rule: str
    label: str
    passed: bool
    reason: str


class TaskClearsOut(Schema):
    task_id: int
    flags: list[FlagOut]
    open: int


class RuleCount(Schema):
    rule: str
    label: str
    tasks: int


class ProgramClearsOut(Schema):
    program_id: int
    tasks: int
    flagged: int
    rules: list[RuleCount]
    flagged_tasks: list[TaskClearsOut]


class ClauseOut(Schema):
    id: int
    parent_id: int | None
    kind: str
    label: str
    reference: str
    text: str
    order: int


class ClauseImportIn(Schema):
    text: str


class ClauseImportOut(Schema):
    count: int
    items: list[ClauseOut]


class CoverageClause(ClauseOut):
    covered: bool
    tasks: int


class CoverageProgram(Schema):
    program_id: int
    agency_id: int
    agency: str
    covered: int
    uncovered: int


class CoverageOut(Schema):
    resolution_id: int
    total: int
    covered: int
    uncovered: int
    programs: list[CoverageProgram]
    clauses: list[CoverageClause]


def _flag(f: clears.Flag) -> dict[str, Any]:
    return {"rule": f.rule, "label": f.label, "passed": f.passed, "reason": f.reason}


def _clause(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "parent_id": c.parent_id,
        "kind": c.kind,
        "label": c.label,
        "reference": c.reference,
        "text": c.text,
        "order": c.order,
    }


def _agency(user: Any, agency_id: int) -> Agency:
    from resmon.agencies.selectors import agencies_visible

    try:
        return get_visible_or_404(user, agencies_visible(user), pk=agency_id)
    except Exception:
        raise ValidationFailed(
            _("No agency with id %(id)s in your scope.") % {"id": agency_id}, field="agency"
        ) from None


@tasks_router.post("/programs", response={201: ProgramOut}, summary="Create a draft programme")
def create_program(request, payload: ProgramIn):
    user = request.auth
    resolution = selectors.get_resolution(user, payload.resolution)
    agency = _agency(user, payload.agency)
    program = program_services.create_program(
        user,
        resolution=resolution,
        agency=agency,
        doc_type=payload.doc_type,
        number=payload.number,
        title=payload.title,
        signer=payload.signer,
    )
    return Status(201, _program(program))


@tasks_router.patch("/programs/{program_id}", response=ProgramOut, summary="Change a programme")
def update_program(request, program_id: PathId, payload: ProgramPatch):
    user = request.auth
    program = selectors.get_program(user, program_id)
    fields = payload.dict(exclude_unset=True, exclude_none=True)
    version = fields.pop("version")
    program = program_services.update_program(user, program, expected_version=version, **fields)
    return _program(program)


@router.post("/programs/{program_id}/issue", response=ProgramOut, summary="Issue a draft programme")
def issue_program(request, program_id: PathId, payload: IssueIn):
    user = request.auth
    program = selectors.get_program(user, program_id)
    program = program_services.issue_program(
        user,
        program,
        number=payload.number,
        issued_on=payload.issued_on,
        signer=payload.signer,
        override_reason=payload.override_reason,
        expected_version=payload.version,
    )
    return _program(program)


@router.post("/programs/{program_id}/amendments", response={201: AmendmentOut}, summary="Open an amendment")
def open_program_amendment(request, program_id: PathId, payload: AmendmentIn):
    user = request.auth
    program = selectors.get_program(user, program_id)
    a = program_services.open_amendment(
        user, program, number=payload.number, decided_on=payload.decided_on, reason=payload.reason
    )
    return Status(
        201,
        {
            "id": a.pk,
            "program_id": a.program_id,
            "number": a.number,
            "decided_on": a.decided_on,
            "reason": a.reason,
            "is_open": a.is_open,
        },
    )


@router.get("/programs/{program_id}/clears", response=ProgramClearsOut, summary="Six clears of a programme")
def program_clears(request, program_id: PathId):
    program = selectors.get_program(request.auth, program_id)
    summary, open_by_task = selectors_clears.program_flags(program)
    return {
        "program_id": program.pk,
        "tasks": summary.total,
        "flagged": summary.flagged,
        "rules": [{"rule": r, "label": label, "tasks": n} for r, label, n in summary.rules],
        "flagged_tasks": [
            {"task_id": tid, "flags": [_flag(f) for f in flags], "open": len(flags)}
            for tid, flags in sorted(open_by_task.items())
        ],
    }


@router.get("/tasks/{task_id}/clears", response=TaskClearsOut, summary="Six clears of a task")
def task_clears(request, task_id: PathId):
    task = selectors.get_task(request.auth, task_id)
    flags = selectors_clears.task_flags(task)
    return {"task_id": task.pk, "flags": [_flag(f) for f in flags], "open": sum(not f.passed for f in flags)}


@router.get(
    "/resolutions/{resolution_id}/clauses", response=list[ClauseOut], summary="A resolution's clauses"
)
def resolution_clauses(request, resolution_id: PathId):
    resolution = selectors.get_resolution(request.auth, resolution_id)
    return [_clause(c) for c in selectors_clears.clauses_of(resolution)]


@router.post(
    "/resolutions/{resolution_id}/clauses/import",
    response=ClauseImportOut,
    summary="Replace a resolution's clauses with those split from its text (system administrators)",
)
def import_resolution_clauses(request, resolution_id: PathId, payload: ClauseImportIn):
    user = request.auth
    resolution = selectors.get_resolution(user, resolution_id)
    created = clause_services.import_resolution_text(user, resolution, text=payload.text)
    return {"count": len(created), "items": [_clause(c) for c in created]}


class CoverageQuery(Schema):
    agency: Id | None = None


@router.get(
    "/resolutions/{resolution_id}/coverage",
    response=CoverageOut,
    summary="Which clauses no programme in scope has a task for",
)
def resolution_coverage(request, resolution_id: PathId, filters: Query[CoverageQuery]):
    user = request.auth
    resolution = selectors.get_resolution(user, resolution_id)
    path = _agency(user, filters.agency).path if filters.agency else None
    cov = selectors_clears.coverage(user, resolution, agency_path=path)
    return {
        "resolution_id": resolution.pk,
        "total": cov.total,
        "covered": cov.covered,
        "uncovered": cov.uncovered,
        "programs": [
            {
                "program_id": row.program.pk,
                "agency_id": row.program.agency_id,
                "agency": row.program.agency.name,
                "covered": row.covered,
                "uncovered": row.uncovered,
            }
            for row in cov.programs
        ],
        "clauses": [_clause(c) | {"covered": c.covered, "tasks": c.task_count} for c in cov.clauses],
    }
