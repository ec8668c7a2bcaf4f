"""Reads for the decomposition editor: the whole task tree of a programme in two queries, the
tasks a task waits on and blocks, its milestones; each starts from the user's scope."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from resmon.core.access import visible_to

from .models import ActionProgram, Milestone, Task, TaskDependency
from .rollup import Node, rollup, rounded
from .selectors import tasks_visible
from .status import TaskState
from .tree_shape import code_key, descendant_ids

UNFINISHED = {"completed_on__isnull": True}
IN_LIMIT = 900  # above this many ids, read the programme's visible tasks instead of an IN list


@dataclass
class TreeRow:
    task: Task
    depth: int
    progress: Decimal | None
    n_children: int
    first: bool
    last: bool
    children: list[TreeRow] | None = None  # rendered below the row, or None: loaded on demand


class TreeIndex:
    """The shape of a programme's task tree as ``user`` sees it, from two light queries (every
    task's place and roll-up inputs; the ids the user may see), with the roll-up of the whole
    programme computed once, on first use. Build one per request."""

    def __init__(self, user: Any, program: ActionProgram):
        self.user = user
        self.program = program
        rows = Task.objects.filter(program=program).values_list(
            "id", "parent_id", "position", "code", "weight", "percent_done", "completed_on", "state"
        )
        self.visible = set(
            visible_to(user, Task.objects.filter(program=program)).values_list("id", flat=True)
        )
        self.nodes: list[Node] = []
        self.parent: dict[int, int | None] = {}
        order: dict[int, tuple] = {}
        for pk, parent_id, position, code, weight, percent, completed, state in rows:
            self.parent[pk] = parent_id
            order[pk] = (position, code_key(code), pk)
            self.nodes.append(
                Node(
                    id=pk,
                    parent_id=parent_id,
                    weight=weight,
                    percent_done=percent,
                    completed=completed is not None,
                    cancelled=state == TaskState.CANCELLED,
                )
            )
        # a task whose parent the user cannot see is shown at the top
        self.children: dict[int | None, list[int]] = defaultdict(list)
        for pk in self.visible:
            parent_id = self.parent.get(pk)
            self.children[parent_id if parent_id in self.visible else None].append(pk)
        for kids in self.children.values():
            kids.sort(key=order.__getitem__)

    @property
    def size(self) -> int:
        return len(self.visible)

    @functools.cached_property
    def progress(self) -> dict[int, Decimal]:
        return rollup(self.nodes)

    def depth(self, pk: int) -> int:
        depth, parent_id = 0, self.parent.get(pk)
        while parent_id in self.visible:
            depth, parent_id = depth + 1, self.parent.get(parent_id)
        return depth

    def descendants(self, pk: int) -> set[int]:
        out: set[int] = set()
        stack = list(self.children.get(pk, []))
        while stack:
            d = stack.pop()
            out.add(d)
            stack.extend(self.children.get(d, []))
        return out

    def rows(
        self, parent_id: int | None = None, *, levels: int = 1, limit: int | None = None
    ) -> list[TreeRow]:
        """The visible children of ``parent_id`` (None: the top of the programme) as rows, with
        ``levels`` levels rendered (the first always; a further level only while the rows stay
        within ``limit``). One query for the tasks shown."""
        start = 0 if parent_id is None else self.depth(parent_id) + 1
        shown: list[int] = list(self.children.get(parent_id, []))
        frontier = shown
        expanded: set[int | None] = {parent_id}
        for _level in range(1, levels):
            below = [c for pk in frontier for c in self.children.get(pk, [])]
            if not below or (limit is not None and len(shown) + len(below) > limit):
                break
            expanded.update(frontier)
            shown += below
            frontier = below
        qs = (
            tasks_visible(self.user).filter(program=self.program).select_related("lead_agency", "assigned_by")
        )
        wanted = set(shown)
        if len(wanted) > IN_LIMIT:
            tasks = {t.pk: t for t in qs.order_by() if t.pk in wanted}
        else:
            tasks = {t.pk: t for t in qs.filter(pk__in=wanted).order_by()}

        def build(pid: int | None, depth: int) -> list[TreeRow]:
            kids = [pk for pk in self.children.get(pid, []) if pk in tasks]
            out = []
            for i, pk in enumerate(kids):
                n = len(self.children.get(pk, []))
                row = TreeRow(tasks[pk], depth, rounded(self.progress.get(pk)), n, i == 0, i == len(kids) - 1)
                if n and pk in expanded:
                    row.children = build(pk, depth + 1)
                out.append(row)
            return out

        return build(parent_id, start)

    def flat(self, tasks: list[Task]) -> list[TreeRow]:
        """Rows for a filtered list of tasks, in tree order, each at its depth."""
        position = {pk: i for i, pk in enumerate(self._preorder())}
        tasks = sorted(tasks, key=lambda t: position.get(t.pk, len(position)))
        return [
            TreeRow(
                t,
                self.depth(t.pk),
                rounded(self.progress.get(t.pk)),
                len(self.children.get(t.pk, [])),
                True,
                True,
            )
            for t in tasks
        ]

    def _preorder(self) -> list[int]:
        out: list[int] = []
        stack = list(reversed(self.children.get(None, [])))
        while stack:
            pk = stack.pop()
            out.append(pk)
            stack.extend(reversed(self.children.get(pk, [])))
        return out


def program_tree(user: Any, program: ActionProgram) -> list[TreeRow]:
    """Every visible task of ``program`` in tree order (depth first, siblings by position), each
    with its depth and rolled-up progress. For small programmes and forms; the tree page renders
    only the top levels (``TreeIndex.rows``)."""
    index = TreeIndex(user, program)
    out: list[TreeRow] = []

    def walk(rows: list[TreeRow]) -> None:
        for r in rows:
            out.append(r)
            walk(r.children or [])
            r.children = None

    walk(index.rows(None, levels=10_000))
    return out


def move_candidates(user: Any, task: Task) -> list[Task]:
    """Tasks of the same programme ``task`` could be moved under: visible, not itself nor its
    sub-tasks, in tree order."""
    excluded = descendant_ids(task) | {task.pk}
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


def program_editable(program: ActionProgram) -> bool:
    """Whether the programme's tasks may change now: a draft, or an issued programme with an open
    amendment (the rule ``services.tree.ensure_editable`` enforces); pages offer edit actions only then."""
    return program.status == ActionProgram.Status.DRAFT or program.amendments.filter(is_open=True).exists()
