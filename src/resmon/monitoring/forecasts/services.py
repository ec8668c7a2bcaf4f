"""The forecast cache: every task's and every task KPI's forecast, computed in one pass by the
daily job (``manage.py forecast``) and stored in TaskForecast / KpiForecast.

What a forecast is made of (docs/decisions/016-forecasting-methods.md):

* a task's progress history is the percent of its **accepted** report lines, each dated by the
  end of the report's period (the day the percent stood on, as the acceptance records it on the
  task), or by the acceptance when that came earlier; only what was accepted by the as-of day
  counts. A percent typed on the task page outside a report has no date of its own and is not
  used. The task's start is its programme's issue date (the resolution's when there is none);
  a completed task is "done"; a paused or cancelled one, or an ongoing one, gets no forecast;
* a parent task's forecast comes from its leaves (``engine.roll_up``);
* a task KPI's history is the accepted values of the task's lead agency for the indicator, by
  period end (one period kind per series: the one with most values); it is forecast at the KPI's
  last target date against that target.

This is a cache refresh, not a user's write: no audit row, a log line with the counts.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections import defaultdict
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import connection, transaction

from resmon.core import clock
from resmon.planning.models import ActionProgram, Resolution, TargetPoint, Task, TaskIndicator
from resmon.planning.status import TaskState
from resmon.reporting.models import Observation, ReportLine, ReportState

from . import engine
from .models import KpiForecast, Method, TaskForecast

log = logging.getLogger(__name__)

BATCH = 5000
TASK_FIELDS = [
    "as_of",
    "method",
    "points",
    "projected_on",
    "low_on",
    "high_on",
    "p_miss",
    "rate",
    "last_report_on",
    "last_percent",
    "computed_at",
]
RATE_MAX = 999999.0
KPI_FIELDS = [
    "as_of",
    "method",
    "points",
    "target_date",
    "target_value",
    "projected_value",
    "low_value",
    "high_value",
    "p_miss",
    "computed_at",
]
KPI_COLUMNS = ("kpi_id", *KPI_FIELDS)
VALUE_MAX = Decimal("1e16")  # the DecimalField holds 16 digits before the point
LOWER = "lower"


def _day(value: dt.date | None) -> float:
    return float(value.toordinal()) if value is not None else math.nan


def _probability(value: float) -> Decimal | None:
    return Decimal(f"{min(max(value, 0.0), 1.0):.4f}") if math.isfinite(value) else None


def _value(value: float | None) -> Decimal | None:
    if value is None or not math.isfinite(value):
        return None
    number = Decimal(f"{value:.4f}")
    return max(min(number, VALUE_MAX - 1), -(VALUE_MAX - 1))


def _accepted_on(moment: dt.datetime | None, fallback: dt.date) -> dt.date:
    return moment.astimezone(clock.tz()).date() if moment is not None else fallback


# --- tasks --------------------------------------------------------------------------------------


def task_arrays(today: dt.date) -> dict[str, Any]:
    """Every task and its accepted progress history as arrays (tasks ordered by id)."""
    starts = dict(ActionProgram.objects.values_list("pk", "issued_on"))
    issued = dict(Resolution.objects.values_list("pk", "issued_on"))
    rows = list(
        Task.objects.order_by("pk").values_list(
            "pk", "parent_id", "program_id", "resolution_id", "due_date", "ongoing", "completed_on", "state"
        )
    )
    n = len(rows)
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
    parent_ids = np.fromiter((r[1] or 0 for r in rows), dtype=np.int64, count=n)
    parent = np.full(n, -1, dtype=np.int64)
    has_parent = parent_ids > 0
    parent[has_parent] = np.searchsorted(ids, parent_ids[has_parent])
    start = np.fromiter((_day(starts.get(r[2]) or issued.get(r[3])) for r in rows), dtype=float, count=n)
    due = np.fromiter((math.nan if r[5] else _day(r[4]) for r in rows), dtype=float, count=n)
    completed = np.fromiter((_day(r[6]) if r[6] and r[6] <= today else math.nan for r in rows), float, n)
    active = np.fromiter((r[7] == TaskState.ACTIVE for r in rows), dtype=bool, count=n)
    ongoing = np.fromiter((bool(r[5]) for r in rows), dtype=bool, count=n)

    lines = ReportLine.objects.filter(
        report__state=ReportState.ACCEPTED, percent_done__isnull=False, report__period__end__lte=today
    ).values_list("task_id", "report__period__end", "report__accepted_at", "percent_done")
    o_task, o_day, o_pct = [], [], []
    for task_id, end, accepted_at, percent in lines.iterator(chunk_size=BATCH):
        known = _accepted_on(accepted_at, end)
        if known > today:
            continue
        o_task.append(task_id)
        o_day.append(min(end, known).toordinal())
        o_pct.append(float(percent or 0))
    obs_ids = np.asarray(o_task, dtype=np.int64)
    obs_task = np.searchsorted(ids, obs_ids) if n else np.zeros(0, dtype=np.int64)
    found = (obs_task < n) & (ids[np.minimum(obs_task, max(n - 1, 0))] == obs_ids) if n else obs_task >= 0
    return {
        "ids": ids,
        "parent": parent,
        "start": start,
        "due": due,
        "completed": completed,
        "active": active,
        "ongoing": ongoing,
        "obs_task": obs_task[found],
        "obs_day": np.asarray(o_day, dtype=float)[found],
        "obs_pct": np.asarray(o_pct, dtype=float)[found],
    }


def forecast_all_tasks(
    today: dt.date, params: engine.TaskParams = engine.DEFAULT_TASK_PARAMS
) -> tuple[dict[str, Any], engine.TaskForecasts]:
    data = task_arrays(today)
    due = np.where(data["active"], data["due"], math.nan)
    fc = engine.forecast_tasks(
        today.toordinal(),
        due,
        data["obs_task"],
        data["obs_day"],
        data["obs_pct"],
        start=data["start"],
        completed=data["completed"],
        params=params,
    )
    counted = data["active"] | np.isfinite(data["completed"])
    fc = engine.roll_up(fc, data["parent"], due, counted=counted)
    # paused, cancelled or ongoing: no forecast (a completed one is still "done")
    idle = (~data["active"] | data["ongoing"]) & (fc.method != engine.DONE)
    fc.method[idle] = engine.INSUFFICIENT
    for name in ("projected", "low", "high", "p_miss"):
        getattr(fc, name)[idle] = math.nan
    return data, fc


def _task_values(ids: np.ndarray, fc: engine.TaskForecasts, today: dt.date, now: dt.datetime):
    """One tuple per task, in TASK_COLUMNS order (plain values: the rows are many)."""
    dates: dict[int, dt.date] = {}

    def day(value: float) -> dt.date | None:
        if not math.isfinite(value):
            return None
        key = int(round(value))
        found = dates.get(key)
        if found is None:
            found = dates[key] = dt.date.fromordinal(key)
        return found

    names = engine.METHOD_NAMES
    method = fc.method.tolist()
    points = np.minimum(fc.points, 32767).tolist()
    p_miss = np.where(np.isfinite(fc.p_miss), np.clip(fc.p_miss, 0, 1), np.nan).tolist()
    rate = np.minimum(fc.rate * 30, RATE_MAX).tolist()
    projected, low, high = fc.projected.tolist(), fc.low.tolist(), fc.high.tolist()
    last_report, percent = fc.last_report.tolist(), fc.percent.tolist()
    for i, task_id in enumerate(ids.tolist()):
        p, r, pct = p_miss[i], rate[i], percent[i]
        yield (
            task_id,
            today,
            names[method[i]],
            points[i],
            day(projected[i]),
            day(low[i]),
            day(high[i]),
            Decimal(f"{p:.4f}") if p == p else None,
            Decimal(f"{r:.2f}") if r == r else None,
            day(last_report[i]),
            Decimal(f"{pct:.2f}") if pct == pct else None,
            now,
        )


TASK_COLUMNS = ("task_id", *TASK_FIELDS[:-1], "computed_at")


def _write(model: Any, columns: tuple[str, ...], rows: Any, unique: str) -> int:
    """Insert or update the rows (tuples in ``columns`` order) on their ``unique`` column: COPY
    into a temporary table and one INSERT ... ON CONFLICT on PostgreSQL; bulk_create elsewhere."""
    if connection.vendor == "postgresql":
        return _write_pg(model._meta.db_table, columns, rows, unique)
    updates = [c for c in columns if c != unique]
    written = 0
    batch: list[Any] = []
    for row in rows:
        batch.append(model(**dict(zip(columns, row, strict=True))))
        if len(batch) >= BATCH:
            model.objects.bulk_create(
                batch, update_conflicts=True, unique_fields=[unique], update_fields=updates
            )
            written += len(batch)
            batch = []
    if batch:
        model.objects.bulk_create(batch, update_conflicts=True, unique_fields=[unique], update_fields=updates)
        written += len(batch)
    return written


def _write_pg(table: str, columns: tuple[str, ...], rows: Any, unique: str) -> int:
    from psycopg import sql

    temp = sql.Identifier(f"new_{table}")
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    updates = sql.SQL(", ").join(
        sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c)) for c in columns if c != unique
    )
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: COPY
        raw.execute(
            sql.SQL("CREATE TEMPORARY TABLE {t} ON COMMIT DROP AS SELECT {c} FROM {m} WITH NO DATA").format(
                t=temp, c=cols, m=sql.Identifier(table)
            )
        )
        written = 0
        with raw.copy(sql.SQL("COPY {t} ({c}) FROM STDIN").format(t=temp, c=cols)) as copy:
            for row in rows:
                copy.write_row(row)
                written += 1
        raw.execute(
            sql.SQL("INSERT INTO {m} ({c}) SELECT {c} FROM {t} ON CONFLICT ({u}) DO UPDATE SET {s}").format(
                m=sql.Identifier(table), c=cols, t=temp, u=sql.Identifier(unique), s=updates
            )
        )
        raw.execute(sql.SQL("DROP TABLE {t}").format(t=temp))
    return written


# --- KPIs ---------------------------------------------------------------------------------------


def kpi_forecasts(
    today: dt.date, params: engine.SeriesParams = engine.DEFAULT_SERIES_PARAMS
) -> list[KpiForecast]:
    """One KpiForecast (unsaved) per task KPI."""
    kpis = list(
        TaskIndicator.objects.order_by("pk").values_list(
            "pk", "task__lead_agency_id", "indicator_id", "indicator_version__direction"
        )
    )
    if not kpis:
        return []
    last_target: dict[int, tuple[dt.date, Decimal]] = {}
    for kpi_id, on, value in TargetPoint.objects.order_by("kpi_id", "on").values_list(
        "kpi_id", "on", "value"
    ):
        last_target[kpi_id] = (on, value)
    pairs = {(agency, indicator) for _k, agency, indicator, _d in kpis}
    series: dict[tuple[int, int, str], list[tuple[float, float]]] = defaultdict(list)
    observations = Observation.objects.filter(
        report__state=ReportState.ACCEPTED,
        agency_id__in=sorted({a for a, _i in pairs}),
        indicator_id__in=sorted({i for _a, i in pairs}),
        period__end__lte=today,
    ).values_list("agency_id", "indicator_id", "period__kind", "period__end", "value", "report__accepted_at")
    for agency, indicator, kind, end, value, accepted_at in observations.iterator(chunk_size=BATCH):
        if (agency, indicator) in pairs and _accepted_on(accepted_at, end) <= today:
            series[(agency, indicator, kind)].append((_day(end), float(value)))
    best: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for (agency, indicator, _kind), points in series.items():
        if len(points) > len(best.get((agency, indicator), ())):
            best[(agency, indicator)] = points
    now = clock.now()
    out = []
    for kpi_id, agency, indicator, direction in kpis:
        points = sorted(best.get((agency, indicator), []))
        target = last_target.get(kpi_id)
        row = KpiForecast(
            kpi_id=kpi_id,
            as_of=today,
            method=Method.INSUFFICIENT,
            points=min(len(points), 32767),
            target_date=target[0] if target else None,
            target_value=target[1] if target else None,
            computed_at=now,
        )
        out.append(row)
        if target is None:
            continue
        target_day, target_value = _day(target[0]), float(target[1])
        at_or_after = [(d, v) for d, v in points if d >= target_day]
        if at_or_after:  # the target date has come and its value is known
            actual = at_or_after[0][1]
            row.method = Method.DONE
            row.projected_value = row.low_value = row.high_value = _value(actual)
            missed = actual > target_value if direction == LOWER else actual < target_value
            row.p_miss = Decimal(int(missed))
            continue
        fc = engine.forecast_series([v for _d, v in points], [d for d, _v in points], target_day, params)
        row.points = min(fc.points, 32767)
        if not fc.sufficient:
            continue
        row.method = fc.method
        row.projected_value = _value(fc.value)
        row.low_value = _value(fc.low)
        row.high_value = _value(fc.high)
        below = fc.p_below(target_value)
        if below is not None:
            row.p_miss = _probability(1 - below if direction == LOWER else below)
    return out


# --- the refresh --------------------------------------------------------------------------------


def refresh_forecasts(as_of: dt.date | None = None) -> dict[str, Any]:
    """Compute and store every task's and task KPI's forecast as of ``as_of`` (today by default).

    Returns the counts and seconds (what ``manage.py forecast`` prints)."""
    today = as_of or clock.today()
    began = time.monotonic()
    data, fc = forecast_all_tasks(today)
    computed = time.monotonic() - began
    now = clock.now()
    kpis = kpi_forecasts(today)
    kpi_seconds = time.monotonic() - began - computed
    with transaction.atomic():
        tasks_written = _write(
            TaskForecast, TASK_COLUMNS, _task_values(data["ids"], fc, today, now), "task_id"
        )
        kpis_written = _write(
            KpiForecast, KPI_COLUMNS, ([getattr(k, c) for c in KPI_COLUMNS] for k in kpis), "kpi_id"
        )
    methods = {name: int((fc.method == code).sum()) for code, name in enumerate(engine.METHOD_NAMES)}
    with np.errstate(invalid="ignore"):
        at_risk = int((fc.p_miss >= 0.5).sum())
    result = {
        "as_of": today.isoformat(),
        "tasks": tasks_written,
        "kpis": kpis_written,
        "methods": {k: v for k, v in methods.items() if v},
        "kpi_methods": dict(sorted(_count(k.method for k in kpis).items())),
        "p_miss_at_least_half": at_risk,
        "observations": int(len(data["obs_task"])),
        "seconds": round(time.monotonic() - began, 2),
        "seconds_tasks": round(computed, 2),
        "seconds_kpis": round(kpi_seconds, 2),
    }
    log.info(
        "forecasts refreshed as of %s: %s tasks, %s KPIs in %.1f s",
        result["as_of"],
        tasks_written,
        kpis_written,
        result["seconds"],
    )
    return result


def _count(values: Any) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for v in values:
        out[str(v)] += 1
    return dict(out)
