"""The replay: weekly as-of dates over a history, forecasting and warning from what was known on
each date only, then scoring against what happened.

* Warnings: on every date, each task not yet finished, started and before its deadline is
  judged by the real rules (``rules.evaluate_task``) with the forecast of that date; the first
  late-risk warning (``LATE_RISK_KINDS``) is kept. A task counts as warned if it got one before
  its deadline; it ended late if it finished after its deadline or is unfinished past it.
  precision = warned and late / warned; recall = warned and late / late; recall_30d = late tasks
  warned at least 30 days before the deadline / late tasks; median lead = median days from the
  first warning to the deadline over the late tasks warned. Scored: the tasks with a deadline
  after the first replayed day, not finished by then, whose outcome is known (finished, or past
  the deadline on the last day).
* Task forecasts: for every (date, open task) with a forecast, the error in days of the projected
  completion (tasks finished by the end of the history) and whether the 80% interval holds the
  real completion day, judged for the intervals that closed before the history ends (then the
  answer is known, finished or not). All three methods are scored side by side.
* KPI forecasts: each series' last value, forecast from every earlier origin (the values known
  then), against the 80% interval.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import Counter
from decimal import Decimal

import numpy as np

from resmon.monitoring.forecasts import engine

from ..models import LATE_RISK_KINDS
from ..rules import RuleConfig, TaskFacts, evaluate_task
from .history import History, date_of

KEYS = (
    "precision",
    "recall",
    "recall_30d",
    "median_lead_days",
    "interval_coverage_80",
    "kpi_interval_coverage_80",
)
FORECAST_METHODS = ("linear", "damped", "smoothing")
LEAD_TARGET = 30


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


class _ForecastScore:
    def __init__(self) -> None:
        self.errors: list[np.ndarray] = []
        self.covered = 0
        self.judged = 0
        self.p: list[np.ndarray] = []
        self.late: list[np.ndarray] = []
        self.by_points: Counter = Counter()
        self.covered_by_points: Counter = Counter()

    def add(self, fc: engine.TaskForecasts, history: History, open_: np.ndarray, late: np.ndarray, scored):
        live = open_ & np.isin(fc.method, (engine.LINEAR, engine.DAMPED, engine.SMOOTHING))
        moving = live & np.isfinite(fc.projected)
        actual = history.completed
        known = moving & np.isfinite(actual)
        self.errors.append(fc.projected[known] - actual[known])
        # an interval is judged when it closed before the history ends: whether the task was done
        # inside it is then known, finished or not (choosing by the forecast, not by the outcome,
        # keeps the tasks still unfinished at the end from biasing the figure)
        judged = moving & (fc.high <= history.end)
        hit = judged & np.isfinite(actual) & (fc.low <= actual) & (actual <= fc.high)
        self.covered += int(hit.sum())
        self.judged += int(judged.sum())
        bucket = np.minimum(fc.points, 4)
        for b in (1, 2, 3, 4):
            self.by_points[b] += int((judged & (bucket == b)).sum())
            self.covered_by_points[b] += int((hit & (bucket == b)).sum())
        with_p = live & scored & np.isfinite(fc.p_miss)
        self.p.append(fc.p_miss[with_p])
        self.late.append(late[with_p].astype(float))

    def figures(self) -> dict:
        errors = np.concatenate(self.errors) if self.errors else np.array([])
        p = np.concatenate(self.p) if self.p else np.array([])
        late = np.concatenate(self.late) if self.late else np.array([])
        reliability = []
        for lo in np.arange(0, 1, 0.2):
            sel = (p >= lo) & (p < lo + 0.2 if lo < 0.8 else p <= 1)
            if sel.any():
                reliability.append(
                    {
                        "p_from": round(float(lo), 1),
                        "n": int(sel.sum()),
                        "late_share": round(float(late[sel].mean()), 3),
                    }
                )
        return {
            "forecasts": int(len(errors)),
            "mae_days": round(float(np.abs(errors).mean()), 1) if len(errors) else None,
            "median_abs_error_days": round(float(np.median(np.abs(errors))), 1) if len(errors) else None,
            "bias_days": round(float(errors.mean()), 1) if len(errors) else None,
            "coverage_80": _ratio(self.covered, self.judged),
            "intervals_judged": self.judged,
            "coverage_by_reports": {
                str(b) if b < 4 else "4+": _ratio(self.covered_by_points[b], self.by_points[b])
                for b in (1, 2, 3, 4)
                if self.by_points[b]
            },
            "brier": round(float(((p - late) ** 2).mean()), 4) if len(p) else None,
            "reliability": reliability,
        }


def _facts(i: int, history: History, fc: engine.TaskForecasts) -> TaskFacts:
    p = fc.p_miss[i]
    pct = fc.percent[i]
    return TaskFacts(
        task_id=i,
        start=date_of(history.start[i]),
        due=date_of(history.due[i]),
        percent=Decimal(int(round(pct))) if math.isfinite(pct) else Decimal(0),
        completed_on=None,
        last_change_on=date_of(fc.last_change[i]),
        p_miss=Decimal(str(round(float(p), 4))) if math.isfinite(p) else None,
        projected_on=date_of(fc.projected[i]),
    )


def _kpi_figures(history: History, params: engine.SeriesParams) -> dict:
    covered = judged = 0
    errors: list[float] = []
    chosen: Counter = Counter()
    for s in history.kpis:
        n = len(s.values)
        if n < 2:
            continue
        truth, target = float(s.values[-1]), float(s.days[-1])
        scale = float(np.mean(np.abs(np.diff(s.values)))) or abs(truth) or 1.0
        for k in range(1, n):
            fc = engine.forecast_series(s.values[:k], s.days[:k], target, params)
            if not fc.sufficient:
                continue
            assert fc.low is not None and fc.high is not None and fc.value is not None
            chosen[fc.method] += 1
            judged += 1
            covered += int(fc.low <= truth <= fc.high)
            errors.append(abs(fc.value - truth) / scale)
    return {
        "kpi_series": len(history.kpis),
        "kpi_forecasts": judged,
        "kpi_interval_coverage_80": _ratio(covered, judged),
        "kpi_mase": round(float(np.mean(errors)), 3) if errors else None,
        "kpi_methods": dict(chosen),
    }


def replay(
    history: History,
    *,
    params: engine.TaskParams = engine.DEFAULT_TASK_PARAMS,
    config: RuleConfig | None = None,
    series_params: engine.SeriesParams = engine.DEFAULT_SERIES_PARAMS,
    step: int = 7,
    compare: bool = True,
) -> dict:
    """Replay ``history`` every ``step`` days; the figures as a dict (KEYS first)."""
    began = time.monotonic()
    config = config or RuleConfig()
    n = history.n
    late = history.late()
    scored = history.scored()
    order = np.argsort(history.obs_known, kind="stable")
    known_sorted = history.obs_known[order]
    o_task, o_day, o_pct = history.obs_task[order], history.obs_day[order], history.obs_pct[order]
    first = int(known_sorted[0]) if len(known_sorted) else history.end
    dates = list(range(first, history.end + 1, step))
    with np.errstate(invalid="ignore"):
        # a task whose deadline passed, or that was finished, before the first replayed day could
        # not be warned in time whatever the rules: it says nothing about them
        scored &= (history.due > first) & ~(np.isfinite(history.completed) & (history.completed <= first))
    first_warn = np.full(n, np.nan)
    first_kind = [""] * n
    methods = FORECAST_METHODS if compare else (params.method,)
    scores = {m: _ForecastScore() for m in methods}
    with np.errstate(invalid="ignore"):
        started = np.isfinite(history.start)
    for today in dates:
        k = int(np.searchsorted(known_sorted, today, side="right"))
        with np.errstate(invalid="ignore"):
            open_ = ~(np.isfinite(history.completed) & (history.completed <= today))
            open_ &= ~started | (history.start <= today)
        chosen = None
        for m in methods:
            p = params if m == params.method else dataclasses.replace(params, method=m)
            fc = engine.forecast_tasks(
                today, history.due, o_task[:k], o_day[:k], o_pct[:k], start=history.start,
                completed=history.completed, params=p,
            )  # fmt: skip
            scores[m].add(fc, history, open_, late, scored)
            if m == params.method:
                chosen = fc
        assert chosen is not None
        with np.errstate(invalid="ignore"):
            candidates = np.flatnonzero(scored & open_ & np.isnan(first_warn) & (today < history.due))
        day = date_of(today)
        assert day is not None
        for i in candidates:
            found = evaluate_task(_facts(int(i), history, chosen), day, config)
            kinds = [f.kind for f in found if f.kind in LATE_RISK_KINDS]
            if kinds:
                first_warn[i] = today
                first_kind[i] = str(kinds[0])

    warned = scored & np.isfinite(first_warn)
    late_s = scored & late
    tp = warned & late_s
    lead = history.due[tp] - first_warn[tp]
    early = int((lead >= LEAD_TARGET).sum())
    chosen_fig = scores[params.method].figures()
    figures: dict = {
        "precision": _ratio(int(tp.sum()), int(warned.sum())),
        "recall": _ratio(int(tp.sum()), int(late_s.sum())),
        "recall_30d": _ratio(early, int(late_s.sum())),
        "median_lead_days": float(np.median(lead)) if len(lead) else None,
        "interval_coverage_80": chosen_fig["coverage_80"],
    }
    kpi = _kpi_figures(history, series_params)
    figures["kpi_interval_coverage_80"] = kpi.pop("kpi_interval_coverage_80")
    figures.update(
        {
            "source": history.source,
            "tasks": n,
            "scored_tasks": int(scored.sum()),
            "late_tasks": int(late_s.sum()),
            "warned_tasks": int(warned.sum()),
            "true_positives": int(tp.sum()),
            "false_positives": int((warned & ~late_s).sum()),
            "first_warning_kinds": dict(Counter(first_kind[i] for i in np.flatnonzero(warned))),
            "method": params.method,
            "forecasts": chosen_fig["forecasts"],
            "forecast_mae_days": chosen_fig["mae_days"],
            "forecast_median_abs_error_days": chosen_fig["median_abs_error_days"],
            "p_miss_brier": chosen_fig["brier"],
            "methods": {m: s.figures() for m, s in scores.items()},
            **kpi,
            "as_of_dates": len(dates),
            "first_as_of": date_of(dates[0]).isoformat() if dates else None,  # type: ignore[union-attr]
            "last_as_of": date_of(dates[-1]).isoformat() if dates else None,  # type: ignore[union-attr]
            "rules": {
                "due_soon_days": config.due_soon_days,
                "behind_points": config.behind_points,
                "stalled_days": config.stalled_days,
                "forecast_p_miss": float(config.forecast_p_miss),
            },
            "notes": history.notes,
            "seconds": round(time.monotonic() - began, 1),
        }
    )
    return figures
