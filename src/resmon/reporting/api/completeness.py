"""Completeness and timeliness of reporting for a period: the counts, the drill-down one level
down the agency tree, and the list of reports still missing. Counts are scoped: a caller counts
only the reporting agencies (and resolutions) they may see; an agency, programme or resolution
named in the query only narrows that."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from resmon.agencies.api import AgencyRef, agency_ref
from resmon.agencies.models import Agency
from resmon.catalogue import selectors_periods
from resmon.core.apikit import Id, PageQuery, paginate
from resmon.core.errors import ValidationFailed

from .. import selectors_completeness as completeness_selectors
from .schemas import PeriodRef, ProgramRef, period_ref, program_ref

router = Router(tags=["reporting completeness"])


class CompletenessQuery(Schema):
    period: Id = Field(..., description="The reporting period (id from GET /periods)")
    agency: Id | None = Field(None, description="Only reporting agencies inside this agency's subtree")
    program: Id | None = None
    resolution: Id | None = None


class CountsOut(Schema):
    expected: int
    received: int = Field(..., description="Expected reports sent at least once")
    on_time: int
    late: int
    missing: int = Field(..., description="Expected reports not sent yet")
    accepted: int
    returned: int
    awaiting: int = Field(..., description="Sent, waiting for the accepting level")
    received_rate: str | None = Field(
        None, description="Percent received of expected; null when none expected"
    )
    on_time_rate: str | None = Field(None, description="Percent on time of expected; null when none expected")


class CompletenessOut(CountsOut):
    period: PeriodRef
    agency: AgencyRef | None


class ChildRow(Schema):
    agency: AgencyRef
    counts: CountsOut


class ChildrenOut(Schema):
    period: PeriodRef
    agency: AgencyRef
    count: int
    items: list[ChildRow]


class MissingOut(Schema):
    program: ProgramRef
    agency: AgencyRef
    due_date: dt.date
    grace_until: dt.date
    days_late: int
    report_id: int | None = Field(None, description="The report being prepared, if one was created")
    report_state: str | None


class MissingPage(Schema):
    count: int
    items: list[MissingOut]


def counts_out(c: completeness_selectors.Counts) -> dict[str, Any]:
    return {
        "expected": c.expected,
        "received": c.received,
        "on_time": c.on_time,
        "late": c.late,
        "missing": c.missing,
        "accepted": c.accepted,
        "returned": c.returned,
        "awaiting": c.awaiting,
        "received_rate": _rate(c.received_rate),
        "on_time_rate": _rate(c.on_time_rate),
    }


def _rate(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def _agency(agency_id: int | None) -> Agency | None:
    if agency_id is None:
        return None
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise ValidationFailed(_("No agency with id %(id)s.") % {"id": agency_id}, field="agency")
    return agency


def _filters(user: Any, query: CompletenessQuery) -> dict[str, Any]:
    return {
        "period": selectors_periods.get_period(user, query.period),
        "agency": _agency(query.agency),
        "program": query.program,
        "resolution": query.resolution,
    }


@router.get(
    "/completeness",
    response=CompletenessOut,
    summary="How many of a period's expected reports were received, on time or late",
)
def completeness(request, query: Query[CompletenessQuery]):
    filters = _filters(request.auth, query)
    counts = completeness_selectors.completeness(request.auth, **filters)
    return {
        **counts_out(counts),
        "period": period_ref(filters["period"]),
        "agency": agency_ref(filters["agency"]),
    }


@router.get(
    "/completeness/children",
    response=ChildrenOut,
    summary="The same counts for each agency one level down (the caller's agency by default)",
)
def completeness_children(request, query: Query[CompletenessQuery]):
    user = request.auth
    filters = _filters(user, query)
    if filters["agency"] is None:
        filters["agency"] = user.agency
        if user.agency is None:
            raise ValidationFailed(_("Choose the agency whose levels below to count."), field="agency")
    rows = completeness_selectors.completeness_by_child(user, **filters)
    return {
        "period": period_ref(filters["period"]),
        "agency": agency_ref(filters["agency"]),
        "count": len(rows),
        "items": [{"agency": agency_ref(a), "counts": counts_out(c)} for a, c in rows],
    }


def _missing(row: completeness_selectors.MissingReport) -> dict[str, Any]:
    return {
        "program": program_ref(row.program),
        "agency": agency_ref(row.agency),
        "due_date": row.due_date,
        "grace_until": row.grace_until,
        "days_late": row.days_late,
        "report_id": row.report.pk if row.report is not None else None,
        "report_state": row.report.state if row.report is not None else None,
    }


@router.get(
    "/completeness/missing",
    response=MissingPage,
    summary="The expected reports not sent yet, most overdue first",
)
def completeness_missing(request, query: Query[CompletenessQuery], page: Query[PageQuery]):
    rows = completeness_selectors.missing_reports(request.auth, **_filters(request.auth, query))
    return paginate(rows, page, _missing)
