"""GET /dashboard: the overall picture of an agency subtree, the same read model as the page
(``selectors.overview``), so the two cannot drift. Numbers that are not counts are strings
("45.5"), as in the rest of the API; a rate is null when there is nothing to divide by."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.renderers import JSONRenderer

from resmon.agencies.api import AgencyRef, agency_ref
from resmon.core.apikit import MAX_LIMIT, Id
from resmon.reporting.api.schemas import PeriodRef, num, period_ref
from resmon.rollups.models import STATUS_FIELDS

from . import cache, selectors, steering

router = Router(tags=["dashboards"])
RENDERER = JSONRenderer()  # the API's own (NinjaAPI's default): cached and fresh answers alike
CONTENT_TYPE = f"{RENDERER.media_type}; charset={RENDERER.charset}"


class OverviewFilters(Schema):
    """The filters of the overview, its KPI view and its downloads."""

    agency: Id | None = Field(
        None, description="The agency whose subtree to show (default: the caller's widest agency)"
    )
    resolution: Id | None = Field(None, description="One resolution; empty: all of them")
    period: Id | None = Field(None, description="The reporting period (default: the current quarter)")


class DashboardQuery(OverviewFilters):
    limit: int = Field(selectors.CHILDREN_PAGE, ge=1, le=MAX_LIMIT, description="Children per page")
    offset: int = Field(0, ge=0, le=10**9, description="Children to skip")


class ResolutionFiguresRef(Schema):
    id: int
    number: str
    title: str


class StatusCounts(Schema):
    not_started: int
    in_progress: int
    overdue: int
    done_on_time: int
    done_late: int
    paused: int
    cancelled: int


class HeadlineOut(Schema):
    tasks: int
    overdue: int
    on_time_rate: str | None = Field(
        None, description="done on time / (done on time + done late + overdue), percent; null when 0"
    )
    reports_missing: int | None = Field(None, description="Expected reports not sent; null without a period")
    reports_expected: int | None


class ResolutionFiguresOut(Schema):
    resolution: ResolutionFiguresRef
    progress: str | None
    tasks: int
    on_time_rate: str | None
    counts: StatusCounts


class ProgressOut(Schema):
    resolution: int
    progress: str | None


class ChildOut(Schema):
    agency: AgencyRef
    tasks: int
    progress: str | None = Field(None, description="On the chosen resolution; null when all are shown")
    progress_by_resolution: list[ProgressOut]
    overdue: int
    on_time_rate: str | None
    completeness_rate: str | None = Field(
        None, description="Percent of the period's expected reports received"
    )
    small_sample: bool = Field(..., description=f"Fewer than {selectors.SMALL_SAMPLE} tasks")


class TileOut(Schema):
    agency: AgencyRef
    label: str
    tasks: int
    on_time_rate: str | None
    band: str = Field(..., description="green (>= 90), orange (70-90), red (< 70), none (no data)")


class RankOut(Schema):
    rank: int | None = Field(None, description="null for a small sample (listed after the others)")
    agency: AgencyRef
    progress: str
    tasks: int
    small_sample: bool


class DashboardOut(Schema):
    agency: AgencyRef
    breadcrumb: list[AgencyRef]
    resolution: ResolutionFiguresRef | None
    period: PeriodRef | None
    headline: HeadlineOut
    by_resolution: list[ResolutionFiguresOut]
    children: list[ChildOut]
    children_count: int = Field(..., description="All children (the list is one page of them)")
    children_offset: int
    children_limit: int
    own_tasks: int = Field(..., description="Tasks led by the agency itself, not under a child listed")
    provinces: list[TileOut] | None = Field(None, description="The national level only")
    ranking: list[RankOut] | None = Field(None, description="null when all resolutions are shown")
    ranking_note: str | None
    computed_at: dt.datetime | None


def rate(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def resolution_ref(r: Any) -> dict[str, Any] | None:
    return None if r is None else {"id": r.pk, "number": r.number, "title": r.title}


def dashboard_out(o: selectors.Overview) -> dict[str, Any]:
    """The JSON of one overview (the page's table views show the same values)."""
    return {
        "agency": agency_ref(o.agency),
        "breadcrumb": [agency_ref(a) for a in o.crumbs],
        "resolution": resolution_ref(o.resolution),
        "period": period_ref(o.period) if o.period is not None else None,
        "headline": {
            "tasks": o.headline.tasks,
            "overdue": o.headline.overdue,
            "on_time_rate": rate(o.headline.on_time_rate),
            "reports_missing": o.headline.reports_missing,
            "reports_expected": o.headline.reports_expected,
        },
        "by_resolution": [
            {
                "resolution": resolution_ref(f.resolution),
                "progress": num(f.progress),
                "tasks": f.tasks,
                "on_time_rate": rate(f.on_time_rate),
                "counts": {name: f.counts[name] for name in STATUS_FIELDS},
            }
            for f in o.by_resolution
        ],
        "children": [
            {
                "agency": agency_ref(c.agency),
                "tasks": c.tasks,
                "progress": num(c.progress),
                "progress_by_resolution": [
                    {"resolution": r.pk, "progress": num(c.progress_by_resolution.get(r.pk))}
                    for r in o.resolutions
                ],
                "overdue": c.overdue,
                "on_time_rate": rate(c.on_time_rate),
                "completeness_rate": rate(c.completeness_rate),
                "small_sample": c.small_sample,
            }
            for c in o.children
        ],
        "children_count": o.children_count,
        "children_offset": o.children_offset,
        "children_limit": o.children_limit,
        "own_tasks": o.own_tasks,
        "provinces": None
        if o.provinces is None
        else [
            {
                "agency": agency_ref(t.agency),
                "label": t.label,
                "tasks": t.tasks,
                "on_time_rate": rate(t.on_time_rate),
                "band": t.band,
            }
            for t in o.provinces
        ],
        "ranking": None
        if o.ranking is None
        else [
            {
                "rank": r.rank,
                "agency": agency_ref(r.agency),
                "progress": num(r.progress),
                "tasks": r.tasks,
                "small_sample": r.small_sample,
            }
            for r in o.ranking
        ],
        "ranking_note": str(selectors.ranking_refusal()) if o.ranking is None else None,
        "computed_at": o.computed_at,
    }


@router.get(
    "/dashboard",
    response=DashboardOut,
    summary="The overall picture of an agency subtree: headline, per resolution, children, ranking",
)
def dashboard(request, query: Query[DashboardQuery]):
    user = request.auth

    def build() -> bytes:
        # a steering member outside their own agencies: their resolutions only (dashboards.steering)
        reader, agency = steering.pick_reader(user, query.agency)
        resolution = steering.pick_resolution(user, reader, query.resolution)
        period = selectors.pick_period(user, query.period)
        o = selectors.overview(reader, agency, resolution, period, offset=query.offset, limit=query.limit)
        body = DashboardOut.model_validate(dashboard_out(o)).model_dump()
        return RENDERER.render(request, body, response_status=200).encode()

    # the rendered answer, reused until the roll-ups move (dashboards.cache)
    return HttpResponse(cache.cached("api.dashboard", user, query.dict(), build), content_type=CONTENT_TYPE)
