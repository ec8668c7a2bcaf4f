"""The forecasts in the API: one task's (with its KPIs') and the tasks most at risk.

Probabilities and values are strings ("0.7312"), as every decimal of the API; a forecast that
could not be made says so (``method: "insufficient"``) with null dates and values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Query, Router, Schema

from resmon.agencies import selectors as agency_selectors
from resmon.agencies.api import AgencyRef, agency_ref
from resmon.core.apikit import DEFAULT_LIMIT, MAX_LIMIT, Id, PathId, paginate
from resmon.core.apikit import PageQuery as _PageQuery
from resmon.planning import selectors as planning

from . import selectors
from .models import KpiForecast, Method, TaskForecast

router = Router(tags=["forecasts"])
METHOD_LABELS = dict(Method.choices)


def _num(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


class TaskForecastOut(Schema):
    task: int
    as_of: dt.date | None = Field(None, description="The day the forecast was computed for; null: not yet")
    method: str | None = Field(
        None, description="linear, damped, smoothing, rollup (from sub-tasks), done or insufficient"
    )
    method_label: str | None
    points: int = Field(0, description="Accepted progress reports used")
    projected_on: dt.date | None = Field(None, description="Median projected completion")
    low_on: dt.date | None = Field(None, description="80% interval: from")
    high_on: dt.date | None = Field(None, description="80% interval: to")
    p_miss: str | None = Field(None, description="Probability of finishing after the due date, 0-1")
    rate_per_30_days: str | None = Field(None, description="Pace, percentage points per 30 days")
    last_report_on: dt.date | None
    last_percent: str | None
    due_date: dt.date | None


class KpiForecastOut(Schema):
    kpi: int
    indicator: str
    name: str
    unit: str
    direction: str
    method: str | None
    method_label: str | None
    points: int
    target_date: dt.date | None
    target_value: str | None
    projected_value: str | None
    low_value: str | None
    high_value: str | None
    p_miss: str | None = Field(None, description="Probability of missing the target at its date, 0-1")


class ForecastOut(Schema):
    task: TaskForecastOut
    kpis: list[KpiForecastOut]


class AtRiskItem(Schema):
    id: int = Field(..., description="The task's id")
    code: str
    title: str
    resolution: str
    lead_agency: AgencyRef
    due_date: dt.date | None
    projected_on: dt.date | None
    low_on: dt.date | None
    high_on: dt.date | None
    p_miss: str
    method: str
    as_of: dt.date


class AtRiskPage(Schema):
    count: int
    items: list[AtRiskItem]


class AtRiskQuery(Schema):
    agency: Id | None = Field(None, description="Tasks led inside this agency's subtree")
    resolution: Id | None = Field(None, description="Tasks of this resolution")
    page: int | None = Field(
        None, ge=1, le=10**7, description="Page number (1-based) of ``limit`` items; instead of offset"
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page (at most 500)")
    offset: int = Field(0, ge=0, le=10**12, description="Items to skip")


def task_forecast_out(task: Any, f: TaskForecast | None) -> dict[str, Any]:
    out: dict[str, Any] = {"task": task.pk, "due_date": None if task.ongoing else task.due_date}
    if f is None:
        return {
            **out,
            "method": None,
            "method_label": None,
            "points": 0,
            "last_report_on": None,
            "last_percent": None,
        }
    return {
        **out,
        "as_of": f.as_of,
        "method": f.method,
        "method_label": str(METHOD_LABELS.get(f.method, f.method)),
        "points": f.points,
        "projected_on": f.projected_on,
        "low_on": f.low_on,
        "high_on": f.high_on,
        "p_miss": _num(f.p_miss),
        "rate_per_30_days": _num(f.rate),
        "last_report_on": f.last_report_on,
        "last_percent": _num(f.last_percent),
    }


def kpi_forecast_out(kpi: Any) -> dict[str, Any]:
    f: KpiForecast | None = kpi.cached_forecast
    return {
        "kpi": kpi.pk,
        "indicator": kpi.indicator.code,
        "name": kpi.indicator_version.name,
        "unit": kpi.indicator_version.unit,
        "direction": kpi.indicator_version.direction,
        "method": f.method if f else None,
        "method_label": str(METHOD_LABELS.get(f.method, f.method)) if f else None,
        "points": f.points if f else 0,
        "target_date": f.target_date if f else None,
        "target_value": _num(f.target_value) if f else None,
        "projected_value": _num(f.projected_value) if f else None,
        "low_value": _num(f.low_value) if f else None,
        "high_value": _num(f.high_value) if f else None,
        "p_miss": _num(f.p_miss) if f else None,
    }


def at_risk_item(f: TaskForecast) -> dict[str, Any]:
    t = f.task
    return {
        "id": t.pk,
        "code": t.code,
        "title": t.title,
        "resolution": t.resolution.number,
        "lead_agency": agency_ref(t.lead_agency),
        "due_date": t.due_date,
        "projected_on": f.projected_on,
        "low_on": f.low_on,
        "high_on": f.high_on,
        "p_miss": _num(f.p_miss),
        "method": f.method,
        "as_of": f.as_of,
    }


@router.get(
    "/tasks/{task_id}/forecast",
    response=ForecastOut,
    summary="A task's forecast: projected completion, 80% interval, risk of missing the deadline, KPIs",
)
def get_task_forecast(request, task_id: PathId):
    user = request.auth
    task = planning.get_task(user, task_id)
    return {
        "task": task_forecast_out(task, selectors.task_forecast(user, task)),
        "kpis": [kpi_forecast_out(k) for k in selectors.kpi_forecasts(user, task)],
    }


@router.get(
    "/forecasts/at-risk",
    response=AtRiskPage,
    summary="Unfinished tasks in the caller's scope likeliest to miss their deadline (P(miss) >= 0.5)",
)
def list_at_risk(request, filters: Query[AtRiskQuery]):
    user = request.auth
    agency = agency_selectors.get_agency(user, filters.agency) if filters.agency else None
    resolution = planning.get_resolution(user, filters.resolution) if filters.resolution else None
    offset = (filters.page - 1) * filters.limit if filters.page else filters.offset
    window = _PageQuery(limit=filters.limit, offset=min(offset, 10**12))
    return paginate(selectors.at_risk(user, agency=agency, resolution=resolution), window, at_risk_item)
