"""Reads for the six clears and for clause coverage; each starts from the user's scope."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from resmon.agencies.models import Agency
from resmon.core.access import visible_to

from . import clears
from .models import ActionProgram, Clause, Resolution, Task
from .selectors import tasks_visible

# --- six clears ------------------------------------------------------------------------------


def task_flags(task: Task) -> list[clears.Flag]:
    """The six flags of one (visible) task."""
    facts = clears.load_facts([task.pk]).get(task.pk)
    return clears.evaluate(facts) if facts else []


@dataclass
class FlagSummary:
    total: int = 0  # tasks looked at
    flagged: int = 0  # tasks with at least one open flag
    per_rule: dict[str, int] = field(default_factory=lambda: {r: 0 for r in clears.RULES})

    @property
    def rules(self) -> list[tuple[str, str, int]]:
        return [(r, str(clears.RULE_LABELS[r]), self.per_rule[r]) for r in clears.RULES]


def summarise(facts: dict[int, clears.TaskFacts]) -> tuple[FlagSummary, dict[int, list[clears.Flag]]]:
    summary = FlagSummary(total=len(facts))
    open_by_task: dict[int, list[clears.Flag]] = {}
    for task_id, f in facts.items():
        failed = clears.open_flags(f)
        if failed:
            open_by_task[task_id] = failed
            summary.flagged += 1
            for flag in failed:
                summary.per_rule[flag.rule] += 1
    return summary, open_by_task


def program_flags(program: ActionProgram) -> tuple[FlagSummary, dict[int, list[clears.Flag]]]:
    """Open flags over every task of a programme (the issuing rule looks at all of them)."""
    return summarise(clears.load_facts(Task.objects.filter(program_id=program.pk)))


@dataclass
class AgencyFlags:
    agency_id: int
    name: str = ""
    path: str = ""
    count: int = 0
    per_rule: Counter = field(default_factory=Counter)
    task_ids: list[int] = field(default_factory=list)
    tasks: list[tuple[Task, list[clears.Flag]]] = field(default_factory=list)

    @property
    def rule_counts(self) -> list[tuple[str, int]]:
        return [(r, self.per_rule.get(r, 0)) for r in clears.RULES]


def flagged_tasks(
    user: Any,
    *,
    resolution: Any = None,
    agency_path: str | None = None,
    rule: str | None = None,
) -> tuple[FlagSummary, list[AgencyFlags], dict[int, list[clears.Flag]]]:
    """Visible tasks with open flags, grouped by lead agency in tree order (tasks not loaded yet:
    see :func:`attach_tasks`), and the open flags of each task."""
    qs: QuerySet[Task] = visible_to(user, Task.objects.all())
    if resolution:
        qs = qs.filter(resolution_id=resolution)
    if agency_path:
        qs = qs.filter(lead_agency__path__startswith=agency_path)
    facts = clears.load_facts(qs)
    summary, open_by_task = summarise(facts)
    if rule:
        open_by_task = {k: v for k, v in open_by_task.items() if any(f.rule == rule for f in v)}
    groups: dict[int, AgencyFlags] = {}
    for task_id, flags in open_by_task.items():
        lead = facts[task_id].lead_agency_ids[0]
        g = groups.setdefault(lead, AgencyFlags(lead))
        g.count += 1
        g.task_ids.append(task_id)
        g.per_rule.update(f.rule for f in flags)
    for a in Agency.objects.filter(pk__in=list(groups)).values("id", "name", "path"):
        groups[a["id"]].name, groups[a["id"]].path = a["name"], a["path"]
    return summary, sorted(groups.values(), key=lambda g: g.path), open_by_task


def attach_tasks(
    user: Any, groups: list[AgencyFlags], open_by_task: dict[int, list[clears.Flag]], *, per_agency: int = 100
) -> None:
    """Load the tasks of the groups about to be shown (at most ``per_agency`` each)."""
    ids = [tid for g in groups for tid in sorted(g.task_ids)[:per_agency]]
    tasks = {t.pk: t for t in tasks_visible(user).filter(pk__in=ids).select_related("resolution")}
    for g in groups:
        rows = [tasks[tid] for tid in g.task_ids if tid in tasks]
        rows.sort(key=lambda t: (t.resolution_id, t.code, t.pk))
        g.tasks = [(t, open_by_task[t.pk]) for t in rows[:per_agency]]


# --- clauses and coverage --------------------------------------------------------------------


def clauses_of(resolution: Resolution) -> list[Clause]:
    """A resolution's clauses in reading order, each with ``depth`` (clauses are public)."""
    rows = list(Clause.objects.filter(resolution=resolution).order_by("order", "id"))
    depth: dict[int, int] = {}
    for c in rows:
        c.depth = depth[c.pk] = 0 if c.parent_id is None else depth.get(c.parent_id, 0) + 1
    return rows


@dataclass
class ProgramCoverage:
    program: ActionProgram
    covered: int
    uncovered: int


@dataclass
class Coverage:
    clauses: list[Clause]
    total: int
    covered: int
    programs: list[ProgramCoverage]

    @property
    def uncovered(self) -> int:
        return self.total - self.covered

    @property
    def uncovered_clauses(self) -> list[Clause]:
        return [c for c in self.clauses if not c.covered]


def _covered_ids(clauses: list[Clause], direct: set[int]) -> set[int]:
    """A clause is covered when a task implements it or one of the clauses inside it."""
    covered = set(direct)
    by_id = {c.pk: c for c in clauses}
    for cid in direct:
        c = by_id.get(cid)
        while c is not None and c.parent_id is not None:
            covered.add(c.parent_id)
            c = by_id.get(c.parent_id)
    return covered


def coverage(user: Any, resolution: Resolution, *, agency_path: str | None = None) -> Coverage:
    """Which clauses the tasks of the programmes in the user's scope implement (optionally only
    the programmes of one agency subtree), overall and per programme."""
    clauses = clauses_of(resolution)
    programs = visible_to(user, ActionProgram.objects.filter(resolution=resolution)).select_related("agency")
    if agency_path:
        programs = programs.filter(agency__path__startswith=agency_path)
    programs = list(programs.order_by("agency__path", "id"))
    through = Task.clauses.through
    links = list(
        through.objects.filter(
            task__program_id__in=[p.pk for p in programs], clause__resolution=resolution
        ).values_list("task__program_id", "clause_id")
    )
    per_program: dict[int, set[int]] = {}
    for program_id, clause_id in links:
        per_program.setdefault(program_id, set()).add(clause_id)
    all_direct: set[int] = set().union(*per_program.values()) if per_program else set()
    covered = _covered_ids(clauses, all_direct)
    counts = Counter(clause_id for _program_id, clause_id in links)
    for c in clauses:
        c.covered = c.pk in covered
        c.task_count = counts.get(c.pk, 0)
    total = len(clauses)
    rows = []
    for p in programs:
        n = len(_covered_ids(clauses, per_program.get(p.pk, set())))
        rows.append(ProgramCoverage(p, n, total - n))
    return Coverage(clauses=clauses, total=total, covered=len(covered), programs=rows)
