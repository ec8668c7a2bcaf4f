"""/dashboards/trends/: "Xu hướng", the last quarters of an agency subtree: task statuses as of each
quarter's end, the on-time rate, the average reported progress and reporting completeness.

The filters live in the URL (agency, resolution, periods). An agency outside the scope is a 404;
an unknown resolution shows them all and a bad number of quarters the default, each with a
message. The figures come from ``trends.trends``, the function the API answers from."""

from __future__ import annotations

from typing import Any

from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from resmon.core.errors import ValidationFailed
from resmon.core.views import page
from resmon.planning import selectors as planning

from . import selectors, trends
from .views import STATUS_COLORS


def chart_data(t: trends.Trends) -> dict[str, Any]:
    """What the three charts draw (dashboards/dashboard.js, from json_script blocks)."""
    labels = [q.period.label for q in t.quarters]

    def series(name: str, values: list[Any], color: str, kind: str = "bar") -> dict[str, Any]:
        return {"name": name, "type": kind, "color": color, "data": values}

    def pct(value: Any) -> float | None:
        return None if value is None else float(value)

    return {
        "rates": {
            "categories": labels,
            "percent": True,
            "axis": _("Percent"),
            "series": [
                series(_("On-time rate"), [pct(q.on_time_rate) for q in t.quarters], "#198754", "line"),
                series(_("Average progress"), [pct(q.progress) for q in t.quarters], "#0d6efd", "line"),
            ],
        },
        "tasks": {
            "categories": labels,
            "percent": False,
            "axis": _("Tasks"),
            "series": [
                series(_("Due by then"), [q.due for q in t.quarters], "#6c757d"),
                series(
                    _("Done on time"), [q.done_on_time for q in t.quarters], STATUS_COLORS["done_on_time"]
                ),
                series(_("Done late"), [q.done_late for q in t.quarters], STATUS_COLORS["done_late"]),
                series(_("Overdue"), [q.overdue for q in t.quarters], STATUS_COLORS["overdue"]),
            ],
        },
        "reports": {
            "categories": labels,
            "percent": False,
            "axis": _("Reports"),
            "series": [
                series(_("Expected"), [q.reports.expected for q in t.quarters], "#6c757d"),
                series(_("Sent"), [q.reports.received for q in t.quarters], "#0d6efd"),
                series(_("Sent on time"), [q.reports.on_time for q in t.quarters], "#198754"),
            ],
        },
    }


@page
def trends_view(request):
    user = request.user
    params = request.GET
    agency = selectors.pick_agency(user, params.get("agency", "").strip())  # outside the scope: 404
    errors: list[str] = []
    try:
        resolution = selectors.pick_resolution(user, params.get("resolution", "").strip())
    except ValidationFailed as exc:
        errors.append(_("%(message)s All resolutions are shown.") % {"message": exc.message})
        resolution = None
    try:
        n = trends.pick_quarters(params.get("periods", ""))
    except ValidationFailed as exc:
        errors.append(
            _("%(message)s The last %(n)s quarters are shown.")
            % {"message": exc.message, "n": trends.DEFAULT_QUARTERS}
        )
        n = trends.DEFAULT_QUARTERS
    t = trends.trends(user, agency, resolution, n)
    keep: dict[str, Any] = {}
    if resolution is not None:
        keep["resolution"] = resolution.pk
    if n != trends.DEFAULT_QUARTERS:
        keep["periods"] = n
    here = reverse("dashboards:trends") + "?"
    top = selectors.top_agency(user)
    context = {
        "t": t,
        "agency": agency,
        "resolution": resolution,
        "n": n,
        "errors": errors,
        "crumbs": [
            (a, here + urlencode({"agency": a.pk, **keep})) for a in selectors.breadcrumb(user, agency, top)
        ],
        "resolution_choices": planning.resolutions_visible(user).order_by("issued_on", "number"),
        "quarter_choices": trends.QUARTER_CHOICES,
        "chart": chart_data(t),
        "overview_url": reverse("dashboards:overview")
        + "?"
        + urlencode({"agency": agency.pk, **{k: v for k, v in keep.items() if k == "resolution"}}),
        "compare_url": reverse("dashboards:compare") + "?" + urlencode({"agency": agency.pk}),
        "completeness_url": reverse("reporting:completeness"),
    }
    return render(request, "dashboards/trends.html", context)
