"""The rule and the inputs behind a score, as the page, the API and the Excel file show them: read
from the snapshot stored with the evaluation (the rule it was computed under, not today's)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from resmon.planning.bands import percent_text

from .models import Evaluation, Level, PeriodKind
from .scoring import Inputs, Rule, score

CRITERION_LABELS = {
    "on_time": gettext_lazy("On-time completion"),
    "progress": gettext_lazy("Progress against plan"),
    "kpi": gettext_lazy("KPI attainment"),
    "reporting": gettext_lazy("Reporting on time and complete"),
    "directives": gettext_lazy("Response to directives"),
}

CRITERION_RULES = {
    "on_time": gettext_lazy(
        "Tasks due in the period (current due date, up to the day judged; paused and cancelled tasks "
        "left out): the share completed on or before their due date."
    ),
    "progress": gettext_lazy(
        "Lowest-level tasks not completed on the day judged: the mean of actual ÷ expected progress "
        "(at most 1), expected along a straight line from the programme's issue date to the due date."
    ),
    "kpi": gettext_lazy(
        "KPIs of the tasks with an accepted value for a period ending in the period evaluated: the share "
        "on track against their trajectory (the KPI band rule)."
    ),
    "reporting": gettext_lazy(
        "Reports expected for the periods ending in the period evaluated, once due: (received + received "
        "on time) ÷ (2 × expected); a report sent late counts half."
    ),
    "directives": gettext_lazy(
        "Directives received in the period (not withdrawn), once due or answered: the share reported back "
        "on or before the due date."
    ),
}

# level -> (chip modifier, icon), the colours of the status chips (colour + icon + word)
LEVEL_LOOK = {
    Level.EXCELLENT: ("done-on-time", "bi-award-fill"),
    Level.GOOD: ("in-progress", "bi-hand-thumbs-up"),
    Level.DONE: ("not-started", "bi-check2"),
    Level.NOT_DONE: ("overdue", "bi-x-octagon"),
}


def _one(value: Decimal) -> Decimal:
    return Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CriterionRow:
    key: str
    label: str
    rule: str
    figures: str  # "12 of 15 tasks ..."
    rate: Decimal | None
    weight: int
    effective_weight: Decimal
    points: Decimal
    url: str

    @property
    def applicable(self) -> bool:
        return self.rate is not None

    # shown with one decimal, rounded half up (the template's number filter would cut the digits)
    @property
    def rate_shown(self) -> Decimal | None:
        return None if self.rate is None else _one(self.rate)

    @property
    def effective_weight_shown(self) -> Decimal:
        return _one(self.effective_weight)

    @property
    def points_shown(self) -> Decimal:
        return _one(self.points)


def rule_of(ev: Evaluation) -> Rule:
    return Rule.from_dict(ev.inputs.get("rule", {}))


def inputs_of(ev: Evaluation) -> Inputs:
    return Inputs.from_dict(ev.inputs.get("inputs", {}))


def as_of(ev: Evaluation) -> dt.date:
    raw = ev.inputs.get("as_of")
    return dt.date.fromisoformat(raw) if raw else ev.window_end


def _url(name: str, params: dict[str, Any]) -> str:
    try:
        return reverse(name) + "?" + urlencode(params)
    except NoReverseMatch:
        return ""


def _figures(key: str, i: Inputs) -> str:
    if key == "on_time":
        return _("%(part)s of %(whole)s tasks due completed on time") % {
            "part": i.tasks_on_time,
            "whole": i.tasks_due,
        }
    if key == "progress":
        return _("%(n)s tasks in progress, sum of their ratios %(sum)s") % {
            "n": i.progress_tasks,
            "sum": number_format(
                i.progress_sum.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), 2, use_l10n=True
            ),
        }
    if key == "kpi":
        return _("%(part)s of %(whole)s KPIs assessed on track") % {
            "part": i.kpis_on_track,
            "whole": i.kpis_assessed,
        }
    if key == "reporting":
        return _("%(received)s of %(expected)s expected reports received, %(on_time)s of them on time") % {
            "received": i.reports_received,
            "expected": i.reports_expected,
            "on_time": i.reports_on_time,
        }
    return _("%(part)s of %(whole)s directives reported back on time") % {
        "part": i.directives_answered_on_time,
        "whole": i.directives_received,
    }


def _links(ev: Evaluation) -> dict[str, str]:
    day = as_of(ev)
    links = {
        "on_time": _url(
            "web:task_list",
            {"agency": ev.agency_id, "due_from": ev.window_start.isoformat(), "due_to": day.isoformat()},
        ),
        "progress": _url("web:task_list", {"agency": ev.agency_id, "status": "open"}),
        "kpi": "",
        "reporting": "",
        "directives": "",
    }
    if ev.kind == PeriodKind.QUARTER and ev.period_id:
        links["kpi"] = _url("dashboards:kpis", {"agency": ev.agency_id, "period": ev.period_id})
        links["reporting"] = _url("reporting:completeness", {"agency": ev.agency_id, "period": ev.period_id})
    return links


def criteria(ev: Evaluation) -> list[CriterionRow]:
    """One row per criterion: what it counts, the figures, its rate, weight and points."""
    inputs = inputs_of(ev)
    result = score(inputs, rule_of(ev))
    links = _links(ev)
    return [
        CriterionRow(
            key=part.key,
            label=str(CRITERION_LABELS[part.key]),
            rule=str(CRITERION_RULES[part.key]),
            figures=_figures(part.key, inputs),
            rate=part.rate,
            weight=part.weight,
            effective_weight=part.effective_weight,
            points=part.points,
            url=links.get(part.key, ""),
        )
        for part in result.parts
    ]


def not_applicable(rows: list[CriterionRow]) -> list[str]:
    return [r.label for r in rows if not r.applicable]


def level_label(value: str) -> str:
    return str(Level(value).label) if value in Level.values else ""


def bands_text(rule: Rule) -> str:
    return _(
        "Excellently completed: from %(excellent)s points; well completed: from %(good)s; completed: from "
        "%(passing)s; did not complete: below %(passing)s."
    ) % {
        "excellent": percent_text(rule.excellent_from),
        "good": percent_text(rule.good_from),
        "passing": percent_text(rule.pass_from),
    }


def cap_text(rule: Rule) -> str:
    return _(
        "Excellent at most %(cap)s%% of those rated at least good: the agencies rated excellent, divided by "
        "those rated excellent or good (the decided level, else the appraised one), may not exceed "
        "%(cap)s%%. The cap is flagged, not enforced: the competent body decides."
    ) % {"cap": percent_text(rule.cap_percent)}
