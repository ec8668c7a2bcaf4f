"""Deadlines and progress of demo tasks, judged against the real "today".

Leaf tasks get a plausible history: a share completed on time, some completed late, some
overdue and unfinished, some not started, a few paused or cancelled with a reason. Parents
only carry the dates their children imply (percent done stays 0: roll-up is derived).
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from collections.abc import Sequence
from decimal import Decimal

from resmon.planning.models import Task
from resmon.planning.status import TaskState

from .vocab import CANCEL_REASONS, PAUSE_REASONS

LAST_DUE = dt.date(2027, 12, 31)


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return month_end(index // 12, index % 12 + 1)


def pick_due(rng: random.Random, start: dt.date, latest: dt.date | None = None) -> dt.date:
    """A month end 2 to 24 months after ``start`` (quarter ends preferred), never after ``latest``."""
    latest = min(latest or LAST_DUE, LAST_DUE)
    due = add_months(start, rng.randint(2, 24))
    if rng.random() < 0.6:  # snap to the end of the quarter
        due = add_months(due, (3 - due.month % 3) % 3)
    earliest = start + dt.timedelta(days=30)
    if due > latest:
        due = latest
    return max(due, min(earliest, latest))


def _day_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    if last <= first:
        return first
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def set_deadline(task: Task, rng: random.Random, due: dt.date | None, review: str = "") -> None:
    """Dated task (about 5% with an extension, the original deadline kept) or ongoing."""
    if due is None:
        task.ongoing = True
        task.review_period = review or "quarter"
        task.due_date = task.original_due_date = None
        return
    task.due_date = due
    task.original_due_date = due
    if rng.random() < 0.05:
        task.original_due_date = add_months(due, -rng.choice((1, 2, 3, 6)))


def set_leaf_progress(task: Task, rng: random.Random, start: dt.date, today: dt.date) -> None:
    """The history of a leaf task that began with its programme on ``start``."""
    horizon = min(today, LAST_DUE)
    if start >= horizon:
        return  # nothing can have happened yet
    roll = rng.random()
    if roll < 0.02:
        _stop(task, rng, start, horizon, TaskState.PAUSED, PAUSE_REASONS)
        return
    if roll < 0.03:
        _stop(task, rng, start, horizon, TaskState.CANCELLED, CANCEL_REASONS)
        return
    due = None if task.ongoing else task.due_date
    roll = rng.random()
    if due is None:
        if roll < 0.85:
            _started(task, rng, start, horizon, low=20, high=90)
        return
    if due < today:
        if roll < 0.55:
            _completed(task, rng, start, min(due, horizon))
        elif roll < 0.75:
            if due + dt.timedelta(days=3) <= horizon:
                first = _started(task, rng, start, due)
                task.completed_on = _day_between(
                    rng, due + dt.timedelta(days=3), min(due + dt.timedelta(days=120), horizon)
                )
                task.first_progress_on = min(first, task.completed_on)
                task.percent_done = Decimal(100)
            else:
                _completed(task, rng, start, min(due, horizon))
        elif roll < 0.92:
            _started(task, rng, start, min(due, horizon), low=15, high=90)
        # else: overdue without any progress reported
        return
    if roll < 0.12:
        _completed(task, rng, start, horizon)
    elif roll < 0.75:
        span = max((due - start).days, 1)
        elapsed = max(0.05, min(0.95, (horizon - start).days / span))
        _started(task, rng, start, horizon, low=int(elapsed * 40) + 5, high=int(elapsed * 90) + 5)
    # else: not started yet


def _started(
    task: Task, rng: random.Random, start: dt.date, last: dt.date, low: int = 5, high: int = 90
) -> dt.date:
    first = _day_between(rng, start + dt.timedelta(days=7), last)
    first = min(first, last) if last >= start else start
    task.first_progress_on = first
    task.percent_done = Decimal(rng.randint(min(low, 95), min(max(high, low), 95)))
    return first


def _completed(task: Task, rng: random.Random, start: dt.date, last: dt.date) -> None:
    first = _started(task, rng, start, last)
    task.completed_on = _day_between(rng, first, last)
    task.percent_done = Decimal(100)


def _stop(
    task: Task, rng: random.Random, start: dt.date, last: dt.date, state: str, reasons: Sequence[str]
) -> None:
    task.state = state
    task.state_reason = rng.choice(reasons)
    if rng.random() < 0.6:
        _started(task, rng, start, last, low=5, high=60)


def set_completed(task: Task, rng: random.Random, start: dt.date, done_on: dt.date, today: dt.date) -> None:
    """A task known to be finished on ``done_on`` (if that day has come)."""
    if done_on > today:
        return
    task.first_progress_on = _day_between(rng, start, done_on)
    task.completed_on = done_on
    task.percent_done = Decimal(100)


def roll_up_dates(parent: Task, children: Sequence[Task]) -> None:
    """A parent reports progress once a child has; it is completed when all its children are."""
    firsts = [c.first_progress_on for c in children if c.first_progress_on]
    parent.first_progress_on = min(firsts) if firsts else None
    live = [c for c in children if c.state != TaskState.CANCELLED]
    if live and all(c.completed_on for c in live):
        parent.completed_on = max(c.completed_on for c in live)
    parent.percent_done = Decimal(0)
