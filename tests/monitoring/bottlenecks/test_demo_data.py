"""The demo's coordination parts and dependencies (demo.builder.coordination) keep the planning rules:
a part is due no later than its task, a delivery is never in the future, dependencies never form a
cycle; the same seed gives the same data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from resmon.demo.builder.coordination import add_parts_and_dependencies
from resmon.planning.models import ActionProgram, Task, TaskCoordination, TaskDependency
from tests.factories import task

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 5, 20)


@pytest.fixture
def planned(world):
    ActionProgram.objects.update(issued_on=dt.date(2025, 3, 1), status=ActionProgram.Status.ISSUED)
    parent = world.tasks["hni"]
    leads = [world.hni_ubnd, world.hni_xa2, world.hni_so, world.hni_xa_ubnd]  # 6 children in all
    for k, lead in enumerate(leads, 3):
        t = task(
            parent.program,
            lead,
            parent=parent,
            code=f"1.{k}",
            due_date=dt.date(2026, 1, 1) + dt.timedelta(days=30 * k),
        )
        t.weight = Decimal(k)
        t.save()
        t.coordinations.create(agency=world.hcm if k % 2 else world.bo_khcn)
    return world


def snapshot():
    return (
        sorted(TaskCoordination.objects.values_list("pk", "due_date", "delivered_on")),
        sorted(TaskDependency.objects.values_list("task_id", "depends_on_id")),
    )


def test_the_demo_parts_and_dependencies_keep_the_rules(planned):
    counts = add_parts_and_dependencies(TODAY, 2025)
    parts = TaskCoordination.objects.select_related("task", "task__program")
    assert counts["parts_dated"] == parts.filter(due_date__isnull=False).count() > 0
    for c in parts:
        if c.due_date and c.task.due_date and not c.task.ongoing:
            assert c.due_date <= c.task.due_date
        if c.delivered_on:
            assert c.task.program.issued_on <= c.delivered_on <= TODAY
    late = parts.filter(due_date__lt=TODAY, delivered_on__isnull=True).count()
    assert counts["parts_late"] == late
    assert counts["dependencies"] == TaskDependency.objects.count() > 0
    # every dependency waits for an earlier sibling led by another agency, due no later
    for d in TaskDependency.objects.select_related("task", "depends_on"):
        assert d.task.parent_id == d.depends_on.parent_id
        assert d.task.lead_agency_id != d.depends_on.lead_agency_id
        assert (d.depends_on.position, d.depends_on.pk) < (d.task.position, d.task.pk)
        assert d.depends_on.due_date <= d.task.due_date


def test_the_same_seed_gives_the_same_data(planned):
    add_parts_and_dependencies(TODAY, 2025)
    first = snapshot()
    TaskDependency.objects.all().delete()
    TaskCoordination.objects.update(due_date=None, delivered_on=None)
    add_parts_and_dependencies(TODAY, 2025)
    assert snapshot() == first
    assert Task.objects.count() == 11  # nothing else added
