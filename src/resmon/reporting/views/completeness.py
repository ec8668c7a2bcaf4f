"""/reports/completeness/: which expected reports arrived, on time, for a period, by agency
(drill down from the user's top agency), and the list of those still missing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.shortcuts import render

from resmon.agencies import selectors as agencies
from resmon.catalogue import selectors_periods
from resmon.catalogue.models import PeriodKind
from resmon.core import clock
from resmon.core.views import page
from resmon.planning.services.schedule import DEFAULT_DUE_DAYS

from .. import selectors_completeness as completeness_selectors
from .common import paginate, parse_id, period_groups


def default_period(user: Any, today: dt.date) -> Any:
    """The latest quarter whose (default) due date has passed; else the latest period that ended."""
    periods = selectors_periods.periods(user)
    passed = today - dt.timedelta(days=DEFAULT_DUE_DAYS)
    return (
        periods.filter(kind=PeriodKind.QUARTER, end__lt=passed).order_by("-end").first()
        or periods.filter(end__lt=today).order_by("-end").first()
        or periods.order_by("start").first()
    )


def _top_agency(user: Any) -> Any:
    own = getattr(user, "agency", None)
    if own is not None and user.scope.reads(own.path):
        return own
    return agencies.agencies_visible(user).order_by("depth", "path").first()


@page
def completeness(request):
    user = request.user
    today = clock.today()
    errors = []
    period = None
    raw = request.GET.get("period", "").strip()
    if raw:
        pid = parse_id(raw)
        period = selectors_periods.periods(user).filter(pk=pid).first() if pid else None
        if period is None:
            errors.append("period")
    period = period or default_period(user, today)
    agency = None
    raw = request.GET.get("agency", "").strip()
    if raw:
        agency = agencies.get_agency(user, parse_id(raw))  # another agency's figures: a 404
    top = _top_agency(user)
    agency = agency or top
    context: dict[str, Any] = {
        "period": period,
        "agency": agency,
        "bad_period": bool(errors),
        "period_groups": period_groups(user, today),
        "today": today,
    }
    if period is not None and agency is not None:
        crumbs = [a for a, visible in agencies.breadcrumb(user, agency) if visible]
        if top is not None:
            crumbs = [a for a in crumbs if a.path.startswith(top.path)]
        context.update(
            crumbs=[a for a in crumbs if a.pk != agency.pk],
            counts=completeness_selectors.completeness(user, period=period, agency=agency),
            rows=completeness_selectors.completeness_by_child(user, period=period, agency=agency),
            missing=paginate(
                request,
                completeness_selectors.missing_reports(user, period=period, agency=agency, today=today),
            ),
        )
    return render(request, "reporting/completeness.html", context)
