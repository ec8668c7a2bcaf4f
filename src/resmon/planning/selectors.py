"""Reads of resolutions, programmes and tasks; each starts from the user's scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from resmon.agencies.models import Agency
from resmon.core import clock
from resmon.core.access import get_visible_or_404, visible_to

from .models import ActionProgram, Resolution, SteeringCommittee, SteeringMember, Task
from .rollup import Node, rollup, rounded
from .status import TaskState, TaskStatus, status_expression

# Named groups of derived statuses, usable wherever a single status is accepted.
STATUS_GROUPS: dict[str, tuple[str, ...]] = {
    "open": (TaskStatus.NOT_STARTED.value, TaskStatus.IN_PROGRESS.value, TaskStatus.OVERDUE.value),
    "completed": (TaskStatus.DONE_ON_TIME.value, TaskStatus.DONE_LATE.value),
}


def steering_resolution_ids(user: Any) -> list[int]:
    return list(
        SteeringMember.objects.filter(user_id=user.pk).values_list("committee__resolution_id", flat=True)
    )


def steered_agency(user: Any, agency_id: Any) -> Agency | None:
    """An agency whose subtree leads a task of a resolution the user steers (a steering-committee
    member sees those tasks nationwide, and may narrow them to it, inside their own scope or not);
    None otherwise."""
    ids = sorted(getattr(getattr(user, "scope", None), "resolution_ids", ()) or ())
    text = str(agency_id if agency_id is not None else "").strip()
    if not ids or not text.isdigit() or len(text) > 18:
        return None
    agency = Agency.objects.filter(pk=int(text)).first()
    if agency is None:
        return None
    leads = Task.objects.filter(resolution_id__in=ids, lead_agency__path__startswith=agency.path)
    return agency if leads.exists() else None


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
        if isinstance(status, str) and status in STATUS_GROUPS:
            qs = qs.filter(status__in=STATUS_GROUPS[status])
        elif isinstance(status, list | tuple | set | frozenset):
            qs = qs.filter(status__in=list(status))
        else:
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


def steering_memberships(user: Any) -> QuerySet[SteeringMember]:
    """The steering committees the user sits on (each opens a resolution nationwide)."""
    return SteeringMember.objects.filter(user_id=user.pk).select_related("committee__resolution")


def steering_committee(resolution: Resolution) -> SteeringCommittee | None:
    """A resolution's steering committee (public, like the resolution) with its members."""
    return (
        SteeringCommittee.objects.filter(resolution=resolution).prefetch_related("memberships__user").first()
    )


def programs_of_resolution(user: Any, resolution: Resolution) -> QuerySet[ActionProgram]:
    return programs_visible(user).filter(resolution=resolution).order_by("agency__path", "id")


def program_top_tasks(user: Any, program: ActionProgram) -> QuerySet[Task]:
    """The visible tasks of a programme whose parent is absent or not visible to the user."""
    visible = tasks_visible(user).filter(program=program)
    return (
        visible.exclude(parent_id__in=visible.values("pk"))
        .select_related("lead_agency")
        .order_by("code", "id")
    )


def visible_children(user: Any, task: Task) -> QuerySet[Task]:
    return tasks_visible(user).filter(parent_id=task.pk).select_related("lead_agency").order_by("code", "id")


def visible_child_counts(user: Any, task_ids: Iterable[int]) -> dict[int, int]:
    """How many visible children each of ``task_ids`` has (absent means none)."""
    rows = (
        visible_to(user, Task.objects.filter(parent_id__in=list(task_ids)))
        .order_by()
        .values("parent_id")
        .annotate(n=Count("id"))
    )
    return {r["parent_id"]: r["n"] for r in rows}


def coordinations(task: Task):
    """The coordinating agencies of a visible task, with their part of the deliverable."""
    return task.coordinations.select_related("agency").order_by("agency__path")


def task_progress(tasks: Iterable[Task], *, max_depth: int = 20) -> dict[int, Decimal | None]:
    """Progress of each task (rounded to 0.01): its own percent on a leaf, the weighted roll-up of
    its descendants on a parent. It is the task's own figure, the same for everyone who may see
    the task, so it folds in every descendant."""
    ids = [t.pk for t in tasks]
    if not ids:
        return {}
    fields = ("id", "parent_id", "weight", "percent_done", "completed_on", "state")
    rows: dict[int, dict[str, Any]] = {r["id"]: r for r in Task.objects.filter(pk__in=ids).values(*fields)}
    frontier = list(rows)
    for _level in range(max_depth):
        if not frontier:
            break
        new = [r for r in Task.objects.filter(parent_id__in=frontier).values(*fields) if r["id"] not in rows]
        rows.update((r["id"], r) for r in new)
        frontier = [r["id"] for r in new]
    nodes = [
        Node(
            id=r["id"],
            parent_id=r["parent_id"] if r["parent_id"] in rows else None,
            weight=r["weight"],
            percent_done=r["percent_done"],
            completed=r["completed_on"] is not None,
            cancelled=r["state"] == TaskState.CANCELLED,
        )
        for r in rows.values()
    ]
    result = rollup(nodes)
    return {i: rounded(result.get(i)) for i in ids}


def subtree_progress_by_resolution(user: Any, agency_path: str) -> list[dict[str, Any]]:
    """Per resolution, the progress of an agency subtree (PRODUCT.md): the weighted mean of the
    top-most tasks led inside it, i.e. those whose parent is led outside it or absent."""
    from collections import defaultdict

    from .rollup import subtree_progress

    fields = ("id", "parent_id", "weight", "percent_done", "completed_on", "state", "resolution_id")
    inside = visible_to(user, Task.objects.filter(lead_agency__path__startswith=agency_path))
    nodes: dict[int, list[Node]] = defaultdict(list)
    for r in inside.values(*fields):
        nodes[r["resolution_id"]].append(
            Node(
                id=r["id"],
                parent_id=r["parent_id"],
                weight=r["weight"],
                percent_done=r["percent_done"],
                completed=r["completed_on"] is not None,
                cancelled=r["state"] == TaskState.CANCELLED,
            )
        )

    # every loaded task is led inside the subtree; a parent that was not loaded is led outside it
    def everywhere(_path: str) -> bool:
        return True

    return [
        {
            "resolution": r,
            "tasks": len(nodes[r.pk]),
            "progress": rounded(subtree_progress(nodes[r.pk], everywhere)),
        }
        for r in Resolution.objects.filter(pk__in=list(nodes)).order_by("issued_on")
    ]


def task_audit_objects(task: Task) -> dict[str, list[Any]]:
    """The objects whose audit rows make up a task's history: the task, its KPIs, milestones and
    deadline extensions (rows of ones since deleted stay in the audit log, not in this view)."""
    from .models import DeadlineExtension, Milestone, TaskIndicator

    return {
        Task._meta.label_lower: [task.pk],
        TaskIndicator._meta.label_lower: list(task.kpis.values_list("pk", flat=True)),
        Milestone._meta.label_lower: list(task.milestones.values_list("pk", flat=True)),
        DeadlineExtension._meta.label_lower: list(task.extensions.values_list("pk", flat=True)),
    }
