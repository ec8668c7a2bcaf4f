"""Every read of the indicator catalogue starts from ``visible_to`` (the catalogue is public to
signed-in users, so the scope only shuts out anonymous and inactive accounts)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from resmon.core.access import get_visible_or_404, visible_to

from .models import Indicator, IndicatorVersion

SEARCH_MAX = 200


def indicators(
    user: Any,
    *,
    q: str = "",
    resolution: str = "",
    direction: str = "",
    frequency: str = "",
    active: bool | None = None,
) -> QuerySet[Indicator]:
    """The catalogue, searched by code or name and filtered by the current definition."""
    qs = visible_to(user, Indicator.objects.all()).select_related("current", "current__owner_agency")
    text = (q or "").replace("\x00", "").strip()[:SEARCH_MAX]
    if text:
        qs = qs.filter(Q(code__icontains=text) | Q(current__name__icontains=text))
    if resolution:
        qs = qs.filter(current__resolution_hint__icontains=resolution.strip()[:SEARCH_MAX])
    if direction:
        qs = qs.filter(current__direction=direction)
    if frequency:
        qs = qs.filter(current__frequency=frequency)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("code")


def get_indicator(user: Any, indicator_id: Any) -> Indicator:
    """One indicator (NotFound, a 404, if it is missing or the user may not read the catalogue)."""
    qs = Indicator.objects.select_related("current", "current__owner_agency")
    return get_visible_or_404(user, qs, pk=indicator_id)


def versions_of(indicator: Indicator) -> QuerySet[IndicatorVersion]:
    """Its definitions, newest first, with who made each."""
    return (
        IndicatorVersion.objects.filter(indicator=indicator)
        .select_related("owner_agency", "created_by", "numerator", "denominator")
        .order_by("-version")
    )


def ratio_candidates(user: Any, *, exclude: Indicator | None = None) -> QuerySet[Indicator]:
    """Indicators that may serve as a ratio's numerator or denominator."""
    qs = visible_to(user, Indicator.objects.filter(is_active=True)).select_related("current")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("code")


def resolution_hints(user: Any) -> list[str]:
    """The distinct resolution numbers the catalogue mentions, for the filter bar."""
    hints = (
        visible_to(user, Indicator.objects.all())
        .exclude(current__resolution_hint="")
        .values_list("current__resolution_hint", flat=True)
        .distinct()
    )
    found: set[str] = set()
    for hint in hints:
        found.update(part.strip() for part in hint.split(",") if part.strip())
    return sorted(found)
