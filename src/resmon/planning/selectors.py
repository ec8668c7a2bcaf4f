"""Reads of resolutions, programmes and tasks; each starts from the user's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet

from resmon.core import clock
from resmon.core.access import get_visible_or_404, visible_to

from .models import ActionProgram, Resolution, SteeringMember, Task
from .status import TaskStatus, status_expression


def steering_resolution_ids(user: Any) -> list[int]:
    return list(
        SteeringMember.objects.filter(user_id=user.pk).values_list("committee__resolution_id", flat=True)
    )


def resolutions_visible(user: Any) -> QuerySet[Resolution]:
    return visible_to(user, Resolution.objects.all())


def get_resolution(user: Any, resolution_id: Any) -> Resolution:
    return get_visible_or_404(user, Resolution.objects.all(), pk=resolution_id)


def programs_visible(user: Any) -> QuerySet[ActionProgram]:
    return visible_to(user, ActionProgram.objects.select_related("agency", "resolution"))


def get_program(user: Any, program_id: Any) -> ActionProgram:
    return get_visible_or_404(
        user, ActionProgram.objects.select_related("agency", "resolution"), pk=program_id
    )


def tasks_visible(user: Any, *, today: dt.date | None = None) -> QuerySet[Task]:
    """Visible tasks, each annotated with its derived ``status`` as of ``today``."""
    today = today or clock.today()
    return visible_to(user, Task.objects.all()).annotate(status=status_expression(today))


def get_task(user: Any, task_id: Any) -> Task:
    return get_visible_or_404(
        user,
        Task.objects.select_related("lead_agency", "assigned_by", "program", "resolution", "parent").annotate(
            status=status_expression(clock.today())
        ),
        pk=task_id,
    )


def filter_tasks(
    qs: QuerySet[Task],
    *,
    resolution: Any = None,
    agency_path: str | None = None,
    status: str | None = None,
    due_from: dt.date | None = None,
    due_to: dt.date | None = None,
    q: str | None = None,
    parent: Any = None,
) -> QuerySet[Task]:
    """Narrow an already scoped task queryset by the filter bar's fields."""
    if resolution:
        qs = qs.filter(resolution_id=resolution)
    if agency_path:
        qs = qs.filter(lead_agency__path__startswith=agency_path)
    if status:
        qs = qs.filter(status=status)
    if due_from:
        qs = qs.filter(due_date__gte=due_from)
    if due_to:
        qs = qs.filter(due_date__lte=due_to)
    if parent:
        qs = qs.filter(parent_id=parent)
    if q:
        q = q.strip()
        qs = qs.filter(Q(title__icontains=q) | Q(code__iexact=q) | Q(deliverable__icontains=q))
    return qs


def status_counts(qs: QuerySet[Task]) -> dict[str, int]:
    """Counts per derived status over an annotated, scoped queryset (all statuses present)."""
    counts = {s.value: 0 for s in TaskStatus}
    for row in qs.order_by().values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


def due_soon(qs: QuerySet[Task], *, days: int = 30, today: dt.date | None = None) -> QuerySet[Task]:
    today = today or clock.today()
    return qs.filter(
        status__in=[TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS],
        due_date__gte=today,
        due_date__lte=today + dt.timedelta(days=days),
    ).order_by("due_date", "id")


def overdue(qs: QuerySet[Task]) -> QuerySet[Task]:
    return qs.filter(status=TaskStatus.OVERDUE).order_by("due_date", "id")
