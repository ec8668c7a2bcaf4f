"""GET /periods, GET /periods/{id} (every signed-in caller); POST /periods/{id}/close and
/reopen (system administrators; 403 for others)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from resmon.core.apikit import PageQuery, PathId, paginate, parse_choice
from resmon.core.errors import PermissionRefused

from . import selectors_periods as selectors
from . import services, services_periods
from .models import PeriodKind, ReportingPeriod

router = Router(tags=["periods"])


class PeriodOut(Schema):
    id: int
    kind: str
    code: str
    label: str
    year: int
    index: int
    start: dt.date
    end: dt.date
    cutoff: str
    is_closed: bool
    closed_at: dt.datetime | None
    closed_by: str | None
    closed_reason: str


class PeriodPage(Schema):
    count: int
    items: list[PeriodOut]


class PeriodFilters(Schema):
    kind: str | None = Field(None, description="month, quarter, half_year or year")
    year: int | None = Field(None, ge=1, le=9998)
    open: bool | None = Field(None, description="true: open periods only; false: closed ones only")


class PeriodReasonIn(Schema):
    reason: str = Field(..., max_length=2000)


def _period(p: ReportingPeriod) -> dict[str, Any]:
    return {
        "id": p.pk,
        "kind": p.kind,
        "code": p.code,
        "label": p.label,
        "year": p.year,
        "index": p.index,
        "start": p.start,
        "end": p.end,
        "cutoff": p.cutoff,
        "is_closed": p.is_closed,
        "closed_at": p.closed_at,
        "closed_by": p.closed_by.get_username() if p.closed_by_id else None,
        "closed_reason": p.closed_reason,
    }


def _require_admin(user) -> None:
    if not services.is_catalogue_admin(user):
        raise PermissionRefused(_("Only system administrators close and reopen reporting periods."))


@router.get("/periods", response=PeriodPage, summary="The reporting period calendar")
def list_periods(request, filters: Query[PeriodFilters], page: Query[PageQuery]):
    qs = selectors.periods(
        request.auth,
        kind=parse_choice(filters.kind, "kind", PeriodKind.values) or "",
        year=filters.year,
        is_open=filters.open,
    )
    return paginate(qs, page, _period)


@router.get("/periods/{period_id}", response=PeriodOut, summary="One reporting period")
def get_period(request, period_id: PathId):
    return _period(selectors.get_period(request.auth, period_id))


@router.post(
    "/periods/{period_id}/close", response=PeriodOut, summary="Close a period (system administrators)"
)
def close_period(request, period_id: PathId, payload: PeriodReasonIn):
    _require_admin(request.auth)
    period = selectors.get_period(request.auth, period_id)
    services_periods.close_period(request.auth, period, payload.reason)
    return _period(selectors.get_period(request.auth, period_id))


@router.post(
    "/periods/{period_id}/reopen", response=PeriodOut, summary="Reopen a period (system administrators)"
)
def reopen_period(request, period_id: PathId, payload: PeriodReasonIn):
    _require_admin(request.auth)
    period = selectors.get_period(request.auth, period_id)
    services_periods.reopen_period(request.auth, period, payload.reason)
    return _period(selectors.get_period(request.auth, period_id))
