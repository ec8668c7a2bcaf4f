"""Bottlenecks, computed: which agencies and coordination links hold other tasks up, and by how much.

Pure (no Django, no database): ``selectors`` feeds it the facts of the tasks, dependencies and
coordination parts the user may see, and it answers in one pass.

The rules (the pages and the API state them in words):

* A **blocker** is either
  - an unfinished task (not completed, not cancelled, with a due date) that another unfinished task
    waits for (``TaskDependency``: the dependent can finish only after it) and that is **overdue**
    (its due date has passed), or **late against the dependent's needs** (its due date falls after
    the dependent's due date); or
  - a coordinating agency's **part** of an unfinished task that is not delivered and whose due date
    has passed.
* The tasks it **holds** are the ones waiting for it directly, and, down the dependency chains, the
  unfinished tasks waiting for those (a held task holds its own dependents). Each held task counts
  once per blocker, whatever the number of paths; a blocker never holds itself (cycles end there).
* The **days** a task is held: for an overdue task or part, today − its due date; for a task late
  against the dependent's needs, its due date − the dependent's due date. A task held down a chain
  is held as long as the task it waits through.
* **Weighted days** = Σ over the held tasks of (days × the task's weight; a weight of 0 counts as 1).
* Per **agency** (the lead agency of a blocking task; the coordinating agency of a part): the
  union of what its blockers hold, each task once with the longest days any of them holds it,
  summed as weighted days. Agencies are ranked by weighted days, then by the number of tasks held
  (equal on both: equal rank).
* Per **link** (blocking agency → the lead agency of a held task): the same figures, over the held
  tasks that agency leads.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

TASK = "task"  # a blocker that is an overdue (or late) prerequisite task
PART = "part"  # a blocker that is a coordinating agency's undelivered part

ONE = Decimal(1)


class TaskFact(NamedTuple):
    """One task as the engine needs it (a named tuple: tens of thousands are built per request)."""

    id: int
    agency_id: int  # the lead agency
    due: dt.date | None  # None: ongoing or undated
    weight: Decimal = ONE
    done: bool = False
    cancelled: bool = False

    @property
    def open(self) -> bool:
        return not self.done and not self.cancelled

    @property
    def weight_or_one(self) -> Decimal:
        return self.weight if self.weight and self.weight > 0 else ONE


class PartFact(NamedTuple):
    """A coordinating agency's part of a task (``TaskCoordination``)."""

    id: int
    task_id: int
    agency_id: int  # the coordinating agency
    due: dt.date | None
    delivered: bool = False


class Held(NamedTuple):
    """How one task is held by one blocker."""

    days: int
    depth: int  # 1: waits for the blocker directly; 2: waits for a task that waits for it; ...
    via: int | None = None  # the held task it waits for (depth > 1)


def _to_days(hundredths: int) -> Decimal:
    """Weighted days kept as integer hundredths while summing (exact and fast), as a Decimal."""
    return Decimal(hundredths).scaleb(-2)


@dataclass(slots=True)
class Blocker:
    kind: str  # TASK or PART
    task_id: int  # the blocking task, or the task the part belongs to
    agency_id: int
    due: dt.date
    overdue_days: int  # today − due (≤ 0 for a task only late against its dependents' needs)
    part_id: int | None = None
    held: dict[int, Held] = field(default_factory=dict)
    weight_cents: int = 0  # weighted days in hundredths

    @property
    def weighted_days(self) -> Decimal:
        return _to_days(self.weight_cents)

    @property
    def days(self) -> int:
        """The longest any task is held by it."""
        return max((h.days for h in self.held.values()), default=0)

    @property
    def direct(self) -> list[int]:
        return [t for t, h in self.held.items() if h.depth == 1]


@dataclass(slots=True)
class AgencyFigures:
    agency_id: int
    rank: int = 0
    blockers: list[Blocker] = field(default_factory=list)  # the heaviest first
    held: dict[int, int] = field(default_factory=dict)  # task id -> longest days held
    direct: set[int] = field(default_factory=set)
    weight_cents: int = 0

    @property
    def weighted_days(self) -> Decimal:
        return _to_days(self.weight_cents)

    @property
    def blocked_tasks(self) -> int:
        return len(self.held)

    @property
    def direct_tasks(self) -> int:
        return len(self.direct)

    @property
    def max_days(self) -> int:
        return max(self.held.values(), default=0)

    @property
    def late_tasks(self) -> int:
        return sum(1 for b in self.blockers if b.kind == TASK)

    @property
    def late_parts(self) -> int:
        return sum(1 for b in self.blockers if b.kind == PART)


@dataclass(slots=True)
class LinkFigures:
    from_agency_id: int  # the blocking agency
    to_agency_id: int  # the lead agency of the held tasks
    blocked_tasks: int = 0
    weight_cents: int = 0
    max_days: int = 0

    @property
    def weighted_days(self) -> Decimal:
        return _to_days(self.weight_cents)

    @property
    def own(self) -> bool:
        """The agency holds up its own tasks."""
        return self.from_agency_id == self.to_agency_id


@dataclass
class Result:
    today: dt.date
    agencies: list[AgencyFigures]  # ranked
    links: list[LinkFigures]  # the heaviest first
    tasks: Mapping[int, TaskFact]
    blockers: list[Blocker]
    by_agency: dict[int, AgencyFigures] = field(default_factory=dict)

    def agency(self, agency_id: int) -> AgencyFigures | None:
        return self.by_agency.get(agency_id)


def _dependents(tasks: Mapping[int, TaskFact], edges: Iterable[tuple[int, int]]) -> dict[int, list[int]]:
    """prerequisite -> the open tasks waiting for it (open prerequisites only), in id order."""
    open_ids = {pk for pk, t in tasks.items() if not t.done and not t.cancelled}
    out: dict[int, list[int]] = defaultdict(list)
    for task_id, depends_on in sorted(set(edges)):
        if task_id != depends_on and task_id in open_ids and depends_on in open_ids:
            out[depends_on].append(task_id)
    return out


def _spread(
    dependents: Mapping[int, list[int]],
    origins: Iterable[int],
    days: int,
    exclude: int | None,
    held: dict[int, Held],
) -> None:
    """Hold ``origins`` (waiting directly) and, breadth first down the chains, what waits for them,
    for ``days``; a task already held is not held again (a visited set: cycles end)."""
    frontier = []
    for origin in origins:
        if origin not in held and origin != exclude:
            held[origin] = Held(days, 1)
            frontier.append(origin)
    depth = 1
    while frontier:
        depth += 1
        following = []
        for node in frontier:
            for nxt in dependents.get(node, ()):
                if nxt not in held and nxt != exclude:
                    held[nxt] = Held(days, depth, node)
                    following.append(nxt)
        frontier = following


def _hold(
    dependents: Mapping[int, list[int]], direct: Mapping[int, int], exclude: int | None
) -> dict[int, Held]:
    """What ``direct`` (task -> days) holds down the chains: each task once, with the longest days
    (origins taken longest first, so the first to reach a task holds it longest)."""
    held: dict[int, Held] = {}
    by_days: dict[int, list[int]] = defaultdict(list)
    for origin, days in direct.items():
        by_days[days].append(origin)
    for days in sorted(by_days, reverse=True):
        _spread(dependents, sorted(by_days[days]), days, exclude, held)
    if len(by_days) > 1:  # a task waiting directly stays "direct" even when a longer chain reached it
        for t in direct:
            found = held.get(t)
            if found is not None and found.depth != 1:
                held[t] = Held(found.days, 1)
    return held


def _cents(tasks: Mapping[int, TaskFact]) -> dict[int, int]:
    """Each task's weight in hundredths (the field has two decimals): integer sums are exact and fast."""
    return {pk: int(t.weight * 100) if t.weight and t.weight > 0 else 100 for pk, t in tasks.items()}


def find_blockers(
    tasks: Mapping[int, TaskFact],
    edges: Iterable[tuple[int, int]],
    parts: Iterable[PartFact],
    today: dt.date,
    cents: Mapping[int, int] | None = None,
) -> list[Blocker]:
    """Every blocker with what it holds (see the module's rules)."""
    cents = _cents(tasks) if cents is None else cents
    dependents = _dependents(tasks, edges)
    blockers: list[Blocker] = []
    for pre_id in sorted(dependents):
        pre = tasks[pre_id]
        if pre.due is None:
            continue  # ongoing or undated: never overdue, no date to be late by
        overdue = (today - pre.due).days
        b = Blocker(TASK, pre_id, pre.agency_id, pre.due, overdue)
        if overdue > 0:  # every open dependent waits, for the same days
            _spread(dependents, dependents[pre_id], overdue, pre_id, b.held)
        else:
            direct = {}
            for t_id in dependents[pre_id]:
                dep_due = tasks[t_id].due
                if dep_due is not None and pre.due > dep_due:
                    direct[t_id] = (pre.due - dep_due).days
            if not direct:
                continue
            b.held = _hold(dependents, direct, exclude=pre_id)
        blockers.append(b)
    for part in sorted(parts, key=lambda p: p.id):
        task = tasks.get(part.task_id)
        if part.delivered or part.due is None or task is None or not task.open or part.due >= today:
            continue
        overdue = (today - part.due).days
        b = Blocker(PART, part.task_id, part.agency_id, part.due, overdue, part_id=part.id)
        _spread(dependents, (part.task_id,), overdue, None, b.held)
        blockers.append(b)
    for b in blockers:
        b.weight_cents = sum(cents[t] * h.days for t, h in b.held.items())
    return blockers


def _rank(rows: list[AgencyFigures]) -> None:
    rows.sort(key=lambda a: (-a.weight_cents, -len(a.held), a.agency_id))
    previous: tuple[int, int] | None = None
    for position, row in enumerate(rows, 1):
        key = (row.weight_cents, len(row.held))
        row.rank = rows[position - 2].rank if key == previous else position
        previous = key


def compute(
    tasks: Mapping[int, TaskFact],
    edges: Iterable[tuple[int, int]],
    parts: Iterable[PartFact],
    today: dt.date,
) -> Result:
    """The ranking of blocking agencies and the links between agencies."""
    cents = _cents(tasks)
    blockers = find_blockers(tasks, edges, parts, today, cents)
    by_agency: dict[int, AgencyFigures] = {}
    for b in blockers:
        figures = by_agency.get(b.agency_id)
        if figures is None:
            figures = by_agency[b.agency_id] = AgencyFigures(b.agency_id)
        figures.blockers.append(b)
        held, direct = figures.held, figures.direct
        for t, h in b.held.items():
            if h.days > held.get(t, 0):
                held[t] = h.days
            if h.depth == 1:
                direct.add(t)
    links: dict[tuple[int, int], LinkFigures] = {}
    for figures in by_agency.values():
        if len(figures.blockers) > 1:
            figures.blockers.sort(key=lambda b: (-b.weight_cents, -len(b.held), b.task_id, b.part_id or 0))
        source = figures.agency_id
        total = 0
        for t, days in figures.held.items():
            weighted = cents[t] * days
            total += weighted
            key = (source, tasks[t].agency_id)
            link = links.get(key)
            if link is None:
                link = links[key] = LinkFigures(source, key[1])
            link.blocked_tasks += 1
            link.weight_cents += weighted
            if days > link.max_days:
                link.max_days = days
        figures.weight_cents = total
    link_rows = sorted(
        links.values(), key=lambda x: (-x.weight_cents, -x.blocked_tasks, x.from_agency_id, x.to_agency_id)
    )
    ranked = list(by_agency.values())
    _rank(ranked)
    return Result(today, ranked, link_rows, tasks, blockers, by_agency)
