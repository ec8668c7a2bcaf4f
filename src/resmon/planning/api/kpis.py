"""Task KPIs (indicator, baseline, target trajectory) and deadline extensions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status

from resmon.core import clock
from resmon.core.apikit import Id, PageQuery, PathId, paginate

from .. import selectors
from .. import selectors_kpis as kpi_selectors
from ..models import DeadlineExtension, TaskIndicator
from ..services import extensions as extension_services
from ..services import kpis as kpi_services
from ..trajectory import expected_value, points_of

router = Router(tags=["KPIs and deadline extensions"])


def _num(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


# --- KPIs --------------------------------------------------------------------------------------


class TargetIn(Schema):
    on: dt.date
    value: Decimal = Field(..., max_digits=20, decimal_places=4)


class KpiIn(Schema):
    indicator: Id
    baseline_value: Decimal | None = Field(None, max_digits=20, decimal_places=4)
    baseline_date: dt.date | None = None
    criterion: str = Field("", max_length=4000)
    targets: list[TargetIn] = Field(..., max_length=kpi_services.MAX_TARGETS)


class KpiUpdateIn(Schema):
    baseline_value: Decimal | None = Field(None, max_digits=20, decimal_places=4)
    baseline_date: dt.date | None = None
    criterion: str = Field("", max_length=4000)
    targets: list[TargetIn] = Field(..., max_length=kpi_services.MAX_TARGETS)


class TargetOut(Schema):
    on: dt.date
    value: str


class KpiOut(Schema):
    id: int
    task_id: int
    indicator_id: int
    indicator_code: str
    indicator_version: int
    name: str
    unit: str
    direction: str
    baseline_value: str | None
    baseline_date: dt.date | None
    criterion: str
    targets: list[TargetOut]
    expected_today: str | None


class KpiList(Schema):
    count: int
    items: list[KpiOut]


def _kpi(kpi: TaskIndicator) -> dict[str, Any]:
    version = kpi.indicator_version
    targets = list(kpi.targets.all())
    return {
        "id": kpi.pk,
        "task_id": kpi.task_id,
        "indicator_id": kpi.indicator_id,
        "indicator_code": kpi.indicator.code,
        "indicator_version": version.version,
        "name": version.name,
        "unit": version.unit,
        "direction": version.direction,
        "baseline_value": _num(kpi.baseline_value),
        "baseline_date": kpi.baseline_date,
        "criterion": kpi.criterion,
        "targets": [{"on": t.on, "value": _num(t.value)} for t in targets],
        "expected_today": _num(expected_value(points_of(kpi), clock.today())),
    }


@router.get("/tasks/{task_id}/kpis", response=KpiList, summary="The KPIs of a task, with their trajectories")
def list_task_kpis(request, task_id: PathId):
    task = selectors.get_task(request.auth, task_id)
    items = [_kpi(k) for k in kpi_selectors.task_kpis(request.auth, task)]
    return {"count": len(items), "items": items}


@router.post("/tasks/{task_id}/kpis", response={201: KpiOut}, summary="Add a KPI to a task")
def add_task_kpi(request, task_id: PathId, payload: KpiIn):
    task = selectors.get_task(request.auth, task_id)
    kpi = kpi_services.add_kpi(
        request.auth,
        task,
        indicator=payload.indicator,
        baseline_value=payload.baseline_value,
        baseline_date=payload.baseline_date,
        criterion=payload.criterion,
        targets=[(t.on, t.value) for t in payload.targets],
    )
    return Status(201, _kpi(kpi_selectors.get_kpi(request.auth, kpi.pk)))


@router.put("/kpis/{kpi_id}", response=KpiOut, summary="Replace a KPI's baseline, criterion and trajectory")
def update_task_kpi(request, kpi_id: PathId, payload: KpiUpdateIn):
    kpi = kpi_selectors.get_kpi(request.auth, kpi_id)
    kpi_services.update_kpi(
        request.auth,
        kpi,
        baseline_value=payload.baseline_value,
        baseline_date=payload.baseline_date,
        criterion=payload.criterion,
        targets=[(t.on, t.value) for t in payload.targets],
    )
    return _kpi(kpi_selectors.get_kpi(request.auth, kpi_id))


@router.delete("/kpis/{kpi_id}", response={204: None}, summary="Remove a KPI from its task")
def delete_task_kpi(request, kpi_id: PathId):
    kpi = kpi_selectors.get_kpi(request.auth, kpi_id)
    kpi_services.remove_kpi(request.auth, kpi)
    return HttpResponse(status=204)


# --- deadline extensions -----------------------------------------------------------------------


class ExtensionIn(Schema):
    proposed_due_date: dt.date
    reason: str = Field(..., max_length=4000)


class DecisionIn(Schema):
    grant: bool
    note: str = Field("", max_length=4000)


class ExtensionOut(Schema):
    id: int
    task_id: int
    task_code: str
    task_title: str
    requested_by: str
    current_due_date: dt.date
    proposed_due_date: dt.date
    reason: str
    status: str
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str
    created_at: dt.datetime


class ExtensionPage(Schema):
    count: int
    items: list[ExtensionOut]


class ExtensionFilters(Schema):
    pending: bool = Field(False, description="Only the requests waiting for the caller's decision.")
    task: Id | None = None


def _ext(e: DeadlineExtension) -> dict[str, Any]:
    return {
        "id": e.pk,
        "task_id": e.task_id,
        "task_code": e.task.code,
        "task_title": e.task.title,
        "requested_by": e.requested_by.get_username(),
        "current_due_date": e.current_due_date,
        "proposed_due_date": e.proposed_due_date,
        "reason": e.reason,
        "status": e.status,
        "decided_by": e.decided_by.get_username() if e.decided_by_id else None,
        "decided_at": e.decided_at,
        "decision_note": e.decision_note,
        "created_at": e.created_at,
    }


@router.get("/extensions", response=ExtensionPage, summary="Deadline extension requests in scope")
def list_extensions(request, filters: Query[ExtensionFilters], page: Query[PageQuery]):
    user = request.auth
    qs = (
        kpi_selectors.extensions_to_decide(user)
        if filters.pending
        else kpi_selectors.extensions_visible(user)
    )
    if filters.task is not None:
        qs = qs.filter(task_id=filters.task)
    return paginate(qs.order_by("-created_at", "-id"), page, _ext)


@router.post(
    "/tasks/{task_id}/extensions",
    response={201: ExtensionOut},
    summary="Ask for a later deadline (lead agency)",
)
def request_task_extension(request, task_id: PathId, payload: ExtensionIn):
    task = selectors.get_task(request.auth, task_id)
    ext = extension_services.request_extension(request.auth, task, payload.proposed_due_date, payload.reason)
    return Status(201, _ext(kpi_selectors.get_extension(request.auth, ext.pk)))


@router.post(
    "/extensions/{extension_id}/decision",
    response=ExtensionOut,
    summary="Grant or refuse a deadline extension (assigning agency)",
)
def decide_task_extension(request, extension_id: PathId, payload: DecisionIn):
    ext = kpi_selectors.get_extension(request.auth, extension_id)
    extension_services.decide_extension(request.auth, ext, payload.grant, payload.note)
    return _ext(kpi_selectors.get_extension(request.auth, extension_id))
