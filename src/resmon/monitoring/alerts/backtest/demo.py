"""The history held in the current database (``backtest --demo``): what was accepted, and when.

* tasks: the leaf tasks with a deadline that are not paused or cancelled (a parent's percent is
  rolled up, never reported); the start is the programme's issue date (the resolution's when the
  programme has none), as the daily job takes it; the outcome is the task's completion date, and
  an unfinished task past its deadline on the last day ended late;
* progress: the percent of each accepted report line, dated by the end of the report's period
  and known from the day the report was accepted (a replay date sees only what had been accepted
  by then: no peeking);
* KPI series: the accepted values of the lead agency of each task KPI for its indicator, dated by
  the period end and known from the acceptance, one period kind per series (the one with most
  values).

The outcomes are known up to today (``clock.today()``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np

from resmon.core import clock
from resmon.planning.models import ActionProgram, Resolution, Task, TaskIndicator
from resmon.planning.status import TaskState
from resmon.reporting.models import Observation, ReportLine, ReportState

from .history import History, KpiSeries, day_of


def _accepted_on(value: dt.datetime | None, fallback: dt.date) -> dt.date:
    if value is None:
        return fallback
    return value.astimezone(clock.tz()).date()


def from_database(today: dt.date | None = None) -> History:
    today = today or clock.today()
    starts = dict(ActionProgram.objects.values_list("pk", "issued_on"))
    issued = dict(Resolution.objects.values_list("pk", "issued_on"))
    parents = set(Task.objects.filter(parent__isnull=False).values_list("parent_id", flat=True).distinct())
    rows = (
        Task.objects.filter(state=TaskState.ACTIVE, due_date__isnull=False, ongoing=False)
        .order_by("pk")
        .values_list("pk", "program_id", "resolution_id", "due_date", "completed_on")
    )
    ids: list[str] = []
    index: dict[int, int] = {}
    start, due, completed = [], [], []
    for pk, program_id, resolution_id, due_date, completed_on in rows.iterator(chunk_size=5000):
        if pk in parents:
            continue
        index[pk] = len(ids)
        ids.append(str(pk))
        start.append(day_of(starts.get(program_id) or issued.get(resolution_id)))
        due.append(day_of(due_date))
        completed.append(day_of(completed_on) if completed_on and completed_on <= today else np.nan)

    o_task, o_day, o_pct, o_known = [], [], [], []
    lines = ReportLine.objects.filter(
        report__state=ReportState.ACCEPTED,
        percent_done__isnull=False,
        task_id__in=Task.objects.filter(state=TaskState.ACTIVE, due_date__isnull=False).values("pk"),
    ).values_list("task_id", "report__period__end", "report__accepted_at", "percent_done")
    for task_id, end, accepted_at, percent in lines.iterator(chunk_size=5000):
        i = index.get(task_id)
        if i is None:
            continue
        known = _accepted_on(accepted_at, end)
        if known > today:
            continue
        o_task.append(i)
        o_day.append(day_of(min(end, known)))
        o_pct.append(float(percent or 0))
        o_known.append(day_of(known))

    kpis = _kpi_series(today)
    notes = [f"as of {today.isoformat()}"]
    return History(
        source="demo",
        task_ids=ids,
        start=np.array(start, dtype=float),
        due=np.array(due, dtype=float),
        completed=np.array(completed, dtype=float),
        obs_task=np.array(o_task, dtype=np.int64),
        obs_day=np.array(o_day, dtype=float),
        obs_pct=np.array(o_pct, dtype=float),
        obs_known=np.array(o_known, dtype=float),
        end=today.toordinal(),
        kpis=kpis,
        notes=notes,
    )


def _kpi_series(today: dt.date) -> list[KpiSeries]:
    pairs = set(TaskIndicator.objects.values_list("task__lead_agency_id", "indicator_id"))
    if not pairs:
        return []
    agencies = {a for a, _i in pairs}
    indicators = {i for _a, i in pairs}
    values: dict[tuple[int, int, str], list[tuple[float, float, float]]] = defaultdict(list)
    rows = Observation.objects.filter(
        report__state=ReportState.ACCEPTED,
        agency_id__in=sorted(agencies),
        indicator_id__in=sorted(indicators),
        period__end__lte=today,
    ).values_list("agency_id", "indicator_id", "period__kind", "period__end", "value", "report__accepted_at")
    for agency_id, indicator_id, kind, end, value, accepted_at in rows.iterator(chunk_size=5000):
        if (agency_id, indicator_id) not in pairs:
            continue
        known = _accepted_on(accepted_at, end)
        if known > today:
            continue
        values[(agency_id, indicator_id, kind)].append((day_of(end), float(value), day_of(known)))
    best: dict[tuple[int, int], tuple[str, list]] = {}
    for (agency_id, indicator_id, kind), pts in values.items():
        key = (agency_id, indicator_id)
        if key not in best or len(pts) > len(best[key][1]):
            best[key] = (kind, pts)
    series = []
    for (agency_id, indicator_id), (kind, pts) in sorted(best.items()):
        pts.sort()
        series.append(
            KpiSeries(
                f"{agency_id}:{indicator_id}:{kind}",
                np.array([p[0] for p in pts]),
                np.array([p[1] for p in pts]),
                np.array([p[2] for p in pts]),
            )
        )
    return series
