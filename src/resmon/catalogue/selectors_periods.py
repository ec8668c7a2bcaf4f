"""Reads of the period calendar. The calendar is public to signed-in users; the lists show the
periods of the configured data cut-off (settings.REPORTING_CUTOFF)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When

from resmon.core.access import get_visible_or_404, visible_to

from . import periods as cal
from .models import ReportingPeriod
from .services_periods import configured_cutoff

KIND_ORDER = {kind: i for i, kind in enumerate(cal.KINDS)}


def periods(
    user: Any,
    *,
    kind: str = "",
    year: int | None = None,
    is_open: bool | None = None,
    cutoff: str | None = None,
) -> QuerySet[ReportingPeriod]:
    """The calendar, filtered; ordered by year, then kind (months first), then number."""
    qs = visible_to(user, ReportingPeriod.objects.filter(cutoff=cutoff or configured_cutoff()))
    if kind:
        qs = qs.filter(kind=kind)
    if year is not None:
        qs = qs.filter(year=year)
    if is_open is not None:
        qs = qs.filter(is_closed=not is_open)
    kind_order = Case(
        *(When(kind=k, then=Value(i)) for k, i in KIND_ORDER.items()), output_field=IntegerField()
    )
    return qs.select_related("closed_by").order_by("year", kind_order, "index")


def get_period(user: Any, period_id: Any) -> ReportingPeriod:
    """One period (NotFound, a 404, if it is missing or the caller is not signed in)."""
    return get_visible_or_404(user, ReportingPeriod.objects.select_related("closed_by"), pk=period_id)


def years(user: Any, *, cutoff: str | None = None) -> list[int]:
    """The years the calendar has periods for."""
    qs = visible_to(user, ReportingPeriod.objects.filter(cutoff=cutoff or configured_cutoff()))
    return sorted(set(qs.values_list("year", flat=True)))


def period_on(kind: str, day: dt.date, *, cutoff: str | None = None) -> ReportingPeriod | None:
    """The stored period of ``kind`` that covers ``day`` (None if the calendar was not generated
    that far). For services, which have already checked who acts."""
    cutoff = cutoff or configured_cutoff()
    code = cal.period_containing(kind, day, cutoff).code
    return ReportingPeriod.objects.filter(kind=kind, cutoff=cutoff, code=code).first()
