"""Reads for the decomposition editor: the whole task tree of a programme in two queries, the
tasks a task waits on and blocks, its milestones; each starts from the user's scope."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from resmon.core.access import visible_to

from .models import ActionProgram, Milestone, Task, TaskDependency
from .rollup import Node, rollup, rounded
from .selectors import tasks_visible
from .services.tree import sibling_order
from .status import TaskState

UNFINISHED = {"completed_on__isnull": True}


@dataclass
class TreeRow:
    task: Task
    depth: int
    progress: Decimal | None
    n_children: int
    first: bool
    last: bool


def program_tree(user: Any, program: ActionProgram) -> list[TreeRow]:
    """The visible tasks of ``program`` in tree order (depth first, siblings by position), each
    with its depth and rolled-up progress. One query for the visible tasks with their status,
    one for the roll-up inputs of the whole programme; the rest is Python."""
    visible = list(
        tasks_visible(user).filter(program=program).select_related("lead_agency", "assigned_by").order_by()
    )
    rows = Task.objects.filter(program=program).values_list(
        "id", "parent_id", "weight", "percent_done", "completed_on", "state"
    )
    nodes = [
        Node(
            id=pk,
            parent_id=parent_id,
            weight=weight,
            percent_done=percent,
            completed=completed is not None,
            cancelled=state == TaskState.CANCELLED,
        )
        for pk, parent_id, weight, percent, completed, state in rows
    ]
    progress = rollup(nodes)
    by_id = {t.pk: t for t in visible}
    children: dict[int | None, list[Task]] = defaultdict(list)
    for t in visible:
        # a task whose parent the user cannot see is shown at the top
        children[t.parent_id if t.parent_id in by_id else None].append(t)
    for kids in children.values():
        kids.sort(key=sibling_order)
    out: list[TreeRow] = []
    stack: list[tuple[Task, int, bool, bool]] = []
    tops = children.get(None, [])
    for i in range(len(tops) - 1, -1, -1):
        stack.append((tops[i], 0, i == 0, i == len(tops) - 1))
    while stack:
        t, depth, first, last = stack.pop()
        kids = children.get(t.pk, [])
        out.append(TreeRow(t, depth, rounded(progress.get(t.pk)), len(kids), first, last))
        for i in range(len(kids) - 1, -1, -1):
            stack.append((kids[i], depth + 1, i == 0, i == len(kids) - 1))
    return out


def move_candidates(user: Any, task: Task) -> list[Task]:
    """Tasks of the same programme ``task`` could be moved under: visible, not itself nor its
    sub-tasks, in tree order."""
    from .services.tree import _descendant_ids

    excluded = _descendant_ids(task) | {task.pk}
    rows = [r.task for r in program_tree(user, task.program) if r.task.pk not in excluded]
    return rows


def waiting_on(user: Any, task: Task) -> QuerySet[Task]:
    """Unfinished, visible tasks that ``task`` depends on (finish-to-start)."""
    ids = TaskDependency.objects.filter(task_id=task.pk).values("depends_on_id")
    return (
        tasks_visible(user)
        .filter(pk__in=ids, **UNFINISHED)
        .exclude(state=TaskState.CANCELLED)
        .select_related("lead_agency", "program")
        .order_by("due_date", "code", "id")
    )


def blocking(user: Any, task: Task) -> QuerySet[Task]:
    """Unfinished, visible tasks that wait for ``task``."""
    ids = TaskDependency.objects.filter(depends_on_id=task.pk).values("task_id")
    return (
        tasks_visible(user)
        .filter(pk__in=ids, **UNFINISHED)
        .exclude(state=TaskState.CANCELLED)
        .select_related("lead_agency", "program")
        .order_by("due_date", "code", "id")
    )


def dependencies(user: Any, task: Task) -> QuerySet[TaskDependency]:
    """All the task's dependencies whose other end the user sees (finished or not)."""
    visible = visible_to(user, Task.objects.all()).values("pk")
    return (
        TaskDependency.objects.filter(task_id=task.pk, depends_on_id__in=visible)
        .select_related("depends_on", "depends_on__lead_agency")
        .order_by("depends_on__due_date", "depends_on__code")
    )


def milestones(task: Task) -> QuerySet[Milestone]:
    """The milestones of a task the caller already sees."""
    return Milestone.objects.filter(task_id=task.pk).order_by("due_date", "position", "id")


def get_milestone(user: Any, task: Task, milestone_id: Any) -> Milestone:
    from resmon.core.errors import NotFound

    try:
        return Milestone.objects.get(task_id=task.pk, pk=int(milestone_id))
    except (Milestone.DoesNotExist, ValueError, TypeError):
        raise NotFound(_not_found()) from None


def _not_found() -> str:
    from django.utils.translation import gettext as _

    return _("Not found, or you do not have access to it.")
