"""/dashboards/compare/: "So sánh theo chỉ tiêu", the agencies directly under one agency ranked on
one indicator for one period, with drill-down one level at a time.

The filters live in the URL (agency, indicator, period, page). An agency outside the scope is a
404; an unknown indicator shows the picker with the message next to it; a period that does not
exist or is not of the indicator's frequency falls back to the default period, with a message.
The figures come from ``compare.compare``, the function the API answers from."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from resmon.core.errors import ValidationFailed
from resmon.core.views import page

from . import compare, selectors
from .views import _page_number

GROUP_COLORS = {compare.RANKED: "#0d6efd", compare.SMALL: "#adb5bd"}


class CompareLinks:
    def __init__(self, indicator: Any, period: Any) -> None:
        self.keep: dict[str, Any] = {"indicator": indicator.pk}
        if period is not None:
            self.keep["period"] = period.pk

    def compare(self, agency: Any) -> str:
        return reverse("dashboards:compare") + "?" + urlencode({"agency": agency.pk, **self.keep})


def chart_data(c: compare.Comparison) -> dict[str, Any]:
    """What the bar chart draws (dashboards/dashboard.js, from a json_script block)."""
    unit = c.reference.unit
    return {
        "agencies": [r.agency.short_name or r.agency.name for r in c.chart_rows],
        "values": [
            {"value": float(r.value) if r.value is not None else None, "color": GROUP_COLORS[r.group]}
            for r in c.chart_rows
        ],
        "decimals": c.reference.decimal_places,
        "label": f"{c.reference.name} ({unit})" if unit else c.reference.name,
        "higher_is_better": c.higher_is_better,
    }


@page
def compare_view(request):
    user = request.user
    params = request.GET
    agency = selectors.pick_agency(user, params.get("agency", "").strip())  # outside the scope: 404
    errors: list[str] = []
    indicator_error = ""
    indicator = None
    try:
        indicator = compare.pick_indicator(user, params.get("indicator", ""))
    except ValidationFailed as exc:
        if exc.code != "indicator_required":
            indicator_error = str(exc.message)
    top = selectors.top_agency(user)
    context: dict[str, Any] = {
        "agency": agency,
        "indicator": indicator,
        "indicator_error": indicator_error,
        "indicator_choices": compare.indicator_choices(user),
        "errors": errors,
        "overview_url": reverse("dashboards:overview") + "?" + urlencode({"agency": agency.pk}),
    }
    if indicator is None:
        plain = reverse("dashboards:compare") + "?"
        context["crumbs"] = [
            (a, plain + urlencode({"agency": a.pk})) for a in selectors.breadcrumb(user, agency, top)
        ]
        return render(request, "dashboards/compare.html", context)
    try:
        period = compare.pick_period(user, indicator, agency, params.get("period", ""))
    except ValidationFailed as exc:
        errors.append(_("%(message)s The latest period with data is shown.") % {"message": exc.message})
        period = compare.default_period(user, indicator, agency)
    limit = compare.PAGE_SIZE
    offset = (_page_number(params.get("page", "")) - 1) * limit
    c = compare.compare(user, agency, indicator, period, offset=offset, limit=limit)
    links = CompareLinks(indicator, period)
    page_obj = Paginator(range(c.count), limit).page(c.offset // limit + 1) if c.count else None
    periods = compare.period_choices(user, indicator)
    if period is not None and period not in periods:
        periods.insert(0, period)
    context.update(
        c=c,
        period=period,
        period_choices=periods,
        crumbs=[(a, links.compare(a)) for a in selectors.breadcrumb(user, agency, top)],
        rows=[(r, links.compare(r.agency)) for r in c.rows],
        chart=chart_data(c),
        rule=compare.rule_text(c),
        page_obj=page_obj,
    )
    return render(request, "dashboards/compare.html", context)
