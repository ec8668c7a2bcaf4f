"""Shared steps of the alert tests."""

from __future__ import annotations

import datetime as dt

from resmon.audit.models import AuditEntry
from resmon.monitoring.alerts.models import Alert
from resmon.planning.models import ActionProgram, Task

ISSUED_ON = dt.date(2025, 2, 1)


def issue_programs() -> None:
    ActionProgram.objects.update(status=ActionProgram.Status.ISSUED, issued_on=ISSUED_ON)


def set_due(task: Task, due: dt.date | None) -> Task:
    Task.objects.filter(pk=task.pk).update(due_date=due, original_due_date=due)
    task.refresh_from_db()
    return task


def open_alerts(**filters) -> list[Alert]:
    return list(Alert.objects.filter(cleared_on__isnull=True, **filters).order_by("pk"))


def alert_of(kind: str, **filters) -> Alert:
    return Alert.objects.get(kind=kind, cleared_on__isnull=True, **filters)


def snapshot() -> list[tuple]:
    """Every alert row as it stands (to prove a run changed nothing)."""
    return list(
        Alert.objects.order_by("pk").values_list(
            "pk", "key", "severity", "params", "raised_on", "last_seen_on", "cleared_on", "updated_at"
        )
    )


def audits(action: str):
    return AuditEntry.objects.filter(action=action).order_by("pk")
