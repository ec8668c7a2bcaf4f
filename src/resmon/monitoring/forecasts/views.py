"""/monitoring/forecasts/: the tasks in the user's scope likeliest to miss their deadline.

Filters in the URL (agency subtree, resolution, page) so a view can be bookmarked; a bad filter
value is ignored with a message, never an error page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from resmon.agencies import selectors as agencies
from resmon.core import clock
from resmon.core.views import page, parse_id
from resmon.planning import selectors as planning

from . import selectors

PER_PAGE = 50


@dataclass
class RiskFilter:
    agency: Any = None
    resolution: Any = None
    agency_matches: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.agency is not None or self.resolution is not None


def parse_filter(user: Any, params: Any) -> RiskFilter:
    f = RiskFilter()
    raw = params.get("resolution", "").strip()
    if raw:
        rid = parse_id(raw)
        f.resolution = planning.resolutions_visible(user).filter(pk=rid).first() if rid else None
        if f.resolution is None:
            f.errors.append(_("The chosen resolution does not exist; that filter was ignored."))
    raw = params.get("agency", "").strip()
    text = params.get("agency_q", "").strip()[:200]
    if raw:
        aid = parse_id(raw)
        f.agency = (
            agencies.agencies_visible(user, include_inactive=True).filter(pk=aid).first() if aid else None
        )
        if f.agency is None:
            f.errors.append(_("The chosen agency is not one you can see; that filter was ignored."))
    elif text:
        f.agency, f.agency_matches, error = agencies.pick_by_text(user, text)
        if error:
            f.errors.append(error)
    return f


@page
def at_risk(request):
    user = request.user
    f = parse_filter(user, request.GET)
    rows = Paginator(selectors.at_risk(user, agency=f.agency, resolution=f.resolution), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "forecasts/at_risk.html",
        {
            "f": f,
            "rows": rows,
            "resolutions": planning.resolutions_visible(user).order_by("issued_on"),
            "threshold": int(selectors.AT_RISK_FROM * 100),
            "today": clock.today(),
        },
    )
