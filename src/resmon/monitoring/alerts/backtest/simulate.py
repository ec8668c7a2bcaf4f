"""Simulated histories with known outcomes, for the backtest (``backtest --simulate N --seed S``).

Each task has a start, a deadline 6 to 30 months later and a true progress path, day by day in
half-month blocks: a pace drawn around the plan's (about a third of the tasks too slow to make
it), a late start for some, a noisy rate from block to block, stalls (a quarter of the tasks stop
for 1.5 to 6 months), a rush towards the deadline for some, a slow-down for others. It reports
its percent at each quarter end (monthly for some), rounded as officials do (often to 5), noisy
and never below the last report, with some reports missing, each known 5 to 25 days after the
period ended. A task is finished when its path reaches 100%; one still unfinished two years past
its deadline is left unfinished. The outcomes (late or not, and when it finished) are therefore
known exactly, and the replay sees only what had been reported by each date.

KPI series: monthly or quarterly values with a linear trend, a saturating (damped) growth, a
random walk with drift or a level shift, plus noise; the last value is the one forecast.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from .history import History, KpiSeries

EPOCH = dt.date(2023, 1, 1).toordinal()
BLOCK = 15  # days per step of the true path
MAX_LATE = 730


def _period_ends(first: int, last: int, months: int) -> list[int]:
    """Month ends (every ``months``-th month: 3 for quarter ends) from ``first`` to ``last``."""
    d = dt.date.fromordinal(first)
    year, month = d.year, d.month
    out: list[int] = []
    while True:
        nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
        end = nxt.toordinal() - 1
        if end > last:
            return out
        if month % months == 0 and end >= first:
            out.append(end)
        year, month = nxt.year, nxt.month


def _path(rng: np.random.Generator, start: int, due: int) -> tuple[np.ndarray, np.ndarray, float]:
    """The true progress path: (days, percents) at block ends, and the completion day (NaN: none)."""
    span = due - start
    pace = math.exp(rng.normal(-0.12, 0.33))  # > 1: slower than the plan needs
    begin = start + (int(rng.uniform(0, 0.25) * span) if rng.random() < 0.3 else 0)
    work = span - (begin - start)
    rate = 100.0 / (max(work, 30) * pace)
    stall_at = stall_len = -1.0
    if rng.random() < 0.25:
        stall_at = begin + rng.uniform(0.1, 0.8) * span
        stall_len = rng.uniform(45, 180)
    change_at, factor = math.inf, 1.0
    roll = rng.random()
    if roll < 0.2:  # a rush towards the deadline
        change_at, factor = begin + rng.uniform(0.4, 0.8) * span, rng.uniform(1.3, 2.2)
    elif roll < 0.35:  # a slow-down
        change_at, factor = begin + rng.uniform(0.2, 0.7) * span, rng.uniform(0.4, 0.8)
    days, values = [float(begin)], [0.0]
    t, p = float(begin), 0.0
    noise = 1.0
    while t < due + MAX_LATE:
        noise = math.exp(0.6 * math.log(noise) + rng.normal(0, 0.18))  # persistent block-to-block noise
        r = rate * noise * (factor if t >= change_at else 1.0)
        if stall_at <= t < stall_at + stall_len:
            r = 0.0
        if r > 0 and p + r * BLOCK >= 100:
            finish = t + (100 - p) / r
            days.append(finish)
            values.append(100.0)
            return np.array(days), np.array(values), math.floor(finish)
        t += BLOCK
        p += r * BLOCK
        days.append(t)
        values.append(p)
    return np.array(days), np.array(values), math.nan


def simulate(n: int, seed: int = 57, kpi_series: int | None = None) -> History:
    """``n`` simulated tasks (and ``kpi_series`` KPI series, n // 10 by default, at least 30)."""
    if n < 1:
        raise ValueError("simulate at least one task")
    rng = np.random.default_rng(seed)
    start = np.empty(n)
    due = np.empty(n)
    completed = np.empty(n)
    o_task: list[int] = []
    o_day: list[float] = []
    o_pct: list[float] = []
    o_known: list[float] = []
    for i in range(n):
        s = EPOCH + int(rng.integers(0, 540))
        d = s + int(rng.integers(180, 900))
        start[i], due[i] = s, d
        days, values, finish = _path(rng, s, d)
        completed[i] = finish
        months = 1 if rng.random() < 0.3 else 3
        last = int(finish) if math.isfinite(finish) else d + MAX_LATE
        shown = 0.0
        for end in _period_ends(s, last, months):
            if end >= last or rng.random() < 0.1:  # finished by then, or the report is missing
                continue
            true = float(np.interp(end, days, values))
            value = true + rng.normal(0, 2.5)
            value = round(value / 5) * 5 if rng.random() < 0.4 else round(value)
            shown = min(max(shown, value, 0.0), 99.0)
            o_task.append(i)
            o_day.append(float(end))
            o_pct.append(shown)
            o_known.append(float(end + int(rng.integers(5, 26))))
    finished = completed[np.isfinite(completed)]
    end_day = int(
        max(
            finished.max() if len(finished) else 0,
            (due + MAX_LATE).max() if (~np.isfinite(completed)).any() else 0,
        )
    )
    kpis = [_series(rng, k) for k in range(kpi_series if kpi_series is not None else max(30, n // 10))]
    return History(
        source="simulated",
        task_ids=[f"S{i + 1}" for i in range(n)],
        start=start,
        due=due,
        completed=completed,
        obs_task=np.array(o_task, dtype=np.int64),
        obs_day=np.array(o_day),
        obs_pct=np.array(o_pct),
        obs_known=np.array(o_known),
        end=end_day,
        kpis=kpis,
        notes=[f"seed {seed}"],
    )


def _series(rng: np.random.Generator, k: int) -> KpiSeries:
    months = 1 if rng.random() < 0.4 else 3
    count = int(rng.integers(6, 25 if months == 1 else 13))
    first = EPOCH + int(rng.integers(0, 365))
    ends = np.array(_period_ends(first, first + 31 * 25 * months, months)[:count], dtype=float)
    x = np.arange(count, dtype=float)
    base = rng.uniform(20, 200)
    slope = base * rng.uniform(-0.02, 0.06)
    noise = abs(base) * rng.uniform(0.01, 0.06)
    roll = rng.random()
    if roll < 0.4:
        values = base + slope * x
    elif roll < 0.7:  # saturating growth towards a ceiling
        values = base + slope * (1 - 0.85**x) / 0.15
    elif roll < 0.9:  # random walk with drift
        values = base + np.cumsum(slope + rng.normal(0, noise, count))
    else:  # a level shift part-way
        values = base + slope * x + np.where(x >= rng.integers(2, count), rng.uniform(-0.2, 0.2) * base, 0.0)
    values = values + rng.normal(0, noise, count)
    known = ends + rng.integers(5, 26, count)
    return KpiSeries(f"K{k + 1}", ends, np.round(values, 2), known.astype(float))
