"""GET /dashboard/compare (agencies ranked on one indicator) and GET /dashboard/trends (the last
quarters of an agency subtree): the read models of the pages (``compare.compare``,
``trends.trends``), so the two cannot drift. Numbers that are not counts are strings ("45.5");
a value is null when there is none. Bad filters answer 400 problem+json naming the field; an
agency outside the caller's scope answers 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Query, Router, Schema

from resmon.agencies.api import AgencyRef, agency_ref
from resmon.core.apikit import Id
from resmon.reporting.api.schemas import PeriodRef, num, period_ref

from . import compare, selectors, trends
from .api import ResolutionFiguresRef, StatusCounts, rate, resolution_ref

router = Router(tags=["dashboards"])


# --- compare -------------------------------------------------------------------------------------


class CompareQuery(Schema):
    indicator: Id | None = Field(None, description="The indicator to compare on (required; active)")
    period: Id | None = Field(
        None,
        description="A period of the indicator's frequency (default: the latest with accepted values)",
    )
    agency: Id | None = Field(
        None, description="Compare the agencies directly under this one (default: the caller's widest)"
    )
    page: int = Field(1, ge=1, le=10**6, description=f"Page of {compare.PAGE_SIZE} agencies")


class CompareVersionOut(Schema):
    id: int
    version: int
    name: str
    unit: str
    direction: str = Field(..., description="higher or lower (is better)")
    decimal_places: int


class CompareIndicatorOut(Schema):
    id: int
    code: str
    name: str
    frequency: str
    current_version: int


class CompareRowOut(Schema):
    agency: AgencyRef
    group: str = Field(
        ...,
        description="ranked, small_denominator, other_definition, not_combined (several values) or no_data",
    )
    rank: int | None = Field(None, description="ranked rows only; equal values share a rank")
    value: str | None = Field(None, description="The agency's own value in an accepted report")
    version: int | None = Field(None, description="The definition (version) the value was reported against")
    denominator: str | None = Field(None, description="A ratio's own accepted denominator for the period")
    has_children: bool
    source: AgencyRef | None = Field(
        None, description="The agency under it whose value is shown (null: its own, combined or none)"
    )
    sources: int = Field(..., description="How many agencies' values were combined (0: no value)")


class CompareCounts(Schema):
    ranked: int
    small_denominator: int
    other_definition: int
    not_combined: int
    no_data: int


class CompareOut(Schema):
    agency: AgencyRef
    indicator: CompareIndicatorOut
    period: PeriodRef | None
    reference: CompareVersionOut = Field(..., description="The one definition ranked")
    reference_reason: str = Field(
        ..., description="majority: most agencies listed reported against it; current: nobody reported yet"
    )
    ratio: bool
    denominator_indicator: str | None = Field(None, description="A ratio's denominator indicator (code)")
    small_denominator_below: str
    own: CompareRowOut | None = Field(None, description="The chosen agency's own value (not ranked)")
    counts: CompareCounts
    count: int = Field(..., description="Every agency listed (all pages)")
    page: int
    pages: int
    page_size: int
    rule: str
    items: list[CompareRowOut]


def _version(v: Any) -> dict[str, Any]:
    return {
        "id": v.pk,
        "version": v.version,
        "name": v.name,
        "unit": v.unit,
        "direction": v.direction,
        "decimal_places": v.decimal_places,
    }


def _row(r: compare.CompareRow) -> dict[str, Any]:
    return {
        "agency": agency_ref(r.agency),
        "group": r.group,
        "rank": r.rank,
        "value": num(r.value),
        "version": r.version.version if r.version is not None else None,
        "denominator": num(r.denominator),
        "has_children": r.has_children,
        "source": agency_ref(r.source),
        "sources": r.sources,
    }


def compare_out(c: compare.Comparison) -> dict[str, Any]:
    indicator = c.indicator
    return {
        "agency": agency_ref(c.agency),
        "indicator": {
            "id": indicator.pk,
            "code": indicator.code,
            "name": c.current.name,
            "frequency": c.current.frequency,
            "current_version": c.current.version,
        },
        "period": period_ref(c.period) if c.period is not None else None,
        "reference": _version(c.reference),
        "reference_reason": c.reference_reason,
        "ratio": c.is_ratio,
        "denominator_indicator": c.denominator.code if c.denominator is not None else None,
        "small_denominator_below": f"{c.threshold.normalize():f}",
        "own": _row(c.own) if c.own is not None else None,
        "counts": c.counts,
        "count": c.count,
        "page": c.offset // c.limit + 1,
        "pages": max(1, -(-c.count // c.limit)),
        "page_size": c.limit,
        "rule": compare.rule_text(c),
        "items": [_row(r) for r in c.rows],
    }


@router.get(
    "/dashboard/compare",
    response=CompareOut,
    summary="The agencies under one agency ranked on one indicator for one period (same definition only)",
)
def dashboard_compare(request, query: Query[CompareQuery]):
    user = request.auth
    agency = selectors.pick_agency(user, query.agency)  # outside the scope: 404
    indicator = compare.pick_indicator(user, query.indicator)  # none or unknown: 400 naming the field
    period = compare.pick_period(user, indicator, agency, query.period)
    offset = (query.page - 1) * compare.PAGE_SIZE
    return compare_out(
        compare.compare(user, agency, indicator, period, offset=offset, limit=compare.PAGE_SIZE)
    )


# --- trends --------------------------------------------------------------------------------------


class TrendsQuery(Schema):
    agency: Id | None = Field(
        None, description="The agency whose subtree to show (default: the caller's widest)"
    )
    resolution: Id | None = Field(None, description="One resolution; empty: all of them")
    periods: int = Field(
        trends.DEFAULT_QUARTERS,
        ge=1,
        le=trends.MAX_QUARTERS,
        description=f"How many quarters, up to today (at most {trends.MAX_QUARTERS})",
    )


class ReportsOut(Schema):
    expected: int
    sent: int
    sent_on_time: int
    missing: int


class QuarterOut(Schema):
    period: PeriodRef
    as_of: dt.date = Field(..., description="The quarter's last day, or today for the quarter under way")
    tasks: int
    due: int = Field(
        ..., description="Tasks with a deadline on or before as_of (not ongoing, paused, cancelled)"
    )
    done_on_time: int
    done_late: int
    overdue: int
    on_time_rate: str | None = Field(None, description="done on time / (done on time + done late + overdue)")
    counts: StatusCounts
    progress: str | None = Field(None, description="Mean latest accepted percent done (tasks with a value)")
    progress_tasks: int = Field(..., description="Tasks with an accepted percent done by as_of")
    progress_of: int = Field(..., description="Tasks the mean could cover (not cancelled)")
    reports: ReportsOut


class TrendsOut(Schema):
    agency: AgencyRef
    resolution: ResolutionFiguresRef | None
    periods: int = Field(..., description="Quarters asked for")
    quarters: list[QuarterOut]


def trends_out(t: trends.Trends) -> dict[str, Any]:
    return {
        "agency": agency_ref(t.agency),
        "resolution": resolution_ref(t.resolution),
        "periods": t.asked,
        "quarters": [
            {
                "period": period_ref(q.period),
                "as_of": q.as_of,
                "tasks": q.tasks,
                "due": q.due,
                "done_on_time": q.done_on_time,
                "done_late": q.done_late,
                "overdue": q.overdue,
                "on_time_rate": rate(q.on_time_rate),
                "counts": q.counts,
                "progress": rate(q.progress),
                "progress_tasks": q.progress_tasks,
                "progress_of": q.progress_of,
                "reports": {
                    "expected": q.reports.expected,
                    "sent": q.reports.received,
                    "sent_on_time": q.reports.on_time,
                    "missing": q.reports.missing,
                },
            }
            for q in t.quarters
        ],
    }


@router.get(
    "/dashboard/trends",
    response=TrendsOut,
    summary="The last quarters of an agency subtree: task statuses at each quarter's end, progress, reports",
)
def dashboard_trends(request, query: Query[TrendsQuery]):
    user = request.auth
    agency = selectors.pick_agency(user, query.agency)
    resolution = selectors.pick_resolution(user, query.resolution)
    return trends_out(trends.trends(user, agency, resolution, query.periods))
