"""/monitoring/bottlenecks/: the agencies that hold other tasks up (ranking), the links between
agencies (blocking → held up), the same as a graph, and one agency's drill-down.

The filters live in the URL (resolution, agency subtree, page) and every page keeps them. A bad
resolution is ignored with a message; an agency outside the user's scope is a 404."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from resmon.agencies import selectors as agencies
from resmon.agencies.models import Agency
from resmon.core.errors import ValidationFailed
from resmon.core.views import page
from resmon.planning import selectors as planning
from resmon.planning.models import Resolution

from . import selectors
from .selectors import Analysis

NAME_MAX = 32  # characters of an agency's name drawn on the graph (the tooltip has it whole)
COLOR_BLOCKING = "#b02a37"
COLOR_HELD = "#6c757d"


@dataclass
class Filters:
    resolution: Resolution | None = None
    agency: Agency | None = None
    agency_q: str = ""
    matches: list[Agency] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def keep(self, with_agency: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.resolution is not None:
            out["resolution"] = self.resolution.pk
        if with_agency and self.agency is not None:
            out["agency"] = self.agency.pk
        return out

    def query(self, with_agency: bool = True) -> str:
        return urlencode(self.keep(with_agency))


def parse_filters(user: Any, params: Any) -> Filters:
    f = Filters()
    try:
        f.resolution = selectors.pick_resolution(user, params.get("resolution", "").strip())
    except ValidationFailed as exc:
        f.errors.append(_("%(message)s All resolutions are shown.") % {"message": exc.message})
    raw = params.get("agency", "").strip()
    text = params.get("agency_q", "").strip()[:200]
    f.agency_q = text
    if raw:
        f.agency = selectors.pick_agency(user, raw)  # outside the scope: 404
    elif text:
        f.agency, f.matches, error = agencies.pick_by_text(user, text)
        if error:
            f.errors.append(error)
    return f


def drilldown_url(agency_id: int, f: Filters) -> str:
    url = reverse("bottlenecks:agency", args=[agency_id])
    query = f.query(with_agency=False)
    return f"{url}?{query}" if query else url


def _context(request: Any, f: Filters, analysis: Analysis, tab: str) -> dict[str, Any]:
    return {
        "f": f,
        "tab": tab,
        "today": analysis.today,
        "query": f.query(),
        "resolution_choices": planning.resolutions_visible(request.user).order_by("issued_on", "number"),
    }


@page
def ranking(request):
    user = request.user
    f = parse_filters(user, request.GET)
    analysis = selectors.analyse(user, resolution=f.resolution)
    page_obj = Paginator(analysis.ranking(f.agency), selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.rank_rows(analysis, list(page_obj.object_list))
    context = _context(request, f, analysis, "ranking") | {
        "page_obj": page_obj,
        "rows": [(r, drilldown_url(r.agency.pk, f)) for r in rows],
    }
    return render(request, "bottlenecks/ranking.html", context)


@page
def links(request):
    user = request.user
    f = parse_filters(user, request.GET)
    analysis = selectors.analyse(user, resolution=f.resolution)
    page_obj = Paginator(analysis.links(f.agency), selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        (
            x,
            analysis.agencies[x.from_agency_id],
            analysis.agencies[x.to_agency_id],
            drilldown_url(x.from_agency_id, f),
            drilldown_url(x.to_agency_id, f),
        )
        for x in page_obj.object_list
    ]
    context = _context(request, f, analysis, "links") | {"page_obj": page_obj, "rows": rows}
    return render(request, "bottlenecks/links.html", context)


def _short(name: str) -> str:
    return name if len(name) <= NAME_MAX else name[: NAME_MAX - 1] + "…"


def graph_data(analysis: Analysis, g: dict[str, Any], f: Filters) -> dict[str, Any]:
    """What the graph draws (dashboards/dashboard.js, chart "graph"), from a json_script block."""
    nodes = []
    for agency_id, figures in g["nodes"].items():
        agency = analysis.agencies[agency_id]
        weighted = float(figures.weighted_days) if figures else 0.0
        if figures:
            tip = _("%(agency)s: holds up %(tasks)s task(s), %(days)s weighted days") % {
                "agency": agency.name,
                "tasks": figures.blocked_tasks,
                "days": selectors.days_text(figures.weighted_days),
            }
        else:
            tip = _("%(agency)s: held up by others") % {"agency": agency.name}
        nodes.append(
            {
                "id": str(agency_id),
                "name": _short(agency.name),
                "value": weighted,
                "category": 0 if figures else 1,
                "tip": tip,
                "url": drilldown_url(agency_id, f),
            }
        )
    edges = [
        {
            "source": str(x.from_agency_id),
            "target": str(x.to_agency_id),
            "value": float(x.weighted_days),
            "tip": _("%(from)s → %(to)s: %(tasks)s task(s), %(days)s weighted days")
            % {
                "from": analysis.agencies[x.from_agency_id].name,
                "to": analysis.agencies[x.to_agency_id].name,
                "tasks": x.blocked_tasks,
                "days": selectors.days_text(x.weighted_days),
            },
        }
        for x in g["edges"]
    ]
    return {
        "nodes": nodes,
        "edges": edges,
        "categories": [
            {"name": _("Holds up others"), "itemStyle": {"color": COLOR_BLOCKING}},
            {"name": _("Only held up"), "itemStyle": {"color": COLOR_HELD}},
        ],
    }


@page
def graph(request):
    user = request.user
    f = parse_filters(user, request.GET)
    analysis = selectors.analyse(user, resolution=f.resolution)
    g = selectors.graph(analysis, f.agency)
    node_rows = [
        (analysis.agencies[agency_id], figures, drilldown_url(agency_id, f))
        for agency_id, figures in g["nodes"].items()
    ]
    node_rows.sort(key=lambda r: (-(r[1].weighted_days if r[1] else 0), r[0].name))
    edge_rows = [
        (x, analysis.agencies[x.from_agency_id], analysis.agencies[x.to_agency_id]) for x in g["edges"]
    ]
    context = _context(request, f, analysis, "graph") | {
        "chart": graph_data(analysis, g, f),
        "node_rows": node_rows,
        "edge_rows": edge_rows,
        "total_links": g["total_links"],
        "max_nodes": selectors.GRAPH_NODES,
    }
    return render(request, "bottlenecks/graph.html", context)


@page
def agency(request, pk):
    user = request.user
    f = parse_filters(user, request.GET)
    analysis = selectors.analyse(user, resolution=f.resolution)
    target = selectors.agency_for_drilldown(user, analysis, pk)
    figures = analysis.result.agency(target.pk)
    blockers = figures.blockers if figures else []
    page_obj = Paginator(blockers, selectors.BLOCKERS_PAGE).get_page(request.GET.get("page"))
    views = selectors.blocker_views(analysis, list(page_obj.object_list), with_held=True)
    held_by = [
        (x, analysis.agencies[x.from_agency_id], drilldown_url(x.from_agency_id, f))
        for x in analysis.result.links
        if x.to_agency_id == target.pk and not x.own
    ]
    context = _context(request, f, analysis, "agency") | {
        "agency": target,
        "figures": figures,
        "explanation": selectors.explanation(figures) if figures else "",
        "page_obj": page_obj,
        "blockers": views,
        "held_by": held_by,
        "ranking_url": reverse("bottlenecks:ranking") + (f"?{f.query()}" if f.query() else ""),
        "query": f.query(with_agency=False),
    }
    return render(request, "bottlenecks/agency.html", context)
