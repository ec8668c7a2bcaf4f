"""GET /programs/{id}/schedule (whoever sees the programme) and PUT /programs/{id}/schedule (those
who may change it): which kinds of period the programme reports on and when reports are due."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Router, Schema

from resmon.core.apikit import PathId

from .. import selectors
from ..services import schedule as schedule_services

router = Router(tags=["programmes and clauses"])


class ScheduleEntryOut(Schema):
    kind: str
    due_days: int
    grace_days: int
    next_period: str = Field(..., description="Code of the first period whose report is not yet past due")
    next_period_label: str
    next_due: dt.date


class ScheduleOut(Schema):
    program_id: int
    is_default: bool = Field(..., description="True: no schedule set, the default applies")
    version: int
    entries: list[ScheduleEntryOut]


class ScheduleIn(Schema):
    kinds: list[str] = Field(..., max_length=4, description="month, quarter, half_year, year")
    due_days: int = Field(..., description="Days after the period ends (0–60)")
    grace_days: int = Field(0, description="Days after the due date a report is still accepted, marked late")
    version: int | None = Field(None, description="The programme version you edited; 409 if stale")


def _schedule(program) -> dict[str, Any]:
    entries = schedule_services.schedule_of(program)
    rows = []
    for e in entries:
        period, due = e.next_due()
        rows.append(
            {
                "kind": e.kind,
                "due_days": e.due_days,
                "grace_days": e.grace_days,
                "next_period": period.code,
                "next_period_label": period.label,
                "next_due": due,
            }
        )
    return {
        "program_id": program.pk,
        "is_default": entries[0].is_default,
        "version": program.version,
        "entries": rows,
    }


@router.get(
    "/programs/{program_id}/schedule", response=ScheduleOut, summary="A programme's reporting schedule"
)
def get_program_schedule(request, program_id: PathId):
    return _schedule(selectors.get_program(request.auth, program_id))


@router.put(
    "/programs/{program_id}/schedule", response=ScheduleOut, summary="Set a programme's reporting schedule"
)
def set_program_schedule(request, program_id: PathId, payload: ScheduleIn):
    user = request.auth
    program = selectors.get_program(user, program_id)
    schedule_services.set_schedule(
        user,
        program,
        kinds=payload.kinds,
        due_days=payload.due_days,
        grace_days=payload.grace_days,
        expected_version=payload.version,
    )
    return _schedule(selectors.get_program(user, program_id))
