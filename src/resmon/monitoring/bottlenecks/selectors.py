"""Reads for the bottleneck pages and API: the facts of the tasks the user may see, fed to the pure
``engine`` in three ``.values()`` queries (open dependencies with both ends' facts, overdue
undelivered coordination parts, the agencies' names), then shaped for one page.

Scope: a dependency counts when the user sees both tasks; a coordination part when the user sees
its task (``visible_to`` on tasks, the one scope rule). A user sees bottlenecks among the tasks
visible to them, and nothing else; a task shown on a page is always one of them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.db.models import Q, QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from resmon.agencies import selectors as agencies
from resmon.agencies.models import Agency
from resmon.core import clock
from resmon.core.access import scope_filter
from resmon.core.errors import NotFound, ValidationFailed
from resmon.planning import selectors as planning
from resmon.planning.models import Resolution, Task, TaskCoordination, TaskDependency
from resmon.planning.status import TaskState

from . import engine

PAGE_SIZE = 50  # ranked agencies or links per page
BLOCKERS_PAGE = 20  # blockers per page of one agency's drill-down
GRAPH_NODES = 30  # the graph shows the heaviest agencies only (the table under it says so)
TOP_BLOCKERS = 3  # blockers named in a ranking row's explanation
CHUNK = 900  # ids per IN list (SQLite's variable limit, with room to spare)


def _signed_in(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", True)


def _open(prefix: str = "") -> Q:
    return Q(**{f"{prefix}completed_on__isnull": True}) & ~Q(**{f"{prefix}state": TaskState.CANCELLED})


def _prefixed(q: Q, prefix: str) -> Q:
    """The same condition on a related task: every lookup of ``q`` prefixed (``task__`` ...)."""
    out = Q()
    out.connector, out.negated = q.connector, q.negated
    children: list[Any] = []
    for child in q.children:
        if isinstance(child, Q):
            children.append(_prefixed(child, prefix))
        else:
            lookup, value = cast(tuple[str, Any], child)
            children.append((f"{prefix}{lookup}", value))
    out.children = children
    return out


def _scoped(qs: QuerySet, user: Any, *lookups: str) -> QuerySet:
    """``qs`` limited to rows whose tasks (at ``lookups``) the user sees: the one scope rule of
    ``visible_to`` (``scope_filter`` on Task), applied on the joined tasks, so the database starts
    from the few open dependencies and late parts instead of the set of every visible task."""
    if not _signed_in(user):
        return qs.none()
    q = scope_filter(Task, user.scope)
    if q is None:
        return qs
    for lookup in lookups:
        qs = qs.filter(_prefixed(q, f"{lookup}__"))
    return qs


def _fact(pk: int, agency_id: int, due: dt.date | None, ongoing: bool, weight: Decimal) -> engine.TaskFact:
    return engine.TaskFact(pk, agency_id, None if ongoing else due, weight)


def facts(
    user: Any, *, resolution: Resolution | None = None, today: dt.date | None = None
) -> tuple[dict[int, engine.TaskFact], list[tuple[int, int]], list[engine.PartFact]]:
    """The engine's inputs over the user's visible tasks (of one resolution, or all)."""
    today = today or clock.today()
    deps = _scoped(
        TaskDependency.objects.filter(_open("task__"), _open("depends_on__")), user, "task", "depends_on"
    )
    parts = _scoped(
        TaskCoordination.objects.filter(_open("task__"), delivered_on__isnull=True, due_date__lt=today),
        user,
        "task",
    )
    if resolution is not None:
        deps = deps.filter(task__resolution_id=resolution.pk, depends_on__resolution_id=resolution.pk)
        parts = parts.filter(task__resolution_id=resolution.pk)
    tasks: dict[int, engine.TaskFact] = {}
    edges: list[tuple[int, int]] = []
    rows = deps.order_by().values_list(
        "task_id",
        "task__lead_agency_id",
        "task__due_date",
        "task__ongoing",
        "task__weight",
        "depends_on_id",
        "depends_on__lead_agency_id",
        "depends_on__due_date",
        "depends_on__ongoing",
        "depends_on__weight",
    )
    for (
        t_id,
        t_agency,
        t_due,
        t_ongoing,
        t_weight,
        p_id,
        p_agency,
        p_due,
        p_ongoing,
        p_weight,
    ) in rows:
        tasks[t_id] = _fact(t_id, t_agency, t_due, t_ongoing, t_weight)
        tasks[p_id] = _fact(p_id, p_agency, p_due, p_ongoing, p_weight)
        edges.append((t_id, p_id))
    part_facts: list[engine.PartFact] = []
    part_rows = parts.order_by().values_list(
        "id",
        "task_id",
        "agency_id",
        "due_date",
        "task__lead_agency_id",
        "task__due_date",
        "task__ongoing",
        "task__weight",
    )
    for pk, t_id, agency_id, due, t_agency, t_due, t_ongoing, t_weight in part_rows:
        tasks.setdefault(t_id, _fact(t_id, t_agency, t_due, t_ongoing, t_weight))
        part_facts.append(engine.PartFact(pk, t_id, agency_id, due))
    return tasks, edges, part_facts


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    ids = sorted(set(ids))
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _agencies_by_id(ids: Iterable[int]) -> dict[int, Agency]:
    out: dict[int, Agency] = {}
    for chunk in _chunks(list(ids)):
        for a in Agency.objects.filter(pk__in=chunk).only("id", "code", "name", "path", "depth"):
            out[a.pk] = a
    return out


@dataclass
class Analysis:
    """One computation for one request: the engine's result with the agencies it names."""

    user: Any
    resolution: Resolution | None
    result: engine.Result
    agencies: dict[int, Agency] = field(default_factory=dict)

    @property
    def today(self) -> dt.date:
        return self.result.today

    def in_subtree(self, agency_id: int, subtree: Agency | None) -> bool:
        if subtree is None:
            return True
        found = self.agencies.get(agency_id)
        return found is not None and found.path.startswith(subtree.path)

    def ranking(self, subtree: Agency | None = None) -> list[engine.AgencyFigures]:
        """The ranked blocking agencies (those inside ``subtree`` when given; the ranks stay the
        national ones of the user's view, so a filtered list may start at rank 4)."""
        if subtree is None:
            return self.result.agencies
        return [a for a in self.result.agencies if self.in_subtree(a.agency_id, subtree)]

    def links(self, subtree: Agency | None = None) -> list[engine.LinkFigures]:
        """The links, the heaviest first (those with either end inside ``subtree`` when given)."""
        if subtree is None:
            return self.result.links
        return [
            x
            for x in self.result.links
            if self.in_subtree(x.from_agency_id, subtree) or self.in_subtree(x.to_agency_id, subtree)
        ]

    def tasks(self, ids: Iterable[int]) -> dict[int, Task]:
        """The visible tasks among ``ids``, with their lead agencies (one query per 900 ids)."""
        out: dict[int, Task] = {}
        for chunk in _chunks(list(ids)):
            qs = planning.tasks_visible(self.user, today=self.today).filter(pk__in=chunk)
            for t in qs.select_related("lead_agency"):
                out[t.pk] = t
        return out

    def parts(self, ids: Iterable[int]) -> dict[int, TaskCoordination]:
        out: dict[int, TaskCoordination] = {}
        for chunk in _chunks(list(ids)):
            for c in TaskCoordination.objects.filter(pk__in=chunk).select_related("agency"):
                out[c.pk] = c
        return out


def analyse(user: Any, *, resolution: Resolution | None = None, today: dt.date | None = None) -> Analysis:
    today = today or clock.today()
    tasks, edges, parts = facts(user, resolution=resolution, today=today)
    result = engine.compute(tasks, edges, parts, today)
    named = {a.agency_id for a in result.agencies} | {t.agency_id for t in tasks.values()}
    return Analysis(user, resolution, result, _agencies_by_id(named))


# --- filters ----------------------------------------------------------------------------------


def _id(raw: Any) -> int | None:
    text = str(raw if raw is not None else "").strip()
    return int(text) if text.isdigit() and 0 < len(text) < 19 else None


def pick_resolution(user: Any, raw: Any) -> Resolution | None:
    """The chosen resolution, None for all; a clear ValidationFailed when it is not one the user sees."""
    if raw in (None, ""):
        return None
    rid = _id(raw)
    found = planning.resolutions_visible(user).filter(pk=rid).first() if rid else None
    if found is None:
        raise ValidationFailed(
            _("The chosen resolution does not exist."), field="resolution", code="unknown_resolution"
        )
    return found


def pick_agency(user: Any, raw: Any) -> Agency | None:
    """The chosen agency subtree, None for the user's whole view; NotFound (a 404) outside the scope."""
    if raw in (None, ""):
        return None
    aid = _id(raw)
    if aid is None:
        raise NotFound(_("Not found, or you do not have access to it."))
    return agencies.get_agency(user, aid)


def agency_for_drilldown(user: Any, analysis: Analysis, agency_id: Any) -> Agency:
    """An agency the user sees, or one that blocks or leads a task of the user's view (its name is
    already on the tasks the user sees); NotFound (a 404) otherwise."""
    aid = _id(agency_id)
    if aid is None:
        raise NotFound(_("Not found, or you do not have access to it."))
    if aid in analysis.agencies:
        return analysis.agencies[aid]
    return agencies.get_agency(user, aid)


# --- shaping ----------------------------------------------------------------------------------


def pages(count: int, size: int) -> int:
    return max(1, math.ceil(count / size))


def page_number(raw: Any, count: int, size: int) -> int:
    """A page number from the query string, clamped to the pages there are (1 for nonsense)."""
    n = _id(raw) or 1
    return min(n, pages(count, size))


def days_text(value: Decimal | int) -> str:
    """A number of days with the active language's separators (vi: 1.234,5), no trailing zeros."""
    number = Decimal(value).normalize()
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    places = max(0, -int(number.as_tuple().exponent))
    return number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)


def explanation(figures: engine.AgencyFigures) -> str:
    """The numbers behind a rank, in one sentence of the active language."""
    numbers = {
        "tasks": figures.blocked_tasks,
        "direct": figures.direct_tasks,
        "late": figures.late_tasks,
        "parts": figures.late_parts,
        "weighted": days_text(figures.weighted_days),
        "days": figures.max_days,
    }
    if figures.late_tasks and figures.late_parts:
        text = _(
            "Holds up %(tasks)s task(s), %(direct)s of them directly, through %(late)s late "
            "task(s) and %(parts)s undelivered coordination part(s): %(weighted)s weighted days of "
            "delay, the longest %(days)s days."
        )
    elif figures.late_parts:
        text = _(
            "Holds up %(tasks)s task(s), %(direct)s of them directly, through %(parts)s undelivered "
            "coordination part(s): %(weighted)s weighted days of delay, the longest %(days)s days."
        )
    else:
        text = _(
            "Holds up %(tasks)s task(s), %(direct)s of them directly, through %(late)s late "
            "task(s): %(weighted)s weighted days of delay, the longest %(days)s days."
        )
    return text % numbers


@dataclass
class BlockerView:
    blocker: engine.Blocker
    task: Task | None
    part: TaskCoordination | None = None
    held: list[tuple[Task, engine.Held, Task | None]] = field(default_factory=list)  # task, how, through

    @property
    def late_against_needs(self) -> bool:
        return self.blocker.overdue_days <= 0


@dataclass
class RankRow:
    figures: engine.AgencyFigures
    agency: Agency
    top: list[BlockerView]
    explanation: str


def blocker_views(
    analysis: Analysis, blockers: Sequence[engine.Blocker], *, with_held: bool
) -> list[BlockerView]:
    ids = {b.task_id for b in blockers}
    if with_held:
        for b in blockers:
            ids.update(b.held)
    tasks = analysis.tasks(ids)
    parts = analysis.parts([b.part_id for b in blockers if b.part_id is not None])
    out = []
    for b in blockers:
        view = BlockerView(b, tasks.get(b.task_id), parts.get(b.part_id) if b.part_id else None)
        if with_held:
            held = sorted(b.held.items(), key=lambda kv: (kv[1].depth, -kv[1].days, kv[0]))
            view.held = [(tasks[t], h, tasks.get(h.via) if h.via else None) for t, h in held if t in tasks]
        out.append(view)
    return out


def rank_rows(analysis: Analysis, rows: Sequence[engine.AgencyFigures]) -> list[RankRow]:
    """One page of the ranking with names, the top blockers of each row and its explanation."""
    top = [b for r in rows for b in r.blockers[:TOP_BLOCKERS]]
    views = {id(v.blocker): v for v in blocker_views(analysis, top, with_held=False)}
    return [
        RankRow(
            r,
            analysis.agencies[r.agency_id],
            [views[id(b)] for b in r.blockers[:TOP_BLOCKERS]],
            explanation(r),
        )
        for r in rows
    ]


def graph(analysis: Analysis, subtree: Agency | None = None, limit: int = GRAPH_NODES) -> dict[str, Any]:
    """The heaviest links between different agencies (either end inside ``subtree`` when given),
    taken in order while their agencies number at most ``limit``: the nodes are those agencies
    (a blocking one sized by the weighted days it causes), the edges those links. An agency holding
    up its own tasks is a figure of its node, not an edge."""
    nodes: dict[int, engine.AgencyFigures | None] = {}
    edges: list[engine.LinkFigures] = []
    candidates = [x for x in analysis.links(subtree) if not x.own]
    for link in candidates:
        new = [a for a in (link.from_agency_id, link.to_agency_id) if a not in nodes]
        if len(nodes) + len(new) > limit:
            continue
        for agency_id in new:
            nodes[agency_id] = analysis.result.agency(agency_id)
        edges.append(link)
    return {"nodes": nodes, "edges": edges, "total_links": len(candidates)}
