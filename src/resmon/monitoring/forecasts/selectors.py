"""Reads of the forecast cache, always through the user's scope: a forecast is seen by whoever
sees its task (the task's own scope: lead, assigning and coordinating agencies, grants)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import F, QuerySet

from resmon.core.access import get_visible_or_404, visible_to
from resmon.planning.models import Task, TaskIndicator

from .models import KpiForecast, TaskForecast

AT_RISK_FROM = Decimal("0.5")  # the at-risk list: tasks at least this likely to miss their deadline


def _task_id(task: Task | int) -> int:
    return task.pk if isinstance(task, Task) else int(task)


def _visible_tasks(user: Any) -> QuerySet[Task]:
    return visible_to(user, Task.objects.all())


def task_forecast(user: Any, task: Task | int) -> TaskForecast | None:
    """The cached forecast of a task the user sees (None when not computed yet); NotFound (a 404)
    when the task is missing or outside the scope."""
    task_id = _task_id(task)
    get_visible_or_404(user, Task.objects.all(), pk=task_id)
    return TaskForecast.objects.filter(task_id=task_id).first()


def kpi_forecasts(user: Any, task: Task | int) -> list[TaskIndicator]:
    """The task's KPIs (indicator and unit loaded), each with ``forecast`` (None when not computed
    yet); NotFound (a 404) when the task is missing or outside the scope."""
    task_id = _task_id(task)
    get_visible_or_404(user, Task.objects.all(), pk=task_id)
    kpis = list(
        TaskIndicator.objects.filter(task_id=task_id)
        .select_related("indicator", "indicator_version")
        .order_by("indicator__code", "pk")
    )
    found = {f.kpi_id: f for f in KpiForecast.objects.filter(kpi__task_id=task_id)}
    for kpi in kpis:
        kpi.cached_forecast = found.get(kpi.pk)  # type: ignore[attr-defined]
    return kpis


def at_risk(
    user: Any,
    agency: Any = None,
    resolution: Any = None,
    *,
    threshold: Decimal = AT_RISK_FROM,
) -> QuerySet[TaskForecast]:
    """Forecasts of the tasks in the user's scope likeliest to miss their deadline: not completed,
    P(miss) at least ``threshold``, optionally led inside ``agency``'s subtree or on
    ``resolution``; likeliest first, then the nearest deadline. The caller paginates."""
    tasks = _visible_tasks(user).filter(completed_on__isnull=True)
    if agency is not None:
        tasks = tasks.filter(lead_agency__path__startswith=agency.path)
    if resolution is not None:
        tasks = tasks.filter(resolution_id=getattr(resolution, "pk", resolution))
    return (
        TaskForecast.objects.filter(task__in=tasks.values("pk"), p_miss__gte=threshold)
        .select_related("task__lead_agency", "task__resolution")
        .order_by(F("p_miss").desc(), "task__due_date", "task_id")
    )
