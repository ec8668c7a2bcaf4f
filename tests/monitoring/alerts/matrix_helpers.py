"""Alerts for the permission matrix (tests/test_permission_matrix.py): open alerts in three scopes
(a Hà Nội commune's task, Hồ Chí Minh City's, a ministry's), made with the ORM once per world.
The matrix's acknowledgement has no comment: refused (400) or not allowed (403), nothing changes."""

from __future__ import annotations

import datetime as dt

from resmon.monitoring.alerts import selectors
from resmon.monitoring.alerts.models import Alert, AlertKind, Severity

KINDS = ("alert",)


def _make(world) -> None:
    day = dt.date(2026, 3, 17)
    for key, task in (
        ("hni_xa", world.tasks["hni_xa"]),
        ("hcm", world.tasks["hcm"]),
        ("ministry", world.tasks["ministry"]),
    ):
        Alert.objects.create(
            kind=AlertKind.OVERDUE,
            severity=Severity.HIGH,
            key=f"overdue:task:{task.pk}",
            agency=task.lead_agency,
            supervisor=task.assigned_by,
            agency_path=task.lead_agency.path,
            supervisor_path=task.assigned_by.path,
            resolution=task.resolution,
            task=task,
            params={"days": 40, "percent": 10},
            raised_on=day,
            last_seen_on=day,
        )


def matrix_objects(world, kind: str) -> list:
    if not Alert.objects.exists():
        _make(world)
    return list(Alert.objects.order_by("pk"))


def matrix_visible_ids(user, kind: str) -> set[int]:
    return set(selectors.alerts_for(user, state=selectors.ALL).values_list("pk", flat=True))
