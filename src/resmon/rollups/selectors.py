"""Reads of the roll-ups, scoped like everything else: a user sees the rows of the agency
subtrees inside their read scope, and a steering member the rows of the resolutions they steer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from resmon.core.access import get_visible_or_404, visible_to
from resmon.planning.bands import BANDS, BandRule

from . import completeness, kpis
from .models import CompletenessRollup, FoldState, KpiRollup, KpiScore, ProgressRollup


def progress_rollups(
    user: Any, *, resolution: Any = None, within: str | None = None
) -> QuerySet[ProgressRollup]:
    """The rows the user may see, optionally of one resolution (object or id) and of the agencies
    inside the subtree rooted at path ``within``; in tree order."""
    qs = visible_to(user, ProgressRollup.objects.select_related("agency", "resolution"))
    if resolution is not None:
        qs = qs.filter(resolution_id=getattr(resolution, "pk", resolution))
    if within:
        qs = qs.filter(agency_path__startswith=within)
    return qs.order_by("resolution__issued_on", "resolution_id", "agency_path")


def progress_rollup(user: Any, *, agency: Any, resolution: Any) -> ProgressRollup:
    """One subtree on one resolution; NotFound (a 404) when out of scope or when it leads nothing."""
    return get_visible_or_404(
        user,
        ProgressRollup.objects.select_related("agency", "resolution"),
        agency_id=getattr(agency, "pk", agency),
        resolution_id=getattr(resolution, "pk", resolution),
    )


def completeness_rollups(
    user: Any, *, period: Any, resolution: Any = None, within: str | None = None
) -> QuerySet[CompletenessRollup] | None:
    """The completeness rows of ``period`` the user may see (of one resolution or all, of the
    subtrees inside path ``within``), or None when the cache does not hold that period (too old,
    not begun when last counted, or never built): the caller counts live then."""
    state = fold_state()
    if state is None or not completeness.covered(period, state.completeness_from, state.as_of):
        return None
    qs = visible_to(user, CompletenessRollup.objects.filter(period_id=getattr(period, "pk", period)))
    if resolution is not None:
        qs = qs.filter(resolution_id=getattr(resolution, "pk", resolution))
    if within:
        qs = qs.filter(agency_path__startswith=within)
    return qs


@dataclass
class KpiCache:
    """The stored KPI bands of one subtree (one resolution or all) in one period."""

    counts: dict[str, int]  # every band, in BANDS order
    scores: QuerySet[KpiScore]  # each KPI's score, for the list


def kpi_rollup(
    user: Any, *, agency: Any, period: Any, rule: BandRule, resolution: Any = None
) -> KpiCache | None:
    """The KPI bands of ``agency``'s subtree in ``period`` under ``rule`` from the roll-ups, or None
    when they do not answer exactly what scoring live would: the user does not read the whole
    subtree (a steering member, a coordinating agency: the live view is of the tasks they see), or
    the cache does not hold that period under that rule (too old, not begun when last counted,
    another rule in force, never built). The caller scores live then."""
    scope = getattr(user, "scope", None)
    if not getattr(user, "is_authenticated", False) or scope is None or not scope.reads(agency.path):
        return None
    if not kpis.covered(period, fold_state(), rule):
        return None
    rows = visible_to(user, KpiRollup.objects.filter(agency_id=agency.pk, period_id=period.pk))
    scores = visible_to(
        user, KpiScore.objects.filter(period_id=period.pk, agency_path__startswith=agency.path)
    )
    if resolution is not None:
        rows = rows.filter(resolution_id=getattr(resolution, "pk", resolution))
        scores = scores.filter(resolution_id=getattr(resolution, "pk", resolution))
    counts = dict.fromkeys(BANDS, 0)
    for values in rows.values_list(*BANDS):
        for name, n in zip(BANDS, values, strict=True):
            counts[name] += n
    return KpiCache(counts, scores)


def fold_state() -> FoldState | None:
    """Where the fold stands (for the operations page and the benchmarks)."""
    return FoldState.objects.filter(pk=1).first()


def fold_stamp() -> int | None:
    """Where the roll-ups stand, as a number that changes whenever they may have changed (each
    fold that changed something, each rebuild; None: never built). A cache of a read model keyed
    on it is current up to the fold's own delay."""
    return FoldState.objects.filter(pk=1).values_list("generation", flat=True).first()
