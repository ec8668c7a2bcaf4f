"""Reads of alerts and of the warning rule, always scoped: an alert is seen by whoever sees its
agency concerned or its supervising agency (their subtrees and the levels above them, inspectors
over them), and by the steering committee of its resolution."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from resmon.core.access import get_visible_or_404, visible_to

from .models import RULE_SINGLETON_ID, Alert, AlertKind, Severity, WarningRule
from .rules import RuleConfig

OPEN = "open"
CLEARED = "cleared"
ALL = "all"
STATES = (OPEN, CLEARED, ALL)
SEVERITY_ORDER = (Severity.HIGH, Severity.MEDIUM, Severity.LOW)


# --- the rule ----------------------------------------------------------------------------------


def rule_row() -> WarningRule | None:
    """The stored rule (who set it and when), None while the defaults apply. Public to everyone
    signed in: it is written on the alert pages."""
    return WarningRule.objects.filter(pk=RULE_SINGLETON_ID).select_related("updated_by").first()


def config_of(row: WarningRule | None) -> RuleConfig:
    if row is None:
        return RuleConfig()
    return RuleConfig(
        due_soon_days=row.due_soon_days,
        behind_points=row.behind_points,
        stalled_days=row.stalled_days,
        forecast_p_miss=Decimal(row.forecast_p_miss),
        enabled=frozenset(k for k in row.enabled_kinds if k in AlertKind.values),
        report_grace_days=row.report_grace_days,
        milestone_grace_days=row.milestone_grace_days,
        coordination_grace_days=row.coordination_grace_days,
    )


def current_rule() -> RuleConfig:
    """The thresholds in force: the stored rule, or the defaults of ``rules.RuleConfig``."""
    return config_of(rule_row())


# --- alerts ------------------------------------------------------------------------------------


def _related() -> QuerySet[Alert]:
    """What one alert's page shows."""
    return Alert.objects.select_related(
        "agency",
        "supervisor",
        "resolution",
        "task",
        "period",
        "program",
        "acknowledged_by",
    )


def alerts_visible(user: Any) -> QuerySet[Alert]:
    """What a list row shows (few joins: planning a query with eight costs more than running it)."""
    return visible_to(user, Alert.objects.select_related("agency", "task", "period"))


def _state_q(state: str) -> Q:
    if state == CLEARED:
        return Q(cleared_on__isnull=False)
    if state == ALL:
        return Q()
    return Q(cleared_on__isnull=True)


def alerts_for(
    user: Any,
    *,
    agency: Any = None,
    kind: str | None = None,
    severity: str | None = None,
    state: str = OPEN,
    acknowledged: bool | None = None,
    resolution: Any = None,
    q: str | None = None,
    task: Any = None,
) -> QuerySet[Alert]:
    """The alerts the user sees, newest first: ``agency`` limits them to the agencies concerned
    inside its subtree (an Agency already checked visible); ``state`` open (default), cleared or
    all; ``q`` searches the task's title and code, the agency's name and the report's period."""
    qs = alerts_visible(user).filter(_state_q(state))
    if agency is not None:
        qs = qs.filter(agency_path__startswith=agency.path)
    if kind:
        qs = qs.filter(kind=kind)
    if severity:
        qs = qs.filter(severity=severity)
    if acknowledged is True:
        qs = qs.filter(acknowledged_at__isnull=False)
    elif acknowledged is False:
        qs = qs.filter(acknowledged_at__isnull=True)
    if resolution is not None:
        qs = qs.filter(resolution_id=getattr(resolution, "pk", resolution))
    if task is not None:
        qs = qs.filter(task_id=getattr(task, "pk", task))
    text = (q or "").strip()
    if text:
        qs = qs.filter(
            Q(task__title__icontains=text)
            | Q(task__code__iexact=text)
            | Q(agency__name__icontains=text)
            | Q(period__label__icontains=text)
        )
    return qs.order_by("-raised_on", "-id")


def counts_by_kind(qs: QuerySet[Alert]) -> dict[str, int]:
    """How many alerts of ``qs`` there are of each kind (every kind present, in AlertKind order)."""
    counts = dict.fromkeys(AlertKind.values, 0)
    for kind, n in qs.order_by().values_list("kind").annotate(n=Count("*")).values_list("kind", "n"):
        counts[kind] = n
    return counts


def counts_by_severity(qs: QuerySet[Alert]) -> dict[str, int]:
    counts = {s.value: 0 for s in SEVERITY_ORDER}
    for severity, n in (
        qs.order_by().values_list("severity").annotate(n=Count("*")).values_list("severity", "n")
    ):
        counts[severity] = n
    return counts


def open_alert_counts(user: Any, *, agency: Any = None, resolution: Any = None) -> dict[str, int]:
    """Open alerts in the user's scope per severity, and their ``total``."""
    counts = counts_by_severity(alerts_for(user, agency=agency, resolution=resolution))
    counts["total"] = sum(counts.values())
    return counts


def open_alert_total(user: Any, *, agency: Any = None, resolution: Any = None) -> int:
    return alerts_for(user, agency=agency, resolution=resolution).order_by().count()


def attention(user: Any, *, limit: int = 5) -> list[Alert]:
    """The open high and medium alerts in the user's scope, high first, newest first (the home card)."""
    qs = alerts_for(user).filter(severity__in=[Severity.HIGH, Severity.MEDIUM])
    return list(qs.order_by(_severity_order(), "-raised_on", "-id")[:limit])


def _severity_order() -> Case:
    return Case(
        *(When(severity=s, then=Value(i)) for i, s in enumerate(SEVERITY_ORDER)),
        default=Value(9),
        output_field=IntegerField(),
    )


def task_alerts(user: Any, task: Any) -> QuerySet[Alert]:
    """The open alerts about one task the user sees, highest severity first."""
    return alerts_for(user, task=task).order_by(_severity_order(), "-raised_on", "-id")


def get_alert(user: Any, pk: Any) -> Alert:
    """One alert the user sees; NotFound (a 404) otherwise."""
    return get_visible_or_404(
        user,
        _related().select_related("kpi__indicator_version", "milestone", "coordination", "report"),
        pk=pk,
    )


def days_open(alert: Alert, today: dt.date) -> int:
    end = alert.cleared_on or today
    return max(0, (end - alert.raised_on).days)
