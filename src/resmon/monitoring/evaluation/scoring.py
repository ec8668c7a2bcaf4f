"""The evaluation score as pure functions (no database): the inputs of one agency in, the score,
the proposed level and the part of each criterion out. The page, the API and the Excel file show
these numbers; the gathering of the inputs lives in ``inputs.py``.

**Criteria** (each a rate from 0 to 1; ``None`` = not applicable, no data):

* ``on_time`` – on-time completion: of the tasks due in the window (current due date, up to the day
  the evaluation is computed), those completed on or before their due date;
* ``progress`` – progress against plan: the mean of ``min(1, actual / expected)`` over the tasks in
  progress, expected by the straight-line plan from the programme's issue date to the due date;
* ``kpi`` – KPI attainment: of the KPIs that could be assessed in the window, those on track;
* ``reporting`` – reporting timeliness and completeness: ``(received + on time) / (2 × expected)``
  over the reports expected for the periods ending in the window (a report sent late counts half);
* ``directives`` – response to directives: of the directives received in the window (and due, or
  already answered), those reported back on or before their due date.

**Score**: the weighted mean of the applicable criteria, times 100: a criterion without data is
left out and its weight is spread over the others in proportion to theirs. Rounded half up to one
decimal. No applicable criterion (or only weights of 0): no score and no proposed level.

**Level** by the bands: excellent from ``excellent_from`` (90), good from ``good_from`` (70),
completed from ``pass_from`` (50), not completed below it.

**Cap**: excellent at most ``cap_percent`` (20 %) of those rated at least good, i.e. the share of
"excellent" among "excellent + good" (the levels decided, or appraised while not decided yet).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .models import (
    CRITERIA,
    DEFAULT_CAP_PERCENT,
    DEFAULT_EXCELLENT_FROM,
    DEFAULT_GOOD_FROM,
    DEFAULT_PASS_FROM,
    DEFAULT_WEIGHTS,
    Level,
)

HUNDRED = Decimal(100)
ONE = Decimal(1)
SCORE_STEP = Decimal("0.1")
RATE_STEP = Decimal("0.0001")


@dataclass(frozen=True)
class Rule:
    """The weights (whole points summing to 100), the three thresholds and the cap."""

    weights: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    excellent_from: Decimal = DEFAULT_EXCELLENT_FROM
    good_from: Decimal = DEFAULT_GOOD_FROM
    pass_from: Decimal = DEFAULT_PASS_FROM
    cap_percent: Decimal = DEFAULT_CAP_PERCENT
    version: int = 0

    def as_dict(self) -> dict:
        """The rule as stored with each evaluation (what the score was computed under)."""
        return {
            "version": self.version,
            "weights": {k: int(self.weights.get(k, 0)) for k in CRITERIA},
            "excellent_from": str(self.excellent_from),
            "good_from": str(self.good_from),
            "pass_from": str(self.pass_from),
            "cap_percent": str(self.cap_percent),
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> Rule:
        return cls(
            weights={k: int(data.get("weights", {}).get(k, 0)) for k in CRITERIA},
            excellent_from=Decimal(str(data.get("excellent_from", DEFAULT_EXCELLENT_FROM))),
            good_from=Decimal(str(data.get("good_from", DEFAULT_GOOD_FROM))),
            pass_from=Decimal(str(data.get("pass_from", DEFAULT_PASS_FROM))),
            cap_percent=Decimal(str(data.get("cap_percent", DEFAULT_CAP_PERCENT))),
            version=int(data.get("version", 0)),
        )


@dataclass
class Inputs:
    """The counts behind the five criteria for one agency and one window."""

    tasks_due: int = 0
    tasks_on_time: int = 0
    progress_sum: Decimal = Decimal(0)  # the sum of min(1, actual / expected) over the tasks counted
    progress_tasks: int = 0
    kpis_assessed: int = 0
    kpis_on_track: int = 0
    reports_expected: int = 0
    reports_received: int = 0
    reports_on_time: int = 0
    directives_received: int = 0
    directives_answered_on_time: int = 0

    def as_dict(self) -> dict:
        return {
            "tasks_due": self.tasks_due,
            "tasks_on_time": self.tasks_on_time,
            "progress_sum": str(self.progress_sum.quantize(RATE_STEP, rounding=ROUND_HALF_UP)),
            "progress_tasks": self.progress_tasks,
            "kpis_assessed": self.kpis_assessed,
            "kpis_on_track": self.kpis_on_track,
            "reports_expected": self.reports_expected,
            "reports_received": self.reports_received,
            "reports_on_time": self.reports_on_time,
            "directives_received": self.directives_received,
            "directives_answered_on_time": self.directives_answered_on_time,
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> Inputs:
        return cls(
            tasks_due=int(data.get("tasks_due", 0)),
            tasks_on_time=int(data.get("tasks_on_time", 0)),
            progress_sum=Decimal(str(data.get("progress_sum", "0"))),
            progress_tasks=int(data.get("progress_tasks", 0)),
            kpis_assessed=int(data.get("kpis_assessed", 0)),
            kpis_on_track=int(data.get("kpis_on_track", 0)),
            reports_expected=int(data.get("reports_expected", 0)),
            reports_received=int(data.get("reports_received", 0)),
            reports_on_time=int(data.get("reports_on_time", 0)),
            directives_received=int(data.get("directives_received", 0)),
            directives_answered_on_time=int(data.get("directives_answered_on_time", 0)),
        )


def _ratio(part: Decimal | int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return Decimal(part) / Decimal(whole)


def rates(inputs: Inputs) -> dict[str, Decimal | None]:
    """Each criterion's rate (0..1, unrounded), None when it has no data."""
    return {
        "on_time": _ratio(inputs.tasks_on_time, inputs.tasks_due),
        "progress": _ratio(inputs.progress_sum, inputs.progress_tasks),
        "kpi": _ratio(inputs.kpis_on_track, inputs.kpis_assessed),
        "reporting": _ratio(inputs.reports_received + inputs.reports_on_time, 2 * inputs.reports_expected),
        "directives": _ratio(inputs.directives_answered_on_time, inputs.directives_received),
    }


def progress_ratio(actual: Decimal, expected: Decimal) -> Decimal | None:
    """One task's progress against its plan: ``min(1, actual / expected)``; None when nothing was
    expected yet (the plan has not started)."""
    if expected <= 0:
        return None
    return min(ONE, max(Decimal(0), Decimal(actual)) / Decimal(expected))


@dataclass(frozen=True)
class Part:
    """One criterion in the score: its rate (percent, 2 decimals), its weight in the rule, the weight
    it carries once the criteria without data are left out, and the points it brings."""

    key: str
    rate: Decimal | None  # percent, 0..100
    weight: int
    effective_weight: Decimal  # percent of the score, 0..100 (0 when not applicable)
    points: Decimal  # rate × effective weight / 100

    @property
    def applicable(self) -> bool:
        return self.rate is not None


@dataclass(frozen=True)
class Result:
    score: Decimal | None
    level: str  # a Level value, or "" without a score
    parts: tuple[Part, ...]

    @property
    def not_applicable(self) -> list[str]:
        return [p.key for p in self.parts if not p.applicable]


def level_for(score: Decimal | None, rule: Rule) -> str:
    if score is None:
        return ""
    if score >= rule.excellent_from:
        return Level.EXCELLENT.value
    if score >= rule.good_from:
        return Level.GOOD.value
    if score >= rule.pass_from:
        return Level.DONE.value
    return Level.NOT_DONE.value


def score(inputs: Inputs, rule: Rule) -> Result:
    """The score, the proposed level and the part of each criterion (see the module)."""
    found = rates(inputs)
    total = sum((Decimal(rule.weights.get(k, 0)) for k in CRITERIA if found[k] is not None), Decimal(0))
    parts = []
    exact = Decimal(0)
    for key in CRITERIA:
        rate = found[key]
        weight = int(rule.weights.get(key, 0))
        share = Decimal(0) if rate is None or total == 0 else Decimal(weight) / total
        points = (rate or Decimal(0)) * share * HUNDRED
        exact += points
        parts.append(
            Part(
                key=key,
                rate=None
                if rate is None
                else (rate * HUNDRED).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
                weight=weight,
                effective_weight=(share * HUNDRED).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
                points=points.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
            )
        )
    if total == 0:
        return Result(None, "", tuple(parts))
    value = exact.quantize(SCORE_STEP, rounding=ROUND_HALF_UP)
    return Result(value, level_for(value, rule), tuple(parts))


@dataclass(frozen=True)
class CapCheck:
    """The cap on "excellent": counts of the levels that count (decided, else appraised)."""

    excellent: int
    good: int
    cap_percent: Decimal

    @property
    def at_least_good(self) -> int:
        return self.excellent + self.good

    @property
    def limit(self) -> int:
        """The most "excellent" levels the cap allows among those rated at least good (rounded down)."""
        return int(
            (Decimal(self.at_least_good) * self.cap_percent / HUNDRED).to_integral_value(
                rounding="ROUND_FLOOR"
            )
        )

    @property
    def share(self) -> Decimal | None:
        """The share of excellent among those rated at least good, in percent (one decimal)."""
        if not self.at_least_good:
            return None
        return (Decimal(self.excellent) * HUNDRED / Decimal(self.at_least_good)).quantize(
            SCORE_STEP, rounding=ROUND_HALF_UP
        )

    @property
    def exceeded(self) -> bool:
        """More excellent than ``cap_percent`` of those rated at least good (exact comparison)."""
        return self.excellent * HUNDRED > self.cap_percent * self.at_least_good


def cap_check(levels: Iterable[str], cap_percent: Decimal) -> CapCheck:
    """The cap over ``levels`` (the final levels: blank ones, not yet appraised, are ignored)."""
    excellent = good = 0
    for level in levels:
        if level == Level.EXCELLENT:
            excellent += 1
        elif level == Level.GOOD:
            good += 1
    return CapCheck(excellent=excellent, good=good, cap_percent=Decimal(cap_percent))
