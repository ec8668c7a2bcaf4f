"""The task warning rules, as pure functions: the daily job and the backtest call the same code.

Each rule looks at the facts of one task on one day and either finds nothing or returns a
:class:`Finding` whose ``params`` are the numbers of the sentence that explains it ("due in 12
days, 35% done, 80% expected"). Sentences are rendered in the reader's language by
:func:`sentence`; the numbers are stored, never the text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from .models import AlertKind, Severity


@dataclass(frozen=True)
class RuleConfig:
    """The thresholds of the task rules (the defaults; the rule page can change them)."""

    due_soon_days: int = 60  # "due soon" window before the deadline
    behind_points: int = 15  # percentage points below the plan's expected progress
    stalled_days: int = 100  # no progress change for this long (about one quarter and a bit)
    forecast_p_miss: Decimal = Decimal("0.5")  # forecast probability of missing the deadline
    enabled: frozenset[str] = field(
        default_factory=lambda: frozenset(
            {AlertKind.OVERDUE, AlertKind.DUE_SOON_BEHIND, AlertKind.STALLED, AlertKind.FORECAST_LATE}
        )
    )


@dataclass(frozen=True)
class TaskFacts:
    """What the task rules need to know about one task on ``today``."""

    task_id: int
    start: dt.date | None  # when the work was planned to start (program or task start)
    due: dt.date | None  # current due date; None for ongoing or undated tasks
    percent: Decimal  # percent done as of today (last accepted value)
    completed_on: dt.date | None
    last_change_on: dt.date | None  # when the percent last changed (or first reported)
    p_miss: Decimal | None = None  # forecast probability of missing the deadline
    projected_on: dt.date | None = None  # forecast completion date
    active: bool = True  # paused or cancelled tasks raise nothing


@dataclass(frozen=True)
class Finding:
    kind: str
    severity: str
    params: dict


def expected_percent(start: dt.date | None, due: dt.date, today: dt.date) -> Decimal:
    """The progress a straight-line plan expects on ``today``, 0–100."""
    if start is None or start >= due:
        return Decimal(100) if today >= due else Decimal(0)
    share = Decimal((min(max(today, start), due) - start).days) / Decimal((due - start).days)
    return (share * 100).quantize(Decimal("1"))


def evaluate_task(facts: TaskFacts, today: dt.date, config: RuleConfig = RuleConfig()) -> list[Finding]:
    """Every finding of the task rules for one task on ``today`` (empty when all is well)."""
    if not facts.active or facts.completed_on is not None or facts.due is None:
        return []
    found: list[Finding] = []
    on = config.enabled
    days_left = (facts.due - today).days
    percent = Decimal(facts.percent).quantize(Decimal("1"))
    if days_left < 0:
        if AlertKind.OVERDUE in on:
            severity = Severity.HIGH if -days_left > 30 else Severity.MEDIUM
            found.append(Finding(AlertKind.OVERDUE, severity, {"days": -days_left, "percent": int(percent)}))
        return found
    if AlertKind.DUE_SOON_BEHIND in on and days_left <= config.due_soon_days:
        expected = expected_percent(facts.start, facts.due, today)
        if percent < expected - config.behind_points:
            severity = Severity.HIGH if days_left <= 15 else Severity.MEDIUM
            found.append(
                Finding(
                    AlertKind.DUE_SOON_BEHIND,
                    severity,
                    {"days": days_left, "percent": int(percent), "expected": int(expected)},
                )
            )
    if AlertKind.STALLED in on and facts.start is not None and facts.start <= today:
        since = facts.last_change_on or facts.start
        idle = (today - since).days
        if idle >= config.stalled_days:
            found.append(
                Finding(
                    AlertKind.STALLED,
                    Severity.MEDIUM,
                    {"days": idle, "percent": int(percent), "since": since.isoformat()},
                )
            )
    if AlertKind.FORECAST_LATE in on and facts.p_miss is not None and facts.p_miss >= config.forecast_p_miss:
        params: dict = {"probability": int((Decimal(facts.p_miss) * 100).quantize(Decimal("1")))}
        if facts.projected_on is not None:
            params["projected_on"] = facts.projected_on.isoformat()
            params["late_days"] = max(0, (facts.projected_on - facts.due).days)
        severity = Severity.HIGH if facts.p_miss >= Decimal("0.8") else Severity.MEDIUM
        found.append(Finding(AlertKind.FORECAST_LATE, severity, params))
    return found


def _date(value: str) -> str:
    day = dt.date.fromisoformat(value)
    return day.strftime("%d/%m/%Y")


def sentence(kind: str, params: dict) -> str:
    """The sentence that explains an alert, in the active language."""
    p = dict(params)
    if kind == AlertKind.OVERDUE:
        return _("Overdue by %(days)s days, %(percent)s%% done.") % p
    if kind == AlertKind.DUE_SOON_BEHIND:
        return _("Due in %(days)s days, %(percent)s%% done, %(expected)s%% expected by now.") % p
    if kind == AlertKind.STALLED:
        return _("No progress for %(days)s days (since %(since)s), still at %(percent)s%%.") % {
            **p,
            "since": _date(p["since"]),
        }
    if kind == AlertKind.FORECAST_LATE:
        if "projected_on" in p:
            return _(
                "Forecast to finish on %(projected_on)s, %(late_days)s days after the deadline; "
                "probability of missing it %(probability)s%%."
            ) % {**p, "projected_on": _date(p["projected_on"])}
        return _("Probability of missing the deadline %(probability)s%%.") % p
    return p.get("text", "")
