"""A history to replay: tasks with their dates and outcomes, progress reports, KPI series.

Three sources build the same :class:`History`: the database's accepted reports (``demo.py``),
simulated tasks with known outcomes (``simulate.py``) and CSV files anyone can write
(:func:`read_csv`), so the warnings can be checked on data of one's own:

* ``tasks.csv``: ``task_id, start_date, due_date, completed_on`` (empty when unfinished;
  ``start_date`` may be empty when unknown);
* ``progress.csv``: ``task_id, reported_on, percent_done`` (0–100);
* ``kpi.csv`` (optional): ``series_id, period_end, value``.

Dates are YYYY-MM-DD. A bad file is refused with a message naming the file, the line and the
column; nothing is written anywhere (a backtest only reads).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.utils.translation import gettext as _

TASK_COLUMNS = ("task_id", "start_date", "due_date", "completed_on")
PROGRESS_COLUMNS = ("task_id", "reported_on", "percent_done")
KPI_COLUMNS = ("series_id", "period_end", "value")
MAX_ROWS = 5_000_000


class HistoryError(ValueError):
    """Bad input: the message names the file, line and column."""

    def __init__(self, message: str, *, file: str = "", line: int | None = None, column: str = ""):
        self.file, self.line, self.column, self.detail = file, line, column, message
        where = file
        if line is not None:
            where += _(", line %(line)s") % {"line": line}
        if column:
            where += _(", column %(column)s") % {"column": column}
        super().__init__(f"{where}: {message}" if where else message)


@dataclass
class KpiSeries:
    series_id: str
    days: np.ndarray  # period ends (day ordinals), ascending
    values: np.ndarray
    known: np.ndarray | None = None  # the day each value became known (default: its period end)


@dataclass
class History:
    """Tasks (index i), their reports and KPI series. Days are ``date.toordinal()``; NaN = none."""

    source: str
    task_ids: list[str]
    start: np.ndarray
    due: np.ndarray
    completed: np.ndarray
    obs_task: np.ndarray
    obs_day: np.ndarray  # the date the percent stood on (period end)
    obs_pct: np.ndarray
    obs_known: np.ndarray  # the day it became known (acceptance; = obs_day for files)
    end: int  # outcomes are known up to this day
    kpis: list[KpiSeries] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.task_ids)

    def late(self) -> np.ndarray:
        """Ended late: finished after the deadline, or unfinished and past it on the last day."""
        with np.errstate(invalid="ignore"):
            return np.where(np.isfinite(self.completed), self.completed > self.due, self.due < self.end)

    def scored(self) -> np.ndarray:
        """Tasks whose outcome is known: a deadline, and finished or past the deadline."""
        with np.errstate(invalid="ignore"):
            return np.isfinite(self.due) & (np.isfinite(self.completed) | (self.due < self.end))


def day_of(value: dt.date | None) -> float:
    return float(value.toordinal()) if value is not None else math.nan


def date_of(day: float) -> dt.date | None:
    return dt.date.fromordinal(int(day)) if day is not None and math.isfinite(day) else None


# --- CSV -----------------------------------------------------------------------------------------


def _rows(path: Path, columns: tuple[str, ...], optional: tuple[str, ...] = ()):
    name = path.name
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise HistoryError(
            _("cannot be read (%(error)s).") % {"error": exc.strerror or exc}, file=name
        ) from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise HistoryError(
                _("is not a UTF-8 CSV file (%(error)s).") % {"error": exc}, file=name, line=1
            ) from None
        if not header:
            raise HistoryError(_("is empty: the first line must name the columns."), file=name, line=1)
        header = [h.strip().lower() for h in header]
        missing = [c for c in columns if c not in header and c not in optional]
        if missing:
            raise HistoryError(
                _("the header lacks the column(s) %(missing)s (expected: %(expected)s).")
                % {"missing": ", ".join(missing), "expected": ", ".join(columns)},
                file=name,
                line=1,
            )
        where = {c: header.index(c) for c in columns if c in header}
        line = 1
        try:
            for line, raw in enumerate(reader, start=2):
                if not any(cell.strip() for cell in raw):
                    continue
                if line > MAX_ROWS:
                    raise HistoryError(_("has too many rows (at most %(n)s).") % {"n": MAX_ROWS}, file=name)
                yield line, {c: (raw[i].strip() if i < len(raw) else "") for c, i in where.items()}
        except (csv.Error, UnicodeDecodeError) as exc:
            raise HistoryError(
                _("is not a valid UTF-8 CSV file (%(error)s).") % {"error": exc}, file=name, line=line + 1
            ) from None


def _date(value: str, *, file: str, line: int, column: str, required: bool) -> float:
    if not value:
        if required:
            raise HistoryError(_("a date is required (YYYY-MM-DD)."), file=file, line=line, column=column)
        return math.nan
    try:
        if len(value) != 10:
            raise ValueError
        return float(dt.date.fromisoformat(value).toordinal())
    except ValueError:
        raise HistoryError(
            _("“%(value)s” is not a date; write it as YYYY-MM-DD.") % {"value": value[:40]},
            file=file,
            line=line,
            column=column,
        ) from None


def _number(value: str, *, file: str, line: int, column: str) -> float:
    try:
        number = (
            float(value.replace(",", ".")) if value.count(",") == 1 and "." not in value else float(value)
        )
    except ValueError:
        number = math.nan
    if not value or not math.isfinite(number):
        raise HistoryError(
            _("“%(value)s” is not a number.") % {"value": value[:40]}, file=file, line=line, column=column
        )
    return number


def read_csv(tasks: Path | str, progress: Path | str, kpi: Path | str | None = None) -> History:
    """The history in the three files (see the module); HistoryError on the first bad cell."""
    tasks, progress = Path(tasks), Path(progress)
    ids: list[str] = []
    index: dict[str, int] = {}
    start, due, completed = [], [], []
    tname = tasks.name
    for line, row in _rows(tasks, TASK_COLUMNS, optional=("start_date", "completed_on")):
        task_id = row["task_id"]
        if not task_id:
            raise HistoryError(_("the task id is empty."), file=tname, line=line, column="task_id")
        if task_id in index:
            raise HistoryError(
                _("the task id “%(id)s” appears twice.") % {"id": task_id[:40]},
                file=tname,
                line=line,
                column="task_id",
            )
        s = _date(row.get("start_date", ""), file=tname, line=line, column="start_date", required=False)
        d = _date(row["due_date"], file=tname, line=line, column="due_date", required=True)
        c = _date(row.get("completed_on", ""), file=tname, line=line, column="completed_on", required=False)
        if math.isfinite(s) and s > d:
            raise HistoryError(
                _("the due date is before the start date."), file=tname, line=line, column="due_date"
            )
        if math.isfinite(s) and math.isfinite(c) and c < s:
            raise HistoryError(
                _("the task is completed before it starts."), file=tname, line=line, column="completed_on"
            )
        index[task_id] = len(ids)
        ids.append(task_id)
        start.append(s)
        due.append(d)
        completed.append(c)
    if not ids:
        raise HistoryError(_("has no tasks: nothing to replay."), file=tname)

    pname = progress.name
    o_task, o_day, o_pct = [], [], []
    for line, row in _rows(progress, PROGRESS_COLUMNS):
        task_id = row["task_id"]
        if task_id not in index:
            raise HistoryError(
                _("the task “%(id)s” is not in %(file)s.") % {"id": task_id[:40], "file": tname},
                file=pname,
                line=line,
                column="task_id",
            )
        day = _date(row["reported_on"], file=pname, line=line, column="reported_on", required=True)
        pct = _number(row["percent_done"], file=pname, line=line, column="percent_done")
        if not 0 <= pct <= 100:
            raise HistoryError(
                _("the percent done must be between 0 and 100 (got %(value)s).")
                % {"value": row["percent_done"][:20]},
                file=pname,
                line=line,
                column="percent_done",
            )
        o_task.append(index[task_id])
        o_day.append(day)
        o_pct.append(pct)
    if not o_task:
        raise HistoryError(_("has no progress rows: nothing to forecast from."), file=pname)

    series: list[KpiSeries] = []
    if kpi is not None:
        kpi = Path(kpi)
        kname = kpi.name
        points: dict[str, list[tuple[float, float]]] = {}
        for line, row in _rows(kpi, KPI_COLUMNS):
            sid = row["series_id"]
            if not sid:
                raise HistoryError(_("the series id is empty."), file=kname, line=line, column="series_id")
            day = _date(row["period_end"], file=kname, line=line, column="period_end", required=True)
            value = _number(row["value"], file=kname, line=line, column="value")
            points.setdefault(sid, []).append((day, value))
        if not points:
            raise HistoryError(_("has no values."), file=kname)
        for sid, pts in points.items():
            pts.sort()
            series.append(KpiSeries(sid, np.array([p[0] for p in pts]), np.array([p[1] for p in pts])))

    start_a, due_a, comp_a = np.array(start), np.array(due), np.array(completed)
    day_a = np.array(o_day)
    last = max(
        [float(np.nanmax(day_a))]
        + ([float(np.nanmax(comp_a))] if np.isfinite(comp_a).any() else [])
        + [float(s.days.max()) for s in series]
    )
    return History(
        source="csv",
        task_ids=ids,
        start=start_a,
        due=due_a,
        completed=comp_a,
        obs_task=np.array(o_task, dtype=np.int64),
        obs_day=day_a,
        obs_pct=np.array(o_pct),
        obs_known=day_a.copy(),
        end=int(last),
        kpis=series,
    )
