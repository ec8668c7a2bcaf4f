"""Alerts and the warning rule: GET /alerts (the list's filters, paginated with the count), one
alert, acknowledging it; GET/PUT /alert-rules (read by everyone signed in, set by system
administrators)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Query, Router, Schema

from resmon.agencies.api import AgencyRef, agency_ref
from resmon.core.apikit import PageQuery, PathId, paginate

from . import filters as alert_filters
from . import selectors, services
from .models import Alert, AlertKind, WarningRule
from .rules import RuleConfig

router = Router(tags=["alerts"])

KIND_LABELS = dict(AlertKind.choices)


class AlertFilters(Schema):
    agency: str | None = Field(None, description="Agency id: alerts concerning it or the agencies under it")
    kind: str | None = Field(None, description="One of: " + ", ".join(AlertKind.values))
    severity: str | None = Field(None, description="high, medium or low")
    state: str | None = Field(None, description="open (default), cleared or all")
    acknowledged: str | None = Field(None, description="yes or no")
    resolution: str | None = Field(None, description="Resolution id")
    q: str | None = Field(None, description="Words of the task's title or its code, the agency, the period")


class Ref(Schema):
    id: int
    label: str


class TaskRefOut(Schema):
    id: int
    code: str
    title: str


class AlertOut(Schema):
    id: int
    kind: str
    kind_label: str
    severity: str
    severity_label: str
    sentence: str = Field(..., description="What the alert says, in the caller's language")
    params: dict[str, Any] = Field(..., description="The numbers of the sentence")
    agency: AgencyRef = Field(..., description="The agency concerned")
    supervisor: AgencyRef = Field(..., description="The supervising agency")
    resolution_id: int | None
    task: TaskRefOut | None
    kpi_id: int | None
    milestone_id: int | None
    coordination_id: int | None
    period: Ref | None
    program_id: int | None
    report_id: int | None
    raised_on: dt.date
    last_seen_on: dt.date
    cleared_on: dt.date | None
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None
    ack_comment: str


class AlertPage(Schema):
    count: int
    items: list[AlertOut]


class AcknowledgeIn(Schema):
    comment: str = Field(..., max_length=services.COMMENT_MAX * 2)


def alert_out(a: Alert) -> dict[str, Any]:
    return {
        "id": a.pk,
        "kind": a.kind,
        "kind_label": str(KIND_LABELS.get(a.kind, a.kind)),
        "severity": a.severity,
        "severity_label": a.get_severity_display(),
        "sentence": a.sentence,
        "params": a.params,
        "agency": agency_ref(a.agency),
        "supervisor": agency_ref(a.supervisor),
        "resolution_id": a.resolution_id,
        "task": {"id": a.task.pk, "code": a.task.code, "title": a.task.title} if a.task is not None else None,
        "kpi_id": a.kpi_id,
        "milestone_id": a.milestone_id,
        "coordination_id": a.coordination_id,
        "period": {"id": a.period.pk, "label": a.period.label} if a.period is not None else None,
        "program_id": a.program_id,
        "report_id": a.report_id,
        "raised_on": a.raised_on,
        "last_seen_on": a.last_seen_on,
        "cleared_on": a.cleared_on,
        "acknowledged_by": a.acknowledged_by.get_username() if a.acknowledged_by is not None else None,
        "acknowledged_at": a.acknowledged_at,
        "ack_comment": a.ack_comment,
    }


@router.get("/alerts", response=AlertPage, summary="Alerts in the caller's scope, newest first")
def list_alerts(request, filters: Query[AlertFilters], page: Query[PageQuery]):
    f = alert_filters.parse(request.auth, filters.dict(), strict=True)
    qs = selectors.alerts_for(request.auth, **f.selector_kwargs()).select_related(
        "supervisor", "acknowledged_by"
    )
    return paginate(qs, page, alert_out)


@router.get("/alerts/{alert_id}", response=AlertOut, summary="One alert")
def get_alert(request, alert_id: PathId):
    return alert_out(selectors.get_alert(request.auth, alert_id))


@router.post(
    "/alerts/{alert_id}/acknowledge",
    response=AlertOut,
    summary="Acknowledge an alert with a comment (the agency concerned or the supervising agency)",
)
def acknowledge_alert(request, alert_id: PathId, payload: AcknowledgeIn):
    selectors.get_alert(request.auth, alert_id)  # outside the scope: 404
    services.acknowledge(request.auth, alert_id, payload.comment)
    return alert_out(selectors.get_alert(request.auth, alert_id))


# --- the rule ------------------------------------------------------------------------------------


class AlertRuleIn(Schema):
    enabled: list[str] = Field(..., description="The kinds in force: " + ", ".join(AlertKind.values))
    due_soon_days: int = Field(..., description="Due-soon window in days (1–365)")
    behind_points: int = Field(..., description="Behind tolerance in percentage points (0–100)")
    stalled_days: int = Field(..., description="Days without progress before a task is stalled (1–730)")
    forecast_p_miss: Decimal = Field(
        ..., description="Forecast probability of missing the deadline (0.05–0.99)"
    )
    report_grace_days: int = Field(
        ..., description="Days after a report's due date before it is missing (0–365)"
    )
    milestone_grace_days: int = Field(
        ..., description="Days after a milestone's date before it is missed (0–365)"
    )
    coordination_grace_days: int = Field(
        ..., description="Days after a coordinating agency's due date before its part is late (0–365)"
    )
    version: int | None = Field(
        None, ge=0, le=2**31 - 1, description="The version read; a stale one is refused (409)"
    )


class AlertRuleOut(Schema):
    enabled: list[str]
    due_soon_days: int
    behind_points: int
    stalled_days: int
    forecast_p_miss: str
    report_grace_days: int
    milestone_grace_days: int
    coordination_grace_days: int
    is_default: bool = Field(..., description="True while nobody has set the rule")
    version: int
    updated_by: str | None
    updated_at: dt.datetime | None


def rule_out(row: WarningRule | None) -> dict[str, Any]:
    config: RuleConfig = selectors.config_of(row)
    return {
        "enabled": [k for k in AlertKind.values if k in config.enabled],
        **{name: getattr(config, name) for name in services.DAY_LIMITS},
        "forecast_p_miss": f"{Decimal(config.forecast_p_miss):.2f}",
        "is_default": row is None,
        "version": 0 if row is None else row.version,
        "updated_by": None if row is None else row.updated_by_name,
        "updated_at": None if row is None else row.updated_at,
    }


@router.get("/alert-rules", response=AlertRuleOut, summary="The warning rule in force")
def get_alert_rules(request):
    return rule_out(selectors.rule_row())


@router.put("/alert-rules", response=AlertRuleOut, summary="Set the warning rule (system administrators)")
def set_alert_rules(request, payload: AlertRuleIn):
    data = payload.dict()
    version = data.pop("version")
    services.set_rule(request.auth, expected_version=version, **data)
    return rule_out(selectors.rule_row())
