"""Reads of task KPIs and deadline extensions. Both are seen by whoever sees their task."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db.models import Q, QuerySet

from resmon.catalogue.models import Indicator
from resmon.core import clock
from resmon.core.access import Role, get_visible_or_404, visible_to

from .models import DeadlineExtension, TargetPoint, Task, TaskIndicator
from .trajectory import Point, expected_value, points_of


def _visible_tasks(user: Any) -> QuerySet[Task]:
    return visible_to(user, Task.objects.all())


def active_indicators(user: Any, q: str = "") -> QuerySet[Indicator]:
    """Indicators that can be attached to a task: in use and defined."""
    qs = visible_to(user, Indicator.objects.filter(is_active=True, current__isnull=False))
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(current__name__icontains=q))
    return qs.select_related("current").order_by("code")


def task_kpis(user: Any, task: Task, *, today: dt.date | None = None) -> list[TaskIndicator]:
    """The KPIs of a task the user sees, each with ``points`` and ``expected_today``."""
    if not _visible_tasks(user).filter(pk=task.pk).exists():
        return []
    today = today or clock.today()
    kpis = list(
        TaskIndicator.objects.filter(task_id=task.pk)
        .select_related("indicator", "indicator_version")
        .prefetch_related("targets")
        .order_by("indicator__code")
    )
    for kpi in kpis:
        kpi.points = points_of(kpi)
        kpi.expected_today = expected_value(kpi.points, today)
        kpi.target_rows = list(kpi.targets.all())
    return kpis


def get_kpi(user: Any, kpi_id: Any) -> TaskIndicator:
    return get_visible_or_404(
        user,
        TaskIndicator.objects.filter(task__in=_visible_tasks(user)).select_related(
            "task__lead_agency", "task__assigned_by", "indicator__current", "indicator_version"
        ),
        pk=kpi_id,
    )


def task_extensions(user: Any, task: Task) -> QuerySet[DeadlineExtension]:
    """The extension history of a task the user sees, newest first."""
    return (
        DeadlineExtension.objects.filter(task_id=task.pk, task__in=_visible_tasks(user))
        .select_related("requested_by", "decided_by")
        .order_by("-created_at", "-id")
    )


def get_extension(user: Any, extension_id: Any) -> DeadlineExtension:
    return get_visible_or_404(
        user,
        DeadlineExtension.objects.filter(task__in=_visible_tasks(user)).select_related(
            "task__lead_agency", "task__assigned_by", "requested_by", "decided_by"
        ),
        pk=extension_id,
    )


def extensions_to_decide(user: Any) -> QuerySet[DeadlineExtension]:
    """Pending requests the user may decide: tasks assigned by an agency in the user's write scope
    (leaders and focal officers), other than the user's own requests."""
    qs = DeadlineExtension.objects.filter(
        status=DeadlineExtension.Status.PENDING, task__in=_visible_tasks(user)
    ).exclude(requested_by_id=user.pk)
    scope = user.scope
    if scope.role != Role.SYSTEM_ADMIN:
        if scope.role not in {Role.LEADER, Role.FOCAL_OFFICER} or not scope.write_paths:
            return qs.none()
        q = Q()
        for prefix in scope.write_paths:
            q |= Q(task__assigned_by__path__startswith=prefix)
        qs = qs.filter(q)
    return qs.select_related("task__lead_agency", "task__assigned_by", "requested_by").order_by(
        "created_at", "id"
    )


def extensions_visible(user: Any) -> QuerySet[DeadlineExtension]:
    return DeadlineExtension.objects.filter(task__in=_visible_tasks(user)).select_related(
        "task__lead_agency", "task__assigned_by", "requested_by", "decided_by"
    )


KPI_CHUNK = 2000
KPI_COLUMNS = (
    "pk",
    "indicator_id",
    "task__lead_agency_id",
    "indicator_version__direction",
    "baseline_value",
    "baseline_date",
)


def kpi_chunks(qs: QuerySet[TaskIndicator], size: int = KPI_CHUNK) -> Iterator[list[tuple]]:
    """The KPIs of ``qs`` as (id, indicator id, lead agency id, direction, baseline value, baseline
    date), by id, ``size`` at a time (keyset on the id: a national view never holds them all)."""
    qs = qs.order_by("pk")
    last = 0
    while True:
        chunk = list(qs.filter(pk__gt=last).values_list(*KPI_COLUMNS)[:size])
        if not chunk:
            return
        yield chunk
        last = chunk[-1][0]


def trajectory_points(chunk: list[tuple]) -> dict[int, list[Point]]:
    """Each KPI's planned points for a chunk of :func:`kpi_chunks`: its baseline when dated, then
    its targets (one query)."""
    points: dict[int, list[Point]] = defaultdict(list)
    for kpi_id, _indicator, _agency, _direction, value, day in chunk:
        if value is not None and day is not None:
            points[kpi_id].append((day, value))
    targets = TargetPoint.objects.filter(kpi_id__in=[row[0] for row in chunk]).order_by("kpi_id", "on")
    for kpi_id, day, value in targets.values_list("kpi_id", "on", "value"):
        points[kpi_id].append((day, value))
    return points
