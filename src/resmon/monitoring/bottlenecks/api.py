"""Bottlenecks over the API: the ranked agencies with their figures, the links between agencies,
and one agency's drill-down. Scoped like the pages: the tasks the caller may see; an agency filter
outside the caller's scope is a 404, an unknown resolution a 400 naming the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Query, Router, Schema

from resmon.agencies.api import AgencyRef, agency_ref
from resmon.core.apikit import PathId, clean_text

from . import engine, selectors
from .selectors import Analysis, BlockerView

router = Router(tags=["monitoring: bottlenecks"])


class Filters(Schema):
    resolution: str | None = Field(None, description="A resolution id: only its tasks")
    agency: str | None = Field(None, description="An agency id: only blocking agencies in its subtree")
    page: str | None = Field(None, description="Page number (50 items a page)")


class DrillFilters(Schema):
    resolution: str | None = Field(None, description="A resolution id: only its tasks")
    page: str | None = Field(None, description="Page number (20 blockers a page)")


class TaskBrief(Schema):
    id: int
    code: str
    title: str
    lead_agency: AgencyRef


class BlockerOut(Schema):
    kind: str = Field(
        ..., description="task: an overdue (or late) task others wait for; part: a late coordination part"
    )
    task: TaskBrief | None
    part_id: int | None
    sub_deliverable: str
    due_date: dt.date
    overdue_days: int = Field(
        ..., description="today − due date (≤ 0: not overdue, late against a dependent's needs)"
    )
    days: int = Field(..., description="the longest a task is held up by it")
    blocked_tasks: int
    direct_tasks: int
    weighted_days: Decimal


class HeldOut(Schema):
    task: TaskBrief
    depth: int = Field(..., description="1: waits directly; 2 and more: down the chain")
    via: int | None = Field(None, description="the held task it waits through (depth > 1)")
    days: int
    weight: Decimal


class BlockerDetailOut(BlockerOut):
    held: list[HeldOut]


class Figures(Schema):
    rank: int
    blocked_tasks: int
    direct_tasks: int
    weighted_days: Decimal
    max_days: int
    late_tasks: int
    late_parts: int
    explanation: str


class BottleneckOut(Figures):
    id: int = Field(..., description="the agency's id")
    agency: AgencyRef
    top: list[BlockerOut]


class Paged(Schema):
    count: int
    page: int
    pages: int
    today: dt.date


class BottleneckPage(Paged):
    items: list[BottleneckOut]


class LinkOut(Schema):
    from_agency: AgencyRef
    to_agency: AgencyRef
    own: bool = Field(..., description="the agency holds up its own tasks")
    blocked_tasks: int
    weighted_days: Decimal
    max_days: int


class LinkPage(Paged):
    items: list[LinkOut]


class AgencyBottleneckOut(Paged):
    agency: AgencyRef
    figures: Figures | None
    items: list[BlockerDetailOut] = Field(..., description="its blockers, the heaviest first")
    held_up_by: list[LinkOut] = Field(..., description="the agencies holding up the tasks it leads")


def _task(t: Any) -> dict[str, Any] | None:
    if t is None:
        return None
    return {"id": t.pk, "code": t.code, "title": t.title, "lead_agency": agency_ref(t.lead_agency)}


def _blocker(v: BlockerView) -> dict[str, Any]:
    b = v.blocker
    return {
        "kind": b.kind,
        "task": _task(v.task),
        "part_id": b.part_id,
        "sub_deliverable": v.part.sub_deliverable if v.part else "",
        "due_date": b.due,
        "overdue_days": b.overdue_days,
        "days": b.days,
        "blocked_tasks": len(b.held),
        "direct_tasks": len(b.direct),
        "weighted_days": b.weighted_days,
    }


def _figures(f: engine.AgencyFigures) -> dict[str, Any]:
    return {
        "rank": f.rank,
        "blocked_tasks": f.blocked_tasks,
        "direct_tasks": f.direct_tasks,
        "weighted_days": f.weighted_days,
        "max_days": f.max_days,
        "late_tasks": f.late_tasks,
        "late_parts": f.late_parts,
        "explanation": selectors.explanation(f),
    }


def _link(analysis: Analysis, x: engine.LinkFigures) -> dict[str, Any]:
    return {
        "from_agency": agency_ref(analysis.agencies[x.from_agency_id]),
        "to_agency": agency_ref(analysis.agencies[x.to_agency_id]),
        "own": x.own,
        "blocked_tasks": x.blocked_tasks,
        "weighted_days": x.weighted_days,
        "max_days": x.max_days,
    }


def _window(rows: list[Any], raw_page: str | None, size: int) -> tuple[int, int, list[Any]]:
    number = selectors.page_number(clean_text(raw_page, 20), len(rows), size)
    start = (number - 1) * size
    return number, selectors.pages(len(rows), size), rows[start : start + size]


def _analyse(user: Any, raw_resolution: str | None) -> Analysis:
    resolution = selectors.pick_resolution(user, clean_text(raw_resolution, 20))
    return selectors.analyse(user, resolution=resolution)


@router.get(
    "/bottlenecks", response=BottleneckPage, summary="Agencies ranked by the delay they cause downstream"
)
def list_bottlenecks(request, filters: Query[Filters]):
    user = request.auth
    analysis = _analyse(user, filters.resolution)
    subtree = selectors.pick_agency(user, clean_text(filters.agency, 20))
    rows = analysis.ranking(subtree)
    number, pages, window = _window(rows, filters.page, selectors.PAGE_SIZE)
    items = [
        {
            "id": r.agency.pk,
            "agency": agency_ref(r.agency),
            **_figures(r.figures),
            "top": [_blocker(v) for v in r.top],
        }
        for r in selectors.rank_rows(analysis, window)
    ]
    return {"count": len(rows), "page": number, "pages": pages, "today": analysis.today, "items": items}


@router.get(
    "/bottlenecks/links",
    response=LinkPage,
    summary="Links between agencies: which agency holds up the tasks of which, the heaviest first",
)
def list_bottleneck_links(request, filters: Query[Filters]):
    user = request.auth
    analysis = _analyse(user, filters.resolution)
    subtree = selectors.pick_agency(user, clean_text(filters.agency, 20))
    rows = analysis.links(subtree)
    number, pages, window = _window(rows, filters.page, selectors.PAGE_SIZE)
    items = [_link(analysis, x) for x in window]
    return {"count": len(rows), "page": number, "pages": pages, "today": analysis.today, "items": items}


@router.get(
    "/bottlenecks/agencies/{agency_id}",
    response=AgencyBottleneckOut,
    summary="One agency's drill-down: its late tasks and parts, and the tasks they hold up",
)
def get_agency_bottlenecks(request, agency_id: PathId, filters: Query[DrillFilters]):
    user = request.auth
    analysis = _analyse(user, filters.resolution)
    agency = selectors.agency_for_drilldown(user, analysis, agency_id)
    figures = analysis.result.agency(agency.pk)
    blockers = figures.blockers if figures else []
    number, pages, window = _window(blockers, filters.page, selectors.BLOCKERS_PAGE)
    items = []
    for v in selectors.blocker_views(analysis, window, with_held=True):
        out = _blocker(v)
        out["held"] = [
            {"task": _task(t), "depth": h.depth, "via": h.via, "days": h.days, "weight": t.weight}
            for t, h, _via in v.held
        ]
        items.append(out)
    held_up_by = [
        _link(analysis, x) for x in analysis.result.links if x.to_agency_id == agency.pk and not x.own
    ]
    return {
        "count": len(blockers),
        "page": number,
        "pages": pages,
        "today": analysis.today,
        "agency": agency_ref(agency),
        "figures": _figures(figures) if figures else None,
        "items": items,
        "held_up_by": held_up_by,
    }
