"""The roll-up engine: after random writes through the services (progress, new tasks, moves,
re-assignments, weights, pauses and cancellations, deletions, an accepted period report, an agency
merger), the incrementally folded rows equal a full rebuild and equal planning's one roll-up
function and status rule applied to each subtree, exactly."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from decimal import Decimal

import pytest
import time_machine

from resmon.agencies.models import Agency
from resmon.audit import sealing
from resmon.core import clock
from resmon.core.errors import DomainError
from resmon.planning.models import Task
from resmon.planning.rollup import Node, rounded, subtree_progress
from resmon.planning.services import tasks as task_services
from resmon.planning.services import tree as tree_services
from resmon.planning.status import TaskState, derive_status
from resmon.reporting.services import reports as report_services
from resmon.restructuring.services import merge_agencies
from resmon.rollups import services
from resmon.rollups.models import STATUS_FIELDS, FoldState, ProgressRollup
from tests.reporting.reports_helpers import sent

pytestmark = pytest.mark.django_db


def cached() -> dict[tuple[int, int], tuple]:
    return {
        (r.agency_id, r.resolution_id): (r.agency_path, r.progress, r.tasks, r.counts())
        for r in ProgressRollup.objects.all()
    }


def by_the_function(today: dt.date) -> dict[tuple[int, int], tuple]:
    """Each agency subtree on each resolution, computed on its own by the one function."""
    out = {}
    agencies = list(Agency.objects.all())
    for resolution_id in set(Task.objects.values_list("resolution_id", flat=True)):
        tasks = list(Task.objects.filter(resolution_id=resolution_id).select_related("lead_agency"))
        nodes = [
            Node(
                t.pk,
                t.parent_id,
                t.weight,
                t.percent_done,
                completed=t.completed_on is not None,
                cancelled=t.state == TaskState.CANCELLED,
                lead_path=t.lead_agency.path,
            )
            for t in tasks
        ]
        for agency in agencies:
            inside = [t for t in tasks if t.lead_agency.path.startswith(agency.path)]
            if not inside:
                continue
            statuses = Counter(
                derive_status(
                    first_progress_on=t.first_progress_on,
                    completed_on=t.completed_on,
                    due_date=t.due_date,
                    today=today,
                    ongoing=t.ongoing,
                    state=t.state,
                ).value
                for t in inside
            )
            progress = rounded(subtree_progress(nodes, lambda p, a=agency.path: p.startswith(a)))
            counts = {name: statuses.get(name, 0) for name in STATUS_FIELDS}
            out[(agency.pk, resolution_id)] = (agency.path, progress, len(inside), counts)
    return out


def fold_now() -> None:
    sealing.seal()
    services.fold_all()


def assert_consistent() -> None:
    folded = cached()
    assert folded == by_the_function(clock.today())
    services.rebuild()
    assert cached() == folded


class Writer:
    """Random writes through the services, as a system administrator; a refused one is skipped."""

    def __init__(self, world, seed: int):
        self.w = world
        self.rng = random.Random(seed)
        self.admin = world.users["sysadmin"]
        self.applied: Counter[str] = Counter()

    def tasks(self, **filters) -> list[Task]:
        return list(
            Task.objects.filter(**filters).select_related("program__agency", "lead_agency").order_by("pk")
        )

    def leads_for(self, task_or_program) -> list[Agency]:
        program = getattr(task_or_program, "program", task_or_program)
        return list(Agency.objects.filter(path__startswith=program.agency.path, valid_to__isnull=True))

    def progress(self):
        leaves = [t for t in self.tasks(state=TaskState.ACTIVE) if not t.children.exists()]
        task = self.rng.choice(leaves)
        done = self.rng.random() < 0.2
        task_services.record_progress(
            self.admin,
            task,
            percent_done=Decimal(self.rng.randint(0, 10000)) / 100,
            completed_on=clock.today() if done else None,
        )

    def new_task(self):
        parent = self.rng.choice([None, *self.tasks()])
        program = parent.program if parent else self.rng.choice(self.tasks()).program
        task_services.create_task(
            self.admin,
            program=program,
            lead_agency=self.rng.choice(self.leads_for(program)),
            parent=parent,
            title=f"Việc mới {self.rng.randint(1, 10**6)}",
            weight=Decimal(self.rng.randint(1, 5)),
            due_date=clock.today() + dt.timedelta(days=self.rng.randint(-30, 200)),
        )

    def move(self):
        task = self.rng.choice(self.tasks())
        parent = self.rng.choice([None, *self.tasks(program_id=task.program_id)])
        tree_services.move_task(self.admin, task, parent)

    def reassign(self):
        task = self.rng.choice(self.tasks())
        lead = self.rng.choice(self.leads_for(task))
        task_services.update_task(self.admin, task, expected_version=task.version, lead_agency=lead)

    def reweigh(self):
        task = self.rng.choice(self.tasks())
        weight = Decimal(self.rng.randint(0, 8))
        task_services.update_task(self.admin, task, expected_version=task.version, weight=weight)

    def pause_or_cancel(self):
        task = self.rng.choice(self.tasks())
        state = self.rng.choice([TaskState.PAUSED, TaskState.CANCELLED, TaskState.ACTIVE])
        task_services.set_task_state(self.admin, task, state=state, reason="Điều chỉnh kế hoạch")

    def delete(self):
        tree_services.delete_task(self.admin, self.rng.choice(self.tasks()))

    def step(self) -> None:
        name = self.rng.choice(
            ["progress", "progress", "new_task", "move", "reassign", "reweigh", "pause_or_cancel", "delete"]
        )
        try:
            getattr(self, name)()
        except DomainError:
            return
        self.applied[name] += 1


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_incremental_equals_rebuild_equals_the_function(rworld, seed):
    w = rworld
    services.rebuild()
    assert_consistent()
    writer = Writer(w, seed)
    for round_ in range(6):
        for _ in range(8):
            writer.step()
        if round_ == 2:
            # an approval: the commune's report accepted by the city, its percent applied
            report = sent(w, percent="65")
            report_services.accept_report(w.users["hni_leader"], report, expected_version=report.version)
            writer.applied["accepted report"] += 1
        if round_ == 4:
            # the merged commune leads a task: the merger hands it to the commune it joins
            task_services.create_task(
                writer.admin,
                program=w.tasks["hni_xa"].program,
                lead_agency=w.hni_xa2,
                title="Chuyển đổi số cấp xã",
                due_date=dt.date(2026, 12, 31),
            )
            fold_now()
            assert ProgressRollup.objects.filter(agency=w.hni_xa2).exists()
            merge_agencies(
                writer.admin,
                sources=[w.hni_xa2],
                into=w.hni_xa,
                effective_on=clock.today(),
                reference="Nghị quyết số 1656/NQ-UBTVQH15",
            )
            writer.applied["merger"] += 1
        fold_now()
        assert_consistent()
        if round_ == 4:
            assert not ProgressRollup.objects.filter(agency=w.hni_xa2).exists()
    assert sum(writer.applied.values()) >= 25, writer.applied
    assert writer.applied["progress"] >= 3 and writer.applied["accepted report"] == 1


def test_an_accepted_report_shows_in_the_folded_figures(rworld):
    w = rworld
    services.rebuild()
    row = ProgressRollup.objects.get(agency=w.hni_xa_ubnd, resolution=w.res)
    assert row.progress == Decimal("0.00") and row.in_progress == 0
    report = sent(w, percent="65")
    report_services.accept_report(w.users["hni_leader"], report, expected_version=report.version)
    row.refresh_from_db()
    assert row.progress == Decimal("0.00")  # not yet folded
    fold_now()
    row.refresh_from_db()
    assert row.progress == Decimal("65.00") and row.in_progress == 1
    assert FoldState.objects.get(pk=1).last_seq == sealing.AuditEntry.objects.order_by("-seq").first().seq


def test_a_new_day_recounts_statuses_without_any_write(rworld):
    w = rworld
    services.rebuild()
    row = ProgressRollup.objects.get(agency=w.hni_so, resolution=w.res)
    assert row.overdue == 0  # due 31/03/2026, today 17/03/2026
    with time_machine.travel(dt.datetime(2026, 4, 2, 9, tzinfo=clock.tz()), tick=False):
        assert services.fold() == 0  # no audit row, but a new day
        row.refresh_from_db()
        assert row.overdue == 1 and row.as_of == dt.date(2026, 4, 2)
        assert_consistent()


def test_rows_of_a_resolution_without_tasks_are_removed(rworld):
    w = rworld
    services.rebuild()
    assert ProgressRollup.objects.filter(resolution=w.res).exists()
    Task.objects.filter(resolution=w.res).update(resolution=w.res2)  # a bulk change no audit row names
    services.rebuild()
    assert not ProgressRollup.objects.filter(resolution=w.res).exists()
    assert ProgressRollup.objects.filter(resolution=w.res2).exists()
