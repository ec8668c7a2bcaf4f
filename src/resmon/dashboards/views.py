"""/dashboards/: "Tổng quan", the overall picture of an agency subtree with drill-down.

The filters live in the URL (agency, resolution, period, page), so a view can be bookmarked and
shared; every number links to the list behind it with the same filters. The figures come from
``selectors.overview``, the same function the API answers from."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from resmon.core import clock
from resmon.core.errors import NotFound, ValidationFailed
from resmon.core.views import page
from resmon.planning.status import TaskStatus
from resmon.reporting.views.common import period_groups
from resmon.rollups.models import STATUS_FIELDS

from . import cache, selectors, steering

# UI.md: grey, blue, red, green, orange, dark grey (paused / cancelled)
STATUS_COLORS = {
    "not_started": "#adb5bd",
    "in_progress": "#0d6efd",
    "overdue": "#dc3545",
    "done_on_time": "#198754",
    "done_late": "#fd7e14",
    "paused": "#495057",
    "cancelled": "#343a40",
}


def _page_number(raw: str) -> int:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and 0 < len(raw) < 7 and int(raw) > 0 else 1


class Links:
    """URLs that keep the current filters."""

    def __init__(self, resolution: Any, period: Any, *, steered: bool = False, implied: Any = None) -> None:
        """``steered``: a steering reader's view, whose report pages (outside the member's scope) are
        not linked; ``implied``: the resolution the lists behind the numbers are of when none is
        chosen (the one a steering member steers)."""
        self.keep: dict[str, Any] = {}
        if resolution is not None:
            self.keep["resolution"] = resolution.pk
        if period is not None:
            self.keep["period"] = period.pk
        self.steered = steered
        self.resolution = resolution if resolution is not None else implied

    def dashboard(self, agency: Any, **extra: Any) -> str:
        return reverse("dashboards:overview") + "?" + urlencode({"agency": agency.pk, **self.keep, **extra})

    def tasks(self, agency: Any, **extra: Any) -> str:
        params: dict[str, Any] = {"agency": agency.pk}
        if self.resolution is not None:
            params["resolution"] = self.resolution.pk
        return reverse("web:task_list") + "?" + urlencode({**params, **extra})

    def alerts(self, agency: Any) -> str:
        params: dict[str, Any] = {"agency": agency.pk}
        if self.resolution is not None:
            params["resolution"] = self.resolution.pk
        return reverse("alerts:list") + "?" + urlencode(params)

    def missing_reports(self, agency: Any, period: Any) -> str:
        query = urlencode({"period": period.pk, "agency": agency.pk})
        return reverse("reporting:completeness") + "?" + query + "#missing"


def chart_data(o: selectors.Overview) -> dict[str, Any]:
    """What the charts draw (read by dashboards/dashboard.js from a json_script block)."""
    figures = o.by_resolution
    return {
        "resolutions": [f.resolution.number for f in figures],
        "statuses": [
            {"key": s, "label": str(TaskStatus(s).label), "color": STATUS_COLORS[s]} for s in STATUS_FIELDS
        ],
        "counts": {s: [f.counts[s] for f in figures] for s in STATUS_FIELDS},
        "progress": [None if f.progress is None else float(f.progress) for f in figures],
        "progress_label": _("Progress (%)"),
        "tasks_label": _("Tasks"),
    }


def _headline(o: selectors.Overview, links: Links) -> list[dict[str, Any]]:
    h = o.headline
    missing_url = (
        links.missing_reports(o.agency, o.period) if o.period is not None and not links.steered else ""
    )
    return [
        {
            "key": "tasks",
            "label": _("Tasks"),
            "value": h.tasks,
            "url": links.tasks(o.agency),
            "tone": "all",
        },
        {
            "key": "overdue",
            "label": _("Overdue"),
            "value": h.overdue,
            "url": links.tasks(o.agency, status=TaskStatus.OVERDUE.value, sort="due"),
            "tone": "overdue",
        },
        {
            "key": "on_time_rate",
            "label": _("Done on time rate"),
            "value": h.on_time_rate,
            "percent": True,
            "url": links.tasks(o.agency, status=TaskStatus.DONE_ON_TIME.value),
            "tone": "done",
        },
        {
            "key": "reports_missing",
            "label": _("Reports missing this period"),
            "value": h.reports_missing,
            "url": missing_url,
            "tone": "soon",
        },
    ]


def page_filters(user: Any, params: Any) -> tuple[Any, Any, Any, list[str]]:
    """The filters of a dashboard page (agency, resolution, period) and the messages for the ones
    that were wrong: an agency outside the scope is a 404; an unknown resolution shows them all,
    an unknown period the current quarter, each with a message."""
    agency = selectors.pick_agency(user, params.get("agency", "").strip())  # outside the scope: 404
    return (agency, *_resolution_and_period(user, user, params))


def overview_filters(user: Any, params: Any) -> tuple[Any, Any, Any, Any, list[str]]:
    """The overview's filters as :func:`page_filters`, and who reads it: the user, or for a
    steering member outside their own agencies their steering reader (``steering.pick_reader``:
    their resolutions only; another resolution shows theirs with a message)."""
    reader, agency = steering.pick_reader(user, params.get("agency", "").strip())  # else a 404
    return (reader, agency, *_resolution_and_period(user, reader, params))


def _resolution_and_period(user: Any, reader: Any, params: Any) -> tuple[Any, Any, list[str]]:
    errors: list[str] = []
    try:
        resolution = steering.pick_resolution(user, reader, params.get("resolution", "").strip())
    except (ValidationFailed, NotFound) as exc:
        errors.append(_("%(message)s All resolutions are shown.") % {"message": exc.message})
        resolution = None
    try:
        period = selectors.pick_period(user, params.get("period", "").strip())
    except ValidationFailed as exc:
        errors.append(_("%(message)s The current quarter is shown.") % {"message": exc.message})
        period = selectors.default_period(user)
    return resolution, period, errors


@page
def overview(request):
    user = request.user
    params = request.GET
    reader, agency, resolution, period, errors = overview_filters(user, params)
    steered = isinstance(reader, steering.SteeringReader)
    limit = selectors.CHILDREN_PAGE
    offset = (_page_number(params.get("page", "")) - 1) * limit
    o = cache.cached(
        "page.overview",
        reader,
        {
            "agency": agency.pk,
            "resolution": getattr(resolution, "pk", None),
            "period": getattr(period, "pk", None),
            "offset": offset,
        },
        lambda: selectors.overview(reader, agency, resolution, period, offset=offset, limit=limit),
    )
    links = Links(resolution, period, steered=steered, implied=steering.single_resolution(reader))
    page_obj = None
    if o.children_count:
        page_obj = Paginator(range(o.children_count), limit).page(o.children_offset // limit + 1)
    context = {
        "o": o,
        "errors": errors,
        "headline": _headline(o, links),
        "alerts_number": {"value": o.open_alerts, "url": links.alerts(agency)},  # monitoring.alerts
        "crumbs": [(a, links.dashboard(a)) for a in o.crumbs],
        "children": [(c, links.dashboard(c.agency), c.progress_list(o.resolutions)) for c in o.children],
        "tiles": [(t, links.dashboard(t.agency)) for t in o.provinces or []],
        "ranking": [(r, links.dashboard(r.agency)) for r in o.ranking or []],
        "ranking_refusal": selectors.ranking_refusal(),
        "tasks_url": links.tasks(agency),
        "page_obj": page_obj,
        "chart": chart_data(o),
        "statuses": [(s, TaskStatus(s).label) for s in STATUS_FIELDS],
        "resolution_choices": steering.resolution_choices(user, reader),
        "period_groups": period_groups(user, clock.today()),
        "small_sample": selectors.SMALL_SAMPLE,
        "steered": steered,  # a steering member outside their own agencies: their resolutions only
        "steering_url": steering.nation_url(user, agency),
        # the same filters for the KPI view and the downloads
        "filters": urlencode({"agency": agency.pk, **links.keep}),
    }
    return render(request, "dashboards/overview.html", context)
