"""Reporting completeness pre-aggregated per (agency subtree, resolution, period): a cache of
``reporting.selectors_completeness`` — the same expected pairs, counted by the same
``Counts.add`` — kept for the periods of a recent window (:func:`kept_periods`), refreshed by the
fold with the progress roll-ups (decision 014) and rebuilt with them.

A reporting agency's pairs are added to the row of every agency above it (its subtree rows), so a
dashboard reads one row per child instead of counting the country's reports."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from resmon.agencies.models import Agency
from resmon.catalogue.models import ReportingPeriod
from resmon.catalogue.services_periods import configured_cutoff
from resmon.core import clock
from resmon.core.access import PATH_STEP
from resmon.planning.models import ProgramSchedule
from resmon.reporting.selectors_completeness import DEFAULT_KINDS, Counts, tallies

from .models import CompletenessRollup

COUNT_FIELDS = tuple(f.name for f in dataclasses.fields(Counts))
WINDOW_DAYS = 800  # the trends' default 8 quarters, the oldest ended ~22 months ago


def window_start(today: dt.date) -> dt.date:
    """Periods ending on or after this day are kept (``ROLLUP_COMPLETENESS_DAYS``, default 800)."""
    return today - dt.timedelta(days=int(getattr(settings, "ROLLUP_COMPLETENESS_DAYS", WINDOW_DAYS)))


def kept_kinds() -> set[str]:
    """The kinds of period some programme reports on (the default schedule's, and any programme's)."""
    return set(DEFAULT_KINDS) | set(ProgramSchedule.objects.values_list("kind", flat=True).distinct())


def kept_periods(today: dt.date) -> QuerySet[ReportingPeriod]:
    """The periods whose completeness is kept: of the configured calendar, begun by ``today``,
    ended inside the window, of a kind some programme reports on."""
    return ReportingPeriod.objects.filter(
        kind__in=sorted(kept_kinds()),
        cutoff=configured_cutoff(),
        start__lte=today,
        end__gte=window_start(today),
    ).order_by("start", "kind")


def _vector(tally: tuple[str, bool, bool] | None) -> tuple[int, ...]:
    """One expected pair counted by ``Counts.add``, as the tuple of COUNT_FIELDS."""
    counts = Counts()
    counts.add(tally)
    return dataclasses.astuple(counts)


def compute_period(
    period: ReportingPeriod, resolution_ids: Iterable[int] | None = None
) -> dict[tuple[int, str], list[int]]:
    """{(resolution id, agency path): counts in COUNT_FIELDS order} for every subtree owing a
    report of ``period``: each pair counted once per reporting agency, then added to its
    ancestors (far fewer reporting agencies than pairs)."""
    by_lead: Counter[tuple[int, str, tuple[str, bool, bool] | None]] = Counter(
        tallies(period, resolution_ids=resolution_ids)
    )
    vectors: dict[tuple[str, bool, bool] | None, tuple[int, ...]] = {}
    out: dict[tuple[int, str], list[int]] = {}
    width = len(COUNT_FIELDS)
    for (resolution_id, path, tally), n in by_lead.items():
        vector = vectors.get(tally)
        if vector is None:
            vector = vectors[tally] = _vector(tally)
        for k in range(1, len(path) // PATH_STEP + 1):
            key = (resolution_id, path[: k * PATH_STEP])
            total = out.get(key)
            if total is None:
                total = out[key] = [0] * width
            for i in range(width):
                total[i] += vector[i] * n
    return out


def _write(
    period: ReportingPeriod, figures: dict[tuple[int, str], list[int]], resolution_ids: set[int] | None
) -> int:
    """Make the stored rows of ``period`` (of these resolutions, or all) equal ``figures``."""
    return write_subtree_rows(CompletenessRollup, COUNT_FIELDS, period, figures, resolution_ids, clock.now())


def write_subtree_rows(
    model: Any,
    fields: tuple[str, ...],
    period: ReportingPeriod,
    figures: Mapping[tuple[int, str], Sequence[int]],
    resolution_ids: set[int] | None,
    now: dt.datetime,
) -> int:
    """Make ``model``'s stored rows of ``period`` (of these resolutions, or all), one per
    (resolution id, agency subtree path), equal ``figures`` (values in ``fields`` order): only
    what changed is written. Returns the rows written. Completeness and KPI bands share it."""
    stored_qs = model.objects.filter(period=period)
    if resolution_ids is not None:
        stored_qs = stored_qs.filter(resolution_id__in=sorted(resolution_ids))
    stored = {
        (row[1], row[2]): row
        for row in stored_qs.values_list("pk", "resolution_id", "agency_path", "agency_id", *fields)
    }
    new_paths = {path for key in figures if key not in stored for _r, path in [key]}
    agency_of = (
        dict(Agency.objects.filter(path__in=sorted(new_paths)).values_list("path", "id")) if new_paths else {}
    )
    created: list[Any] = []
    changed: list[Any] = []
    for (resolution_id, path), values in figures.items():
        columns = dict(zip(fields, values, strict=True))
        row = stored.pop((resolution_id, path), None)
        if row is not None and row[4:] == tuple(columns.values()):
            continue
        if row is None and path not in agency_of:
            continue  # an agency removed meanwhile: the next fold counts without it
        target = model(
            pk=row[0] if row is not None else None,
            agency_id=row[3] if row is not None else agency_of[path],
            agency_path=path,
            resolution_id=resolution_id,
            period=period,
            computed_at=now,
            **columns,
        )
        (changed if row is not None else created).append(target)
    gone = [row[0] for row in stored.values()]
    if gone:
        model.objects.filter(pk__in=gone).delete()
    model.objects.bulk_create(created, batch_size=1000)
    model.objects.bulk_update(changed, ["computed_at", *fields], batch_size=1000)
    return len(created) + len(changed) + len(gone)


def refresh(periods: Iterable[ReportingPeriod], resolution_ids: Iterable[int] | None = None) -> int:
    """Recompute these periods (for these resolutions, or all); write only what changed."""
    wanted = None if resolution_ids is None else set(resolution_ids)
    if wanted is not None and not wanted:
        return 0
    return sum(_write(p, compute_period(p, wanted), wanted) for p in periods)


def refresh_window(today: dt.date, *, full: bool = True) -> int:
    """Drop the rows of the periods that left the window and count the periods that entered it;
    with ``full`` recount every kept period (what a rebuild, a merger or a bulk load needs). The
    expected reports of a period do not depend on the day, so a new day needs only the former."""
    kept = list(kept_periods(today))
    dropped, _ = CompletenessRollup.objects.exclude(period_id__in=[p.pk for p in kept]).delete()
    if not full:
        present = set(CompletenessRollup.objects.values_list("period_id", flat=True).distinct())
        kept = [p for p in kept if p.pk not in present]
    return dropped + refresh(kept)


def refresh_reports(pairs: set[tuple[int, int]], today: dt.date) -> int:
    """Recompute the (period id, resolution id) pairs the folded report rows touched, for the kept
    periods only."""
    by_period: dict[int, set[int]] = {}
    for period_id, resolution_id in pairs:
        by_period.setdefault(period_id, set()).add(resolution_id)
    periods = kept_periods(today).filter(pk__in=sorted(by_period))
    return sum(refresh([p], by_period[p.pk]) for p in periods)


def covered(period: ReportingPeriod, built_from: dt.date | None, as_of: dt.date | None) -> bool:
    """Whether the stored rows answer for ``period``: built, the period of the configured calendar
    and of a kept kind (:func:`kept_periods`), inside the window the last full count kept, and
    begun by the day the fold last counted."""
    return (
        built_from is not None
        and as_of is not None
        and period.end >= built_from
        and period.start <= as_of
        and period.cutoff == configured_cutoff()
        and (period.kind in DEFAULT_KINDS or period.kind in kept_kinds())
    )
