"""Coordination parts with due dates and deliveries, and finish-to-start dependencies, for the demo
data set: so the task page's coordination card and the bottleneck pages have something to show.

Runs on the saved plans (any data set: the national demo or a test world), deterministically:

* most coordinating agencies' parts get a due date between the programme's issue and the task's
  due date (ongoing tasks: 4 to 12 months after the issue); past due, most are delivered (some
  late), the rest are not: late parts;
* sub-tasks of the same task led by different agencies are sometimes done in sequence (each waits
  for the one before it, when that one is due no later); a province's department of science and
  technology sometimes waits for the Ministry of Science and Technology's first dated task of the
  same resolution (due before its own). Edges only point backwards (to an earlier sibling, or from
  a province to a ministry), so there are no cycles.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from resmon.planning.models import Task, TaskCoordination, TaskDependency
from resmon.planning.status import TaskState

from .tree import BATCH

PART_SKIP = 0.15  # parts left without a due date
DELIVERED_WHEN_DUE = 0.6  # past due: delivered (early, on time or late); the rest are late parts
DELIVERED_EARLY = 0.25  # not yet due: already delivered
SEQUENCE = 0.3  # a sibling waits for the one before it
CROSS_LEVEL = 0.5  # a province's science department waits for the ministry
MAX_SIBLINGS = 6  # wider families (a task assigned to every commune) are not sequenced
MINISTRY, DEPARTMENT = "BKHCN", "SKHCN"


def _clamp(day: dt.date, first: dt.date, last: dt.date) -> dt.date:
    return max(first, min(day, last))


def _part_dates(today: dt.date, rng: random.Random) -> tuple[int, int]:
    rows = TaskCoordination.objects.order_by("pk").values_list(
        "pk", "task__due_date", "task__ongoing", "task__completed_on", "task__program__issued_on"
    )
    changed: list[TaskCoordination] = []
    late = 0
    for pk, task_due, ongoing, completed, issued in rows.iterator(chunk_size=2000):
        if issued is None or rng.random() < PART_SKIP:
            continue
        if ongoing or task_due is None:
            due = issued + dt.timedelta(days=rng.randint(120, 360))
        else:
            span = max(0, (task_due - issued).days)
            due = issued + dt.timedelta(days=int(span * rng.uniform(0.45, 0.85))) if span >= 10 else task_due
        delivered = None
        if completed is not None:
            delivered = _clamp(due + dt.timedelta(days=rng.randint(-20, 5)), issued, min(completed, today))
        elif due < today:
            if rng.random() < DELIVERED_WHEN_DUE:
                delivered = _clamp(due + dt.timedelta(days=rng.randint(-15, 20)), issued, today)
            else:
                late += 1
        elif rng.random() < DELIVERED_EARLY and issued < today:
            delivered = _clamp(today - dt.timedelta(days=rng.randint(0, 30)), issued, today)
        changed.append(TaskCoordination(pk=pk, due_date=due, delivered_on=delivered))
    TaskCoordination.objects.bulk_update(changed, ["due_date", "delivered_on"], batch_size=BATCH)
    return len(changed), late


def _sequences(rng: random.Random) -> list[TaskDependency]:
    families: dict[int, list[tuple]] = defaultdict(list)
    rows = (
        Task.objects.filter(parent__isnull=False, ongoing=False, due_date__isnull=False)
        .exclude(state=TaskState.CANCELLED)
        .order_by("parent_id", "position", "code", "pk")
        .values_list("parent_id", "pk", "due_date", "lead_agency_id")
    )
    for parent_id, pk, due, lead in rows.iterator(chunk_size=5000):
        families[parent_id].append((pk, due, lead))
    out = []
    for parent_id in sorted(families):
        kids = families[parent_id]
        if len(kids) > MAX_SIBLINGS:
            continue
        for (before, before_due, before_lead), (after, after_due, after_lead) in zip(
            kids, kids[1:], strict=False
        ):
            if before_lead != after_lead and before_due <= after_due and rng.random() < SEQUENCE:
                out.append(
                    TaskDependency(task_id=after, depends_on_id=before, note="Thực hiện sau nhiệm vụ trước")
                )
    return out


def _ministry_waits(rng: random.Random) -> list[TaskDependency]:
    first: dict[int, tuple[int, dt.date]] = {}
    ministry = (
        Task.objects.filter(
            lead_agency__code=MINISTRY, parent__isnull=True, ongoing=False, due_date__isnull=False
        )
        .order_by("resolution_id", "due_date", "pk")
        .values_list("resolution_id", "pk", "due_date")
    )
    for resolution_id, pk, due in ministry:
        if due is not None:
            first.setdefault(resolution_id, (pk, due))
    out = []
    departments = (
        Task.objects.filter(
            lead_agency__code__endswith=f"-{DEPARTMENT}",
            lead_agency__valid_to__isnull=True,
            resolution_id__in=list(first),
            ongoing=False,
            due_date__isnull=False,
        )
        .order_by("lead_agency_id", "resolution_id", "due_date", "pk")
        .values_list("lead_agency_id", "resolution_id", "pk", "due_date")
    )
    done: set[tuple[int, int]] = set()
    for agency_id, resolution_id, pk, due in departments:
        if (agency_id, resolution_id) in done:
            continue
        done.add((agency_id, resolution_id))
        pre, pre_due = first[resolution_id]
        if due is not None and pre_due < due and rng.random() < CROSS_LEVEL:
            out.append(
                TaskDependency(
                    task_id=pk, depends_on_id=pre, note="Chờ hướng dẫn của Bộ Khoa học và Công nghệ"
                )
            )
    return out


def add_parts_and_dependencies(today: dt.date, seed: int) -> dict[str, int]:
    """Due dates and deliveries on the coordination parts, and a few hundred dependencies."""
    rng = random.Random(seed * 31 + 7)
    parts, late = _part_dates(today, rng)
    edges = _sequences(rng) + _ministry_waits(rng)
    TaskDependency.objects.bulk_create(edges, batch_size=BATCH, ignore_conflicts=True)
    return {"parts_dated": parts, "parts_late": late, "dependencies": len(edges)}
