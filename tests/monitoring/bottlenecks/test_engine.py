"""The bottleneck computation on small graphs, with exact numbers (engine.py is pure: no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from resmon.monitoring.bottlenecks.engine import PART, TASK, Held, PartFact, TaskFact, compute, find_blockers

TODAY = dt.date(2026, 5, 20)
A, B, C, D, E = 1, 2, 3, 4, 5  # agencies


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def tasks(*facts: TaskFact) -> dict[int, TaskFact]:
    return {f.id: f for f in facts}


def t(id_: int, agency: int, due: int | None, weight: str = "1", **kw) -> TaskFact:
    return TaskFact(id_, agency, None if due is None else day(due), Decimal(weight), **kw)


def test_an_overdue_prerequisite_holds_its_dependent_for_the_days_it_is_overdue():
    facts = tasks(t(1, A, -10), t(2, B, 30))
    r = compute(facts, [(2, 1)], [], TODAY)
    (a,) = r.agencies
    assert (a.agency_id, a.rank, a.blocked_tasks, a.direct_tasks, a.weighted_days, a.max_days) == (
        A,
        1,
        1,
        1,
        Decimal("10.00"),
        10,
    )
    (link,) = r.links
    assert (link.from_agency_id, link.to_agency_id, link.blocked_tasks, link.weighted_days) == (
        A,
        B,
        1,
        Decimal("10.00"),
    )


def test_the_delay_propagates_down_the_chain_weighted_by_each_task():
    # 1 (A, overdue 10) <- 2 (B, weight 2) <- 3 (C, weight 3); 2 is not overdue itself
    facts = tasks(t(1, A, -10), t(2, B, 30, "2"), t(3, C, 60, "3"))
    r = compute(facts, [(2, 1), (3, 2)], [], TODAY)
    (b,) = r.blockers
    assert b.held == {2: Held(10, 1), 3: Held(10, 2, via=2)}
    (a,) = r.agencies
    assert a.weighted_days == Decimal("50.00")  # 2×10 + 3×10
    assert (a.blocked_tasks, a.direct_tasks) == (2, 1)
    assert [(x.to_agency_id, x.blocked_tasks, x.weighted_days) for x in r.links] == [
        (C, 1, Decimal("30.00")),
        (B, 1, Decimal("20.00")),
    ]


def test_a_prerequisite_due_after_the_dependent_needs_it_is_late_by_the_difference():
    facts = tasks(t(1, A, 20), t(2, B, 5), t(3, C, 5), t(4, D, 40))
    # 1 is due 15 days after 2 must be finished; 4 (due later) is not held by 1;
    # 3 waits for 4, due 35 days after 3
    r = compute(facts, [(2, 1), (4, 1), (3, 4)], [], TODAY)
    got = {(b.task_id, b.kind, b.overdue_days): b.held for b in r.blockers}
    assert got == {(1, TASK, -20): {2: Held(15, 1)}, (4, TASK, -40): {3: Held(35, 1)}}
    assert [(a.agency_id, a.weighted_days) for a in r.agencies] == [
        (D, Decimal("35.00")),
        (A, Decimal("15.00")),
    ]


def test_finished_cancelled_and_ongoing_tasks_hold_nothing_and_are_not_held():
    facts = tasks(
        t(1, A, -10, done=True),  # completed prerequisite
        t(2, B, 30),
        t(3, A, -10),  # overdue, but its only dependent is cancelled
        t(4, C, 30, cancelled=True),
        t(5, A, None),  # ongoing prerequisite: never overdue
        t(6, D, 10),
        t(7, A, -3, cancelled=True),  # a cancelled prerequisite
        t(8, E, 10),
        t(9, A, -4),  # overdue, its dependent completed
        t(10, B, -1, done=True),
    )
    r = compute(facts, [(2, 1), (4, 3), (6, 5), (8, 7), (10, 9)], [], TODAY)
    assert r.blockers == [] and r.agencies == [] and r.links == []


def test_an_undelivered_part_past_its_due_date_holds_the_task_and_what_waits_for_it():
    facts = tasks(t(1, B, 30), t(2, D, 60, "2"), t(3, B, 30), t(4, B, 30), t(5, B, 30, done=True))
    parts = [
        PartFact(11, 1, C, day(-7)),  # late by 7 days
        PartFact(12, 3, C, day(-7), delivered=True),  # delivered: nothing
        PartFact(13, 4, C, day(3)),  # not due yet
        PartFact(14, 5, C, day(-9)),  # the task is completed
        PartFact(15, 4, E, None),  # no due date
    ]
    r = compute(facts, [(2, 1)], parts, TODAY)
    (b,) = r.blockers
    assert (b.kind, b.part_id, b.task_id, b.agency_id, b.overdue_days) == (PART, 11, 1, C, 7)
    assert b.held == {1: Held(7, 1), 2: Held(7, 2, via=1)}
    (c,) = r.agencies
    assert (c.agency_id, c.weighted_days, c.late_parts, c.late_tasks) == (C, Decimal("21.00"), 1, 0)
    assert [(x.from_agency_id, x.to_agency_id, x.blocked_tasks, x.weighted_days) for x in r.links] == [
        (C, D, 1, Decimal("14.00")),
        (C, B, 1, Decimal("7.00")),
    ]


def test_cycles_end_and_a_blocker_never_holds_itself():
    facts = tasks(t(1, A, -5), t(2, B, 10), t(3, C, 10))
    # 2 waits for 1, 3 waits for 2, 1 waits for 3: a cycle (the service refuses one; the data may hold one)
    r = compute(facts, [(2, 1), (3, 2), (1, 3)], [], TODAY)
    one, three = r.blockers
    assert one.task_id == 1 and one.held == {2: Held(5, 1), 3: Held(5, 2, via=2)}
    # 3 is due 15 days after 1 needs it: late against its needs, and it holds 1 and 2, never itself
    assert three.task_id == 3 and three.held == {1: Held(15, 1), 2: Held(15, 2, via=1)}
    # a self-dependency is ignored
    assert compute(tasks(t(1, A, -5)), [(1, 1)], [], TODAY).blockers == []


def test_a_task_reached_by_several_paths_counts_once_with_the_longest_delay():
    # diamond: 2 and 3 wait for 1; 4 waits for both
    facts = tasks(t(1, A, -6), t(2, B, 30), t(3, C, 30), t(4, D, 30, "4"))
    r = compute(facts, [(2, 1), (3, 1), (4, 2), (4, 3)], [], TODAY)
    (a,) = r.agencies
    assert a.held == {2: 6, 3: 6, 4: 6}
    assert a.weighted_days == Decimal("36.00")  # 6 + 6 + 4×6


def test_an_agency_counts_each_task_once_with_its_longest_blocker():
    # A leads two overdue prerequisites of the same task: 10 and 4 days
    facts = tasks(t(1, A, -10), t(2, A, -4), t(3, B, 30))
    r = compute(facts, [(3, 1), (3, 2)], [], TODAY)
    (a,) = r.agencies
    assert (a.blocked_tasks, a.weighted_days, a.late_tasks, a.max_days) == (1, Decimal("10.00"), 2, 10)
    assert [b.task_id for b in a.blockers] == [1, 2]  # the heaviest first


def test_weight_zero_counts_as_one():
    r = compute(tasks(t(1, A, -3), t(2, B, 9, "0")), [(2, 1)], [], TODAY)
    assert r.agencies[0].weighted_days == Decimal("3.00")


def test_one_agency_blocking_five_tasks_ranks_first():
    facts = tasks(
        t(1, A, -3),  # A's task, 3 days overdue, five tasks wait for it
        *(t(10 + k, B if k % 2 else C, 40) for k in range(5)),
        t(2, B, -6),  # B's task, 6 days overdue, two wait for it: 12 weighted days
        t(20, D, 40),
        t(21, D, 40),
        t(22, A, 40),  # C's part of this task is 10 days late: 10 weighted days
    )
    edges = [(10 + k, 1) for k in range(5)] + [(20, 2), (21, 2)]
    r = compute(facts, edges, [PartFact(1, 22, C, day(-10))], TODAY)
    assert [(a.agency_id, a.rank, a.blocked_tasks, a.weighted_days) for a in r.agencies] == [
        (A, 1, 5, Decimal("15.00")),
        (B, 2, 2, Decimal("12.00")),
        (C, 3, 1, Decimal("10.00")),
    ]


def test_equal_delay_ranks_the_agency_holding_more_tasks_first_and_equal_figures_share_a_rank():
    facts = tasks(
        t(1, A, -6),
        t(2, B, 30),  # A: one task for 6 days
        t(3, C, -2),
        t(4, D, 30),
        t(5, D, 30),
        t(6, D, 30),  # C: three tasks for 2 days (6 weighted days too)
        t(7, E, -6),
        t(8, B, 30),  # E: the same as A
    )
    r = compute(facts, [(2, 1), (4, 3), (5, 3), (6, 3), (8, 7)], [], TODAY)
    assert [(a.agency_id, a.rank) for a in r.agencies] == [(C, 1), (A, 2), (E, 2)]


def test_find_blockers_is_deterministic():
    facts = tasks(t(1, A, -3), t(2, B, 10), t(3, B, 10))
    first = find_blockers(facts, [(3, 1), (2, 1)], [], TODAY)
    second = find_blockers(facts, [(2, 1), (3, 1)], [], TODAY)
    assert first == second


def test_a_task_waiting_directly_stays_direct_when_a_longer_chain_holds_it_longer():
    # 1 (A) is due 30 days after 2 needs it and 10 days after 3 needs it; 3 also waits for 2
    facts = tasks(t(1, A, 40), t(2, B, 10), t(3, C, 30))
    r = compute(facts, [(2, 1), (3, 1), (3, 2)], [], TODAY)
    (b,) = r.blockers
    assert b.held == {2: Held(30, 1), 3: Held(30, 1)}  # 3 is held 30 days (through 2), and waits directly
    assert r.agencies[0].direct_tasks == 2
