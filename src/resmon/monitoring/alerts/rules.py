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

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from resmon.planning.bands import AT_RISK, BEHIND, BandRule, attainment, band

from .models import LATE_RISK_KINDS, AlertKind, Severity

__all__ = [
    "ALL_KINDS",
    "LATE_RISK_KINDS",
    "CoordinationFacts",
    "Finding",
    "KpiFacts",
    "MilestoneFacts",
    "ReportFacts",
    "RuleConfig",
    "TaskFacts",
    "evaluate_coordination",
    "evaluate_kpi",
    "evaluate_milestone",
    "evaluate_report",
    "evaluate_task",
    "expected_percent",
    "sentence",
]

LATE_HIGH_DAYS = 30  # late by more than this: high severity (overdue, reports, milestones, parts)


ALL_KINDS = frozenset(AlertKind.values)


@dataclass(frozen=True)
class RuleConfig:
    """The thresholds of the rules (the defaults; the rule page can change them)."""

    due_soon_days: int = 60  # "due soon" window before the deadline
    behind_points: int = 15  # percentage points below the plan's expected progress
    # stalled and forecast thresholds chosen by the backtest (docs/decisions/016-forecasting-methods.md):
    # at 100 days and 0.5 fewer than half of the warned tasks ended late
    stalled_days: int = 200  # no progress change for this long (two quarterly reports and a bit)
    forecast_p_miss: Decimal = Decimal("0.8")  # forecast probability of missing the deadline
    enabled: frozenset[str] = field(default_factory=lambda: ALL_KINDS)
    report_grace_days: int = 5  # a report not sent this many days after its due date is missing
    milestone_grace_days: int = 7  # a milestone not done this many days after its date is missed
    coordination_grace_days: int = 7  # a coordinating agency's part this many days late


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
            severity = Severity.HIGH if -days_left > LATE_HIGH_DAYS else Severity.MEDIUM
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


@dataclass(frozen=True)
class KpiFacts:
    """A task KPI's latest accepted value against the value its trajectory plans for that period."""

    kpi_id: int
    indicator: str  # the indicator's name (data, shown as it is)
    unit: str
    direction: str  # "higher" or "lower" is better
    period: str  # the label of the period the value is for
    value: Decimal | None
    planned: Decimal | None
    active: bool = True  # paused, cancelled or completed tasks raise nothing


def _number(value: Decimal) -> str:
    """A value as stored in params: plain digits, no exponent, no trailing zeros."""
    text = f"{Decimal(value).normalize():f}"
    return text


def evaluate_kpi(
    facts: KpiFacts, band_rule: BandRule | None = None, config: RuleConfig = RuleConfig()
) -> Finding | None:
    """KPI off its trajectory: the band of the KPI dashboard (``planning.bands``) under the rule in
    force; at risk is high, behind is medium; on track or not assessable raises nothing."""
    if not facts.active or AlertKind.KPI_OFF_TRACK not in config.enabled:
        return None
    percent = attainment(facts.value, facts.planned, facts.direction)
    found = band(percent, band_rule)
    if found not in (AT_RISK, BEHIND) or percent is None:
        return None
    assert facts.value is not None and facts.planned is not None
    return Finding(
        AlertKind.KPI_OFF_TRACK,
        Severity.HIGH if found == AT_RISK else Severity.MEDIUM,
        {
            "indicator": facts.indicator,
            "unit": facts.unit,
            "period": facts.period,
            "value": _number(facts.value),
            "planned": _number(facts.planned),
            "attainment": _number(percent),
            "band": found,
        },
    )


@dataclass(frozen=True)
class ReportFacts:
    """One expected period report: when it was due and when (if ever) it was first sent."""

    period: str  # the period's label
    due: dt.date
    sent_on: dt.date | None  # the day it was first sent (deployment time zone), None if not sent
    is_late: bool = False  # fixed when it was first sent


def evaluate_report(facts: ReportFacts, today: dt.date, config: RuleConfig = RuleConfig()) -> Finding | None:
    """Report missing: not sent ``report_grace_days`` after its due date (high after a month);
    report late: sent after its due date (low)."""
    if facts.sent_on is None:
        late = (today - facts.due).days
        if AlertKind.REPORT_MISSING not in config.enabled or late <= config.report_grace_days:
            return None
        severity = Severity.HIGH if late > LATE_HIGH_DAYS else Severity.MEDIUM
        return Finding(
            AlertKind.REPORT_MISSING,
            severity,
            {"period": facts.period, "due": facts.due.isoformat(), "days": late},
        )
    if not facts.is_late or AlertKind.REPORT_LATE not in config.enabled:
        return None
    return Finding(
        AlertKind.REPORT_LATE,
        Severity.LOW,
        {
            "period": facts.period,
            "due": facts.due.isoformat(),
            "sent_on": facts.sent_on.isoformat(),
            "days": max(1, (facts.sent_on - facts.due).days),
        },
    )


@dataclass(frozen=True)
class MilestoneFacts:
    name: str
    due: dt.date
    done_on: dt.date | None
    active: bool = True  # the task is active and not completed


def evaluate_milestone(
    facts: MilestoneFacts, today: dt.date, config: RuleConfig = RuleConfig()
) -> Finding | None:
    """Milestone missed: its date plus ``milestone_grace_days`` has passed and it is not done."""
    if not facts.active or facts.done_on is not None or AlertKind.MILESTONE_MISSED not in config.enabled:
        return None
    late = (today - facts.due).days
    if late <= config.milestone_grace_days:
        return None
    severity = Severity.HIGH if late > LATE_HIGH_DAYS else Severity.MEDIUM
    return Finding(
        AlertKind.MILESTONE_MISSED, severity, {"name": facts.name, "due": facts.due.isoformat(), "days": late}
    )


@dataclass(frozen=True)
class CoordinationFacts:
    agency: str  # the coordinating agency's name
    part: str  # its part of the deliverable ("" when not described)
    due: dt.date | None
    delivered_on: dt.date | None
    active: bool = True  # the task is active and not completed


def evaluate_coordination(
    facts: CoordinationFacts, today: dt.date, config: RuleConfig = RuleConfig()
) -> Finding | None:
    """Coordination late: the coordinating agency's part is ``coordination_grace_days`` past its
    due date and not delivered."""
    if (
        not facts.active
        or facts.due is None
        or facts.delivered_on is not None
        or AlertKind.COORDINATION_LATE not in config.enabled
    ):
        return None
    late = (today - facts.due).days
    if late <= config.coordination_grace_days:
        return None
    severity = Severity.HIGH if late > LATE_HIGH_DAYS else Severity.MEDIUM
    return Finding(
        AlertKind.COORDINATION_LATE,
        severity,
        {"agency": facts.agency, "part": facts.part, "due": facts.due.isoformat(), "days": late},
    )


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
    if kind == AlertKind.KPI_OFF_TRACK:
        unit = f" {p['unit']}" if p.get("unit") else ""
        return _(
            "%(indicator)s: %(value)s%(unit)s in %(period)s against %(planned)s%(unit)s planned "
            "(%(attainment)s%% of plan)."
        ) % {
            **p,
            "unit": unit,
            "value": _decimal(p["value"]),
            "planned": _decimal(p["planned"]),
            "attainment": _decimal(p["attainment"]),
        }
    if kind == AlertKind.REPORT_MISSING:
        text = _(
            "The report for %(period)s was due on %(due)s and has not been sent: %(days)s days late."
        ) % {**p, "due": _date(p["due"])}
        if p.get("missing", 1) > 1:
            text += " " + _("%(missing)s reports of the last year have not been sent.") % p
        return text
    if kind == AlertKind.REPORT_LATE:
        return _(
            "The report for %(period)s was sent on %(sent_on)s, %(days)s days after its due date %(due)s."
        ) % {
            **p,
            "due": _date(p["due"]),
            "sent_on": _date(p["sent_on"]),
        }
    if kind == AlertKind.MILESTONE_MISSED:
        return _("Milestone “%(name)s” was due on %(due)s and is not done: %(days)s days late.") % {
            **p,
            "due": _date(p["due"]),
        }
    if kind == AlertKind.COORDINATION_LATE:
        if p.get("part"):
            return _(
                "%(agency)s has not delivered its part (“%(part)s”), due on %(due)s: %(days)s days late."
            ) % {**p, "due": _date(p["due"])}
        return _("%(agency)s has not delivered its part, due on %(due)s: %(days)s days late.") % {
            **p,
            "due": _date(p["due"]),
        }
    return p.get("text", "")


def _decimal(value: str) -> str:
    """A stored number in the reader's notation (1.234,5 in Vietnamese)."""
    number = Decimal(value)
    exponent = number.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return number_format(number, decimal_pos=min(places, 4), use_l10n=True, force_grouping=True)
