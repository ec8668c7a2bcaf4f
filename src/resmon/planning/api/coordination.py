"""The coordinating agencies' parts of a task over the API: list them, set a part's due date (the
lead or assigning agency, while planning), record its delivery or undo it (the coordinating
agency). A task outside the caller's scope is a 404, a visible one the caller may not act on a 403."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Router, Schema, Status

from resmon.agencies.api import AgencyRef, agency_ref
from resmon.core import clock
from resmon.core.apikit import PathId

from .. import selectors
from .. import selectors_coordination as parts
from ..models import TaskCoordination
from ..services import coordination as services

router = Router(tags=["planning: coordination"])


class PartOut(Schema):
    id: int
    agency: AgencyRef
    sub_deliverable: str
    due_date: dt.date | None
    delivered_on: dt.date | None
    state: str = Field(..., description="no_due_date, due, late, delivered or delivered_late")
    state_label: str
    days: int = Field(
        ..., description="late: days past the due date; due: days left; delivered_late: days late"
    )


class DueIn(Schema):
    due_date: dt.date | None = Field(
        ..., description="yyyy-mm-dd, no later than the task's due date; null clears it"
    )


class DeliveryIn(Schema):
    delivered_on: dt.date | None = Field(None, description="yyyy-mm-dd, not in the future (default: today)")
    note: str = Field("", max_length=2000)


class UndoIn(Schema):
    reason: str = Field(..., max_length=2000)


def part_out(c: TaskCoordination) -> dict[str, Any]:
    status = parts.part_status(c.due_date, c.delivered_on, clock.today())
    return {
        "id": c.pk,
        "agency": agency_ref(c.agency),
        "sub_deliverable": c.sub_deliverable,
        "due_date": c.due_date,
        "delivered_on": c.delivered_on,
        "state": status.state,
        "state_label": status.label,
        "days": status.days,
    }


def _fresh(user: Any, task_id: int, agency_id: int) -> dict[str, Any]:
    return part_out(parts.get_part(user, task_id, agency_id))


@router.get(
    "/tasks/{task_id}/coordinations",
    response=list[PartOut],
    summary="The coordinating agencies' parts of a task",
)
def list_task_coordinations(request, task_id: PathId):
    task = selectors.get_task(request.auth, task_id)
    return [part_out(c) for c in parts.parts(task)]


@router.put(
    "/tasks/{task_id}/coordinations/{agency_id}/due",
    response=PartOut,
    summary="Set when a coordinating agency's part is due (the lead or assigning agency, while planning)",
)
def set_coordination_due(request, task_id: PathId, agency_id: PathId, payload: DueIn):
    part = parts.get_part(request.auth, task_id, agency_id)
    services.set_coordination_due(request.auth, part, payload.due_date)
    return _fresh(request.auth, task_id, agency_id)


@router.post(
    "/tasks/{task_id}/coordinations/{agency_id}/delivery",
    response={201: PartOut},
    summary="Record that a coordinating agency delivered its part (that agency's leaders and focal officers)",
)
def record_coordination_delivery(request, task_id: PathId, agency_id: PathId, payload: DeliveryIn):
    part = parts.get_part(request.auth, task_id, agency_id)
    services.record_delivery(request.auth, part, payload.delivered_on, payload.note)
    return Status(201, _fresh(request.auth, task_id, agency_id))


@router.post(
    "/tasks/{task_id}/coordinations/{agency_id}/delivery/undo",
    response=PartOut,
    summary="Undo a recorded delivery, with the reason (the coordinating agency)",
)
def undo_coordination_delivery(request, task_id: PathId, agency_id: PathId, payload: UndoIn):
    part = parts.get_part(request.auth, task_id, agency_id)
    services.undo_delivery(request.auth, part, payload.reason)
    return _fresh(request.auth, task_id, agency_id)
