"""The evaluation world: the test world on 20/10/2026, evaluating the third quarter of 2026 (Decree
09 cut-off: 15/06/2026–14/09/2026; its tasks judged on 14/09/2026, its reports and directives on
20/10/2026). Made with the ORM: every figure below is counted by hand in the tests.

Thành ủy Hà Nội's subtree (programme issued 01/01/2026):

* tasks due in the quarter: ``hni`` (UBND, due 30/06, done 28/06: on time), ``t1`` (Sở, due 15/08,
  done 10/08: on time), ``t2`` (UBND xã, due 10/09, done 12/09: late), ``t3`` (UBND, due 31/07, not
  done) — 2 of 4 on time; ``t4`` cancelled and ``t5`` ongoing do not count;
* lowest-level tasks in progress on 14/09: ``hni_so`` (due 31/03, 50 % of 100 expected: 0.5),
  ``hni_xa`` (due 30/09, 47 % of 94 expected: 0.5), ``t3`` (60 % of 100: 0.6) — sum 1.6 over 3;
* KPIs with an accepted Q3 value: K1 on ``t3`` (plan 70.3297 on 14/09, actual 80: on track), K2 on
  ``hni_xa`` (plan 100, actual 90: behind); K3 on ``hni_so`` has no value — 1 of 2 on track;
* Q3 reports (due 19/09): UBND sent on time, UBND xã sent late, Sở none — 3 expected, 2 received,
  1 on time;
* directives: 3 judged (on time, on time at 23:30 on its last day, late), 1 not yet due, 1 withdrawn,
  1 issued before the quarter — 2 of 3 on time.

Score (weights 30/25/20/15/10): 15 + 13.3333 + 10 + 7.5 + 6.6667 = 52.5 → completed duties.

Thành ủy TP. Hồ Chí Minh: one task due and done on time (``hcm_x``), two in progress at 0 % (85 %
expected): on time 100 %, progress 0 %, nothing else — 30 / 55 × 100 = 54.5.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import time_machine

from resmon.catalogue.models import Cutoff, PeriodKind, ReportingPeriod
from resmon.catalogue.services_periods import generate_periods
from resmon.core.access import Role
from resmon.monitoring.directives.models import Directive, DirectiveRecipient, DirectiveStatus
from resmon.planning.models import ActionProgram
from resmon.planning.status import TaskState
from resmon.reporting.models import Observation, PeriodReport, ReportState
from tests.factories import task, user
from tests.planning.kpi_helpers import indicator, kpi

TODAY = dt.datetime(2026, 10, 20, 3, 0, tzinfo=dt.UTC)  # 10:00 in Hà Nội
TZ = dt.timezone(dt.timedelta(hours=7))


def q3() -> ReportingPeriod:
    return ReportingPeriod.objects.get(kind=PeriodKind.QUARTER, cutoff=Cutoff.DECREE09, code="2026-Q3")


def add_people(world) -> None:
    """Leaders and officers for the steps: the provinces', a commune's, the People's Committee's."""
    for name, agency, role in (
        ("hcm_leader", world.hcm, Role.LEADER),
        ("xa_leader", world.hni_xa, Role.LEADER),
        ("hni_ubnd_leader", world.hni_ubnd, Role.LEADER),
    ):
        world.users[name] = user(name, agency, role)


def _local(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def _report(world, program, agency, *, late: bool, sent_on: dt.date | None, state=ReportState.ACCEPTED):
    period = q3()
    due = period.end + dt.timedelta(days=5)
    sent = _local(sent_on) if sent_on else None
    return PeriodReport.objects.create(
        program=program,
        resolution=program.resolution,
        period=period,
        agency=agency,
        accepting_agency=program.agency,
        state=state,
        due_date=due,
        grace_until=due,
        first_sent_at=sent,
        sent_at=sent,
        is_late=late,
    )


def _observation(world, ind, agency, report, value) -> None:
    Observation.objects.create(
        indicator=ind,
        indicator_version=ind.current,
        agency=agency,
        period=report.period,
        report=report,
        value=Decimal(value),
        entered_by=world.users["sysadmin"],
    )


def _directive(world, agency, *, issued: dt.date, due: dt.date, reported=None, status=DirectiveStatus.OPEN):
    d = Directive.objects.create(
        issued_by=world.users["national_leader"],
        issuing_agency=world.root,
        agency=agency,
        text="Đôn đốc hoàn thành nhiệm vụ",
        due_date=due,
        status=status,
    )
    Directive.objects.filter(pk=d.pk).update(created_at=_local(issued))
    DirectiveRecipient.objects.create(directive=d, agency=agency, reported_at=reported)


def populate(world) -> None:
    with time_machine.travel(dt.datetime(2026, 1, 5, 3, 0, tzinfo=dt.UTC), tick=False):
        generate_periods(first_year=2026, years_ahead=0, cutoff=Cutoff.DECREE09)
    add_people(world)
    T = world.tasks
    p_hni = T["hni"].program
    ActionProgram.objects.filter(pk=p_hni.pk).update(
        status=ActionProgram.Status.ISSUED, issued_on=dt.date(2026, 1, 1)
    )
    p_hni.refresh_from_db()

    def done(t, on, percent=Decimal(100)):
        t.completed_on = on
        t.percent_done = percent
        t.save()

    done(T["hni"], dt.date(2026, 6, 28))
    T["hni_so"].percent_done = Decimal(50)
    T["hni_so"].save()
    T["hni_xa"].percent_done = Decimal(47)
    T["hni_xa"].save()
    T["t1"] = task(p_hni, world.hni_so, code="2", due_date=dt.date(2026, 8, 15))
    done(T["t1"], dt.date(2026, 8, 10))
    T["t2"] = task(p_hni, world.hni_xa_ubnd, code="3", due_date=dt.date(2026, 9, 10))
    done(T["t2"], dt.date(2026, 9, 12))
    T["t3"] = task(p_hni, world.hni_ubnd, code="4", due_date=dt.date(2026, 7, 31), percent_done=Decimal(60))
    T["t4"] = task(p_hni, world.hni_ubnd, code="5", due_date=dt.date(2026, 8, 1), state=TaskState.CANCELLED)
    T["t5"] = task(p_hni, world.hni_ubnd, code="6", ongoing=True)

    k1 = indicator(world.bo_khcn, "EV-K1", name="Chỉ tiêu K1")
    kpi(
        T["t3"],
        k1,
        targets=((dt.date(2026, 12, 31), "100"),),
        baseline=("0", dt.date(2026, 1, 1)),
    )
    k2 = indicator(world.bo_khcn, "EV-K2", name="Chỉ tiêu K2")
    kpi(T["hni_xa"], k2, targets=((dt.date(2026, 12, 31), "100"),), baseline=("100", dt.date(2025, 1, 1)))
    k3 = indicator(world.bo_khcn, "EV-K3", name="Chỉ tiêu K3")
    kpi(T["hni_so"], k3)

    r_ubnd = _report(world, p_hni, world.hni_ubnd, late=False, sent_on=dt.date(2026, 9, 18))
    r_xa = _report(world, p_hni, world.hni_xa_ubnd, late=True, sent_on=dt.date(2026, 9, 25))
    _observation(world, k1, world.hni_ubnd, r_ubnd, "80")
    _observation(world, k2, world.hni_xa_ubnd, r_xa, "90")

    _directive(
        world, world.hni_ubnd, issued=dt.date(2026, 7, 10), due=dt.date(2026, 9, 1),
        reported=_local(dt.date(2026, 8, 30)),
    )  # fmt: skip
    _directive(
        world, world.hni_ubnd, issued=dt.date(2026, 8, 1), due=dt.date(2026, 8, 31),
        reported=_local(dt.date(2026, 8, 31), 23, 30),
    )  # fmt: skip
    _directive(
        world, world.hni_so, issued=dt.date(2026, 7, 10), due=dt.date(2026, 8, 20),
        reported=_local(dt.date(2026, 8, 25)),
    )  # fmt: skip
    _directive(world, world.hni_xa_ubnd, issued=dt.date(2026, 9, 1), due=dt.date(2026, 10, 30))
    _directive(
        world, world.hni_ubnd, issued=dt.date(2026, 7, 2), due=dt.date(2026, 7, 20),
        status=DirectiveStatus.WITHDRAWN,
    )  # fmt: skip
    _directive(world, world.hni_ubnd, issued=dt.date(2026, 5, 1), due=dt.date(2026, 5, 20))

    p_hcm = T["hcm"].program
    T["hcm_x"] = task(p_hcm, world.hcm, code="2", due_date=dt.date(2026, 7, 15))
    done(T["hcm_x"], dt.date(2026, 7, 10))
