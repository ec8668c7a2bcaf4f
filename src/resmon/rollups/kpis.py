"""KPIs against their trajectory pre-aggregated (decision 014): per (agency subtree, resolution,
period) how many KPIs are in each band — a cache of ``dashboards.kpis.kpi_bands`` for a user who
reads the whole subtree — and each KPI's score per period (the list that page shows), kept for the
periods of the recent window (:func:`kept_periods`), refreshed by the fold with the other roll-ups
and rebuilt with them.

A KPI is scored by :func:`score` — the planned value on the period's last day read off its
trajectory, its task's lead agency's value in an ACCEPTED report of the period, the attainment and
the band under the rule in force — the function the KPI page calls when it scores live; its band is
then counted in the row of every agency above the lead agency (the tasks led inside a subtree).

What a change touches (the fold recounts, it never adds deltas):

* a task that has KPIs re-assigned, cancelled or restored (or any write to it whose audit row does
  not show both sides), a task deleted, a KPI added, changed or removed: every kept period of the
  task's resolution (before and after) — progress, dates and weights leave the KPIs alone;
* a report accepted or reopened: the period's KPIs led by the report's agency, in every
  resolution (a value is entered once per indicator, agency and period, whatever the programme);
* a merger, a bulk load, a new band rule, a change of the calendar: everything (the rule the rows
  were scored under is kept in ``FoldState``: under another rule the rows do not answer);
* a new day moves the window only: a score does not depend on the day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from resmon.audit.models import AuditEntry
from resmon.catalogue.models import ReportingPeriod
from resmon.catalogue.services_periods import configured_cutoff
from resmon.core import clock
from resmon.core.access import PATH_STEP
from resmon.planning.bands import BANDS, BandRule, attainment, band
from resmon.planning.models import Task, TaskIndicator
from resmon.planning.selectors_bands import current_band_rule
from resmon.planning.selectors_kpis import KPI_CHUNK, KPI_COLUMNS, trajectory_points
from resmon.planning.status import TaskState
from resmon.planning.trajectory import Point, planned_value
from resmon.reporting.models import Observation, PeriodReport, ReportState

from .completeness import window_start, write_subtree_rows
from .models import FoldState, KpiRollup, KpiScore

Scored = tuple[int, Decimal | None, Decimal | None, Decimal | None, str]  # id, expected, actual, %, band
SCORE_FIELDS = ("expected", "actual", "attainment", "band")
ROW_COLUMNS = (*KPI_COLUMNS, "task__resolution_id", "task__lead_agency__path")
BAND_INDEX = {name: i for i, name in enumerate(BANDS)}
# audit rows of these kinds change how every KPI is scored, or which periods are kept
EVERYTHING_TYPES = ("planning.kpibandrule", "catalogue.reportingperiod")
TASK_TYPE = "planning.task"
# the task fields a KPI's band and the subtrees counting it depend on
TASK_FIELDS = ("state", "lead_agency_id", "resolution_id")
KPI_TYPE = "planning.taskindicator"
REPORT_TYPE = "reporting.periodreport"

Chunk = list[tuple[Any, ...]]
Loaded = list[tuple[Chunk, dict[int, list[Point]]]]


def score(
    chunk: Chunk,
    points: dict[int, list[Point]],
    actuals: dict[tuple[int, int], Decimal],
    on: dt.date,
    rule: BandRule,
) -> list[Scored]:
    """Each KPI of ``chunk`` (rows that start with the id, indicator id, lead agency id and
    direction, as ``planning.selectors_kpis.kpi_chunks`` yields them) scored for a period ending
    ``on``; ``actuals``: (indicator id, agency id) -> the value accepted for the period."""
    out: list[Scored] = []
    for row in chunk:
        kpi_id, indicator_id, agency_id, direction = row[0], row[1], row[2], row[3]
        expected = planned_value(points.get(kpi_id, []), on)
        actual = actuals.get((indicator_id, agency_id))
        percent = attainment(actual, expected, direction)
        out.append((kpi_id, expected, actual, percent, band(percent, rule)))
    return out


def kept_periods(today: dt.date) -> QuerySet[ReportingPeriod]:
    """The periods whose KPI bands are kept: of every kind of the configured calendar, begun by
    ``today``, ended inside the completeness window (``ROLLUP_COMPLETENESS_DAYS``)."""
    return ReportingPeriod.objects.filter(
        cutoff=configured_cutoff(), start__lte=today, end__gte=window_start(today)
    ).order_by("start", "kind")


def stored_rule(state: FoldState | None) -> BandRule | None:
    """The band rule the stored rows were scored under (None: not built)."""
    if state is None or state.kpi_on_track_from is None or state.kpi_at_risk_below is None:
        return None
    return BandRule(on_track_from=state.kpi_on_track_from, at_risk_below=state.kpi_at_risk_below)


def covered(period: ReportingPeriod, state: FoldState | None, rule: BandRule) -> bool:
    """Whether the stored rows answer for ``period`` under ``rule``: built under that rule, the
    period of the configured calendar, inside the window the last full count kept, and begun by
    the day the fold last counted."""
    return (
        state is not None
        and state.kpis_from is not None
        and state.as_of is not None
        and stored_rule(state) == rule
        and period.cutoff == configured_cutoff()
        and period.end >= state.kpis_from
        and period.start <= state.as_of
    )


# --- computing ------------------------------------------------------------------------------------


def _load(resolution_ids: set[int] | None) -> Loaded:
    """The KPIs of the tasks not cancelled (of these resolutions, or all), by id in chunks of rows
    of ROW_COLUMNS, each chunk with its trajectories."""
    qs = TaskIndicator.objects.exclude(task__state=TaskState.CANCELLED)
    if resolution_ids is not None:
        qs = qs.filter(task__resolution_id__in=sorted(resolution_ids))
    qs = qs.order_by("pk")
    loaded: Loaded = []
    last = 0
    while chunk := list(qs.filter(pk__gt=last).values_list(*ROW_COLUMNS)[:KPI_CHUNK]):
        loaded.append((chunk, trajectory_points([row[: len(KPI_COLUMNS)] for row in chunk])))
        last = chunk[-1][0]
    return loaded


def _actuals(period: ReportingPeriod, chunk: Chunk) -> dict[tuple[int, int], Decimal]:
    """(indicator id, agency id) -> the value accepted for ``period``."""
    rows = Observation.objects.filter(
        period_id=period.pk,
        report__state=ReportState.ACCEPTED,
        indicator_id__in={row[1] for row in chunk},
        agency_id__in={row[2] for row in chunk},
    ).values_list("indicator_id", "agency_id", "value")
    return {(i, a): v for i, a, v in rows}


Scores = dict[int, tuple[Any, ...]]  # kpi id -> (resolution id, lead path, expected, actual, %, band)
Counts = dict[tuple[int, str], list[int]]  # (resolution id, agency path) -> counts in BANDS order


def compute_period(period: ReportingPeriod, loaded: Loaded, rule: BandRule) -> tuple[Scores, Counts]:
    """Every loaded KPI scored for ``period``, and its band counted for every subtree above its
    lead agency."""
    scores: Scores = {}
    counts: Counts = {}
    for chunk, points in loaded:
        scored = score(chunk, points, _actuals(period, chunk), period.end, rule)
        for row, (kpi_id, expected, actual, percent, name) in zip(chunk, scored, strict=True):
            resolution_id, path = row[-2], row[-1]
            scores[kpi_id] = (resolution_id, path, expected, actual, percent, name)
            i = BAND_INDEX[name]
            for k in range(1, len(path) // PATH_STEP + 1):
                key = (resolution_id, path[: k * PATH_STEP])
                total = counts.get(key)
                if total is None:
                    total = counts[key] = [0] * len(BANDS)
                total[i] += 1
    return scores, counts


# --- writing --------------------------------------------------------------------------------------


def _write_counts(
    period: ReportingPeriod, counts: Counts, resolution_ids: set[int] | None, now: dt.datetime
) -> int:
    """Make the stored band counts of ``period`` (of these resolutions, or all) equal ``counts``."""
    return write_subtree_rows(KpiRollup, BANDS, period, counts, resolution_ids, now)


def _write_scores(
    period: ReportingPeriod, scores: Scores, resolution_ids: set[int] | None, now: dt.datetime
) -> int:
    """Make the stored KPI scores of ``period`` (of these resolutions, or all) equal ``scores``; a
    KPI stored under another resolution is moved, not added twice."""
    stored_qs = KpiScore.objects.filter(period=period)
    if resolution_ids is not None:
        stored_qs = stored_qs.filter(
            Q(resolution_id__in=sorted(resolution_ids)) | Q(kpi_id__in=sorted(scores))
        )
    stored = {
        row[1]: row
        for row in stored_qs.values_list("pk", "kpi_id", "resolution_id", "agency_path", *SCORE_FIELDS)
    }
    created: list[KpiScore] = []
    changed: list[KpiScore] = []
    for kpi_id, figures in scores.items():
        row = stored.pop(kpi_id, None)
        if row is not None and row[2:] == figures:
            continue
        resolution_id, path, expected, actual, percent, name = figures
        target = KpiScore(
            pk=row[0] if row is not None else None,
            kpi_id=kpi_id,
            period=period,
            resolution_id=resolution_id,
            agency_path=path,
            expected=expected,
            actual=actual,
            attainment=percent,
            band=name,
            computed_at=now,
        )
        (changed if row is not None else created).append(target)
    gone = [row[0] for row in stored.values()]
    if gone:
        KpiScore.objects.filter(pk__in=gone).delete()
    KpiScore.objects.bulk_create(created, batch_size=1000)
    KpiScore.objects.bulk_update(
        changed, ["resolution_id", "agency_path", "computed_at", *SCORE_FIELDS], batch_size=1000
    )
    return len(created) + len(changed) + len(gone)


def refresh(
    periods: Iterable[ReportingPeriod], rule: BandRule, resolution_ids: Iterable[int] | None = None
) -> int:
    """Rescore these periods (the KPIs of these resolutions, or all); write only what changed.
    The KPIs and their trajectories are read once, the accepted values once per period."""
    wanted = None if resolution_ids is None else set(resolution_ids)
    periods = list(periods)
    if not periods or (wanted is not None and not wanted):
        return 0
    loaded = _load(wanted)
    now = clock.now()
    written = 0
    for period in periods:
        scores, counts = compute_period(period, loaded, rule)
        written += _write_counts(period, counts, wanted, now) + _write_scores(period, scores, wanted, now)
    return written


def refresh_window(today: dt.date, rule: BandRule, *, full: bool = True) -> int:
    """Drop the rows of the periods that left the window and score the periods that entered it;
    with ``full`` rescore every kept period (a rebuild, a merger, a new rule)."""
    kept = list(kept_periods(today))
    ids = [p.pk for p in kept]
    dropped = KpiRollup.objects.exclude(period_id__in=ids).delete()[0]
    dropped += KpiScore.objects.exclude(period_id__in=ids).delete()[0]
    if not full:
        present = set(KpiScore.objects.values_list("period_id", flat=True).distinct())
        kept = [p for p in kept if p.pk not in present]
    return dropped + refresh(kept, rule)


# --- what the audit rows touch -----------------------------------------------------------------------


def _resolutions_in(entry: AuditEntry) -> set[int]:
    return {
        int(snap["resolution_id"])
        for snap in (entry.before, entry.after)
        if isinstance(snap, dict) and snap.get("resolution_id") is not None
    }


def _may_move_kpis(entry: AuditEntry) -> bool:
    """Whether a task's audit row may change how its KPIs count: not when before and after agree
    on TASK_FIELDS (progress, dates, weight: a KPI's score does not depend on them)."""
    before, after = entry.before, entry.after
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return True
    return any(k not in before or k not in after or before[k] != after[k] for k in TASK_FIELDS)


def touched_resolutions(entries: Iterable[AuditEntry]) -> set[int] | None:
    """The resolutions whose KPIs these audit rows may have rescored in every period; None: all."""
    found: set[int] = set()
    task_entries: dict[int, list[AuditEntry]] = {}
    tasks: set[int] = set()
    for e in entries:
        if e.object_type in EVERYTHING_TYPES:
            return None
        if e.object_type == TASK_TYPE:
            if not isinstance(e.after, dict):  # deleted: its KPIs went with it
                found |= _resolutions_in(e)
            if e.object_id.isdigit() and _may_move_kpis(e):
                task_entries.setdefault(int(e.object_id), []).append(e)
        elif e.object_type == KPI_TYPE:  # added, changed, removed: its task is in the snapshots
            for snap in (e.before, e.after):
                if isinstance(snap, dict) and snap.get("task_id") is not None:
                    tasks.add(int(snap["task_id"]))
    if task_entries:
        with_kpis = set(
            TaskIndicator.objects.filter(task_id__in=sorted(task_entries)).values_list("task_id", flat=True)
        )
        for task_id in with_kpis:
            for e in task_entries[task_id]:
                found |= _resolutions_in(e)
        tasks |= with_kpis
    found |= set(Task.objects.filter(pk__in=sorted(tasks)).values_list("resolution_id", flat=True))
    return found


def touched_values(entries: Iterable[AuditEntry]) -> set[tuple[int, int]]:
    """(period id, agency id) of the reports these audit rows wrote: the values accepted for that
    agency and period may have changed (a report accepted or reopened)."""
    ids = {int(e.object_id) for e in entries if e.object_type == REPORT_TYPE and e.object_id.isdigit()}
    if not ids:
        return set()
    return set(PeriodReport.objects.filter(pk__in=sorted(ids)).values_list("period_id", "agency_id"))


def refresh_values(pairs: set[tuple[int, int]], today: dt.date, rule: BandRule, done: set[int]) -> int:
    """Rescore the kept periods of ``pairs`` for the resolutions of the KPIs led by the pairs'
    agencies (but the resolutions in ``done``, already rescored in every period)."""
    if not pairs:
        return 0
    resolutions_of: dict[int, set[int]] = {}
    led = (
        TaskIndicator.objects.exclude(task__state=TaskState.CANCELLED)
        .filter(task__lead_agency_id__in=sorted({a for _p, a in pairs}))
        .order_by()
        .values_list("task__lead_agency_id", "task__resolution_id")
        .distinct()
    )
    for agency_id, resolution_id in led:
        resolutions_of.setdefault(agency_id, set()).add(resolution_id)
    by_period: dict[int, set[int]] = {}
    for period_id, agency_id in pairs:
        wanted = resolutions_of.get(agency_id, set()) - done
        if wanted:
            by_period.setdefault(period_id, set()).update(wanted)
    periods = kept_periods(today).filter(pk__in=sorted(by_period))
    return sum(refresh([p], rule, by_period[p.pk]) for p in periods)


# --- the fold's and the rebuild's part ---------------------------------------------------------------


def _adopt(state: FoldState, today: dt.date, rule: BandRule) -> None:
    state.kpis_from = window_start(today)
    state.kpi_on_track_from, state.kpi_at_risk_below = rule.on_track_from, rule.at_risk_below


def rebuild(state: FoldState, today: dt.date) -> int:
    """Every kept period rescored under the rule in force (the caller saves ``state``)."""
    rule = current_band_rule()
    written = refresh_window(today, rule)
    _adopt(state, today, rule)
    return written


def fold(
    state: FoldState, today: dt.date, entries: list[AuditEntry], *, everything: bool, new_day: bool
) -> None:
    """Refresh what ``entries`` touch (the caller saves ``state``): everything when the audit rows
    touch everything, nothing was built yet or another band rule is in force; else, on a new day,
    the window moves, then the touched resolutions are rescored in every kept period and the
    touched reports' periods for the resolutions of the KPIs their agencies lead."""
    rule = current_band_rule()
    resolutions = None if everything else touched_resolutions(entries)
    if resolutions is None or state.kpis_from is None or stored_rule(state) != rule:
        rebuild(state, today)
        return
    if new_day:
        refresh_window(today, rule, full=False)
        state.kpis_from = window_start(today)
    if resolutions:
        refresh(kept_periods(today), rule, resolutions)
    refresh_values(touched_values(entries), today, rule, resolutions)
