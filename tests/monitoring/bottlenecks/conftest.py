"""The bottleneck world: tests.factories.build_world() on 20/05/2026 with

* Hà Nội's department of science (hni_so) late with its task (due 31/03/2026: 50 days overdue),
  which five Hà Nội tasks wait for;
* a Hồ Chí Minh City ward's task (due 10/05/2026: 10 days overdue) that the city's task waits for;
* Hà Nội's People's Committee late with its part of the ministry's task (due 01/05/2026, not
  delivered: 19 days).

Expected nationwide: hni_so first (5 tasks, 250 weighted days), hni_ubnd (1 task, 19), hcm_xa (1, 10).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
import time_machine

from resmon.planning.models import TaskDependency
from tests.factories import World, task

TODAY = dt.date(2026, 5, 20)
NOW = dt.datetime(2026, 5, 20, 3, 0, tzinfo=dt.UTC)  # 10:00 in Hà Nội


@dataclass
class BWorld:
    w: World
    waiting: list  # the five Hà Nội tasks waiting for hni_so's task
    hcm_late: object  # the ward's overdue task


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def build(w: World) -> BWorld:
    p_hni = w.tasks["hni"].program
    p_hcm = w.tasks["hcm"].program
    blocker = w.tasks["hni_so"]  # due 31/03/2026, open
    leads = [w.hni_xa_ubnd, w.hni_xa_ubnd, w.hni_ubnd, w.hni_ubnd, w.hni_xa2]
    waiting = [
        task(
            p_hni,
            lead,
            code=f"9.{k}",
            title=f"Nhiệm vụ chờ Sở KHCN «wait{k}»",
            due_date=dt.date(2026, 9, 30),
            weight=Decimal(1),
        )
        for k, lead in enumerate(leads, 1)
    ]
    for t in waiting:
        TaskDependency.objects.create(task=t, depends_on=blocker)
    hcm_late = task(
        p_hcm, w.hcm_xa, code="1.2", title="Nhiệm vụ phường trễ «hcm_late»", due_date=dt.date(2026, 5, 10)
    )
    TaskDependency.objects.create(task=w.tasks["hcm"], depends_on=hcm_late)
    w.tasks["ministry"].coordinations.create(
        agency=w.hni_ubnd, sub_deliverable="Báo cáo của Hà Nội", due_date=dt.date(2026, 5, 1)
    )
    return BWorld(w, waiting, hcm_late)


@pytest.fixture
def bworld(world, frozen) -> BWorld:
    return build(world)
