"""Reads on period reports, always scoped to what the user may see (``visible_to`` first)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Max, Prefetch, Q, QuerySet

from resmon.agencies.models import Agency
from resmon.catalogue import periods as cal
from resmon.catalogue.models import ReportingPeriod
from resmon.catalogue.services_periods import configured_cutoff
from resmon.core import clock
from resmon.core.access import Role, get_visible_or_404, visible_to
from resmon.planning.models import ActionProgram, Milestone, Task
from resmon.planning.services.schedule import schedule_of
from resmon.planning.status import TaskState

from .models import EDITABLE_STATES, PeriodReport, ReportLine, ReportState

QUEUES = ("to_prepare", "to_approve", "to_accept", "returned")
DUE_MAX_PAIRS = 500  # (programme, agency) pairs listed in the "to write" list at most
Q_MAX = 200


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def paths_q(lookup: str, prefixes: tuple[str, ...]) -> Q:
    """Rows whose ``lookup`` (an agency path) lies under one of ``prefixes`` (none: no row)."""
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(**{f"{lookup}__startswith": prefix})
    return q


def _write_q(user: Any, lookup: str) -> Q | None:
    """Rows whose ``lookup`` path lies in the user's write scope (None: everything)."""
    scope = user.scope
    if scope.role == Role.SYSTEM_ADMIN:
        return None
    return paths_q(lookup, scope.write_paths)


def _queue_filter(user: Any, qs: QuerySet[PeriodReport], queue: str) -> QuerySet[PeriodReport]:
    scope = user.scope
    admin = scope.role == Role.SYSTEM_ADMIN
    if queue == "to_prepare":
        if not admin and scope.role not in (Role.FOCAL_OFFICER, Role.LEADER):
            return qs.none()
        qs = qs.filter(state__in=EDITABLE_STATES)
        q = _write_q(user, "agency__path")
    elif queue == "to_approve":
        if not admin and scope.role != Role.LEADER:
            return qs.none()
        qs = qs.filter(state=ReportState.AWAITING_HEAD)
        q = _write_q(user, "agency__path")
    elif queue == "to_accept":
        if not admin and scope.role not in (Role.FOCAL_OFFICER, Role.LEADER):
            return qs.none()
        qs = qs.filter(state=ReportState.SENT)
        q = _write_q(user, "accepting_agency__path")
        own = getattr(user, "agency", None)
        if not admin and own is not None:
            # never one's own agency's report (nor one of an agency above it)
            qs = qs.exclude(agency__path__in=[*own.ancestor_paths, own.path])
    elif queue == "returned":
        qs = qs.filter(state=ReportState.RETURNED)
        q = _write_q(user, "agency__path")
    else:
        raise ValueError(f"unknown queue {queue!r}; one of {', '.join(QUEUES)}")
    return qs if q is None else qs.filter(q)


def reports_for(
    user: Any,
    *,
    queue: str | None = None,
    period: Any = None,
    program: Any = None,
    agency: Any = None,
    state: str | None = None,
    q: str = "",
) -> QuerySet[PeriodReport]:
    """The reports the user may see, optionally one of their queues:

    * ``to_prepare``: draft or returned reports of agencies in the user's write scope (focal
      officers and leaders);
    * ``to_approve``: reports awaiting the head, for leaders of the reporting agency;
    * ``to_accept``: sent reports the user may accept (write scope on the accepting level, never
      the user's own agency's report);
    * ``returned``: returned reports of agencies in the user's write scope.

    ``period``, ``program`` (objects or ids), ``agency`` (object or id: reporting agencies inside
    its subtree), ``state``, and ``q`` (words in the agency's or programme's name or the period).
    Newest period first."""
    qs = visible_to(user, PeriodReport.objects.all()).select_related(
        "program", "period", "agency", "accepting_agency"
    )
    if queue:
        qs = _queue_filter(user, qs, queue)
    if period is not None:
        qs = qs.filter(period_id=_pk(period))
    if program is not None:
        qs = qs.filter(program_id=_pk(program))
    if agency is not None:
        path = (
            agency.path
            if isinstance(agency, Agency)
            else (Agency.objects.filter(pk=agency).values_list("path", flat=True).first())
        )
        qs = qs.filter(agency__path__startswith=path) if path else qs.none()
    if state:
        qs = qs.filter(state=state)
    for word in (q or "").strip()[:Q_MAX].split():
        qs = qs.filter(
            Q(agency__name__icontains=word)
            | Q(program__title__icontains=word)
            | Q(program__number__icontains=word)
            | Q(period__label__icontains=word)
            | Q(period__code__icontains=word)
        )
    return qs.order_by("-period__end", "-period__start", "agency__path", "program_id", "pk")


def get_report(user: Any, report_id: Any) -> PeriodReport:
    """One report; NotFound (a 404) when it is missing or outside the user's scope."""
    return get_visible_or_404(
        user,
        PeriodReport.objects.select_related(
            "program", "resolution", "period", "agency", "accepting_agency", "prepared_by"
        ),
        pk=report_id,
    )


def leaf_task_ids(task_ids: Any) -> set[int]:
    """The tasks among ``task_ids`` that have no sub-tasks (one query): their percent done is
    entered in a report; a parent's is rolled up from its sub-tasks."""
    ids = {int(i) for i in task_ids}
    if not ids:
        return set()
    return ids - set(Task.objects.filter(parent_id__in=ids).values_list("parent_id", flat=True))


def report_lines(report: PeriodReport) -> list[ReportLine]:
    """The report's lines in the programme's tree order, with their task (and its milestones),
    the milestones reached, the evidence and the lines they were consolidated from."""
    return list(
        report.lines.select_related("task", "task__lead_agency", "task__parent")
        .prefetch_related(
            "milestones_reached",
            "evidence",
            Prefetch("task__milestones", queryset=Milestone.objects.order_by("due_date", "position", "id")),
            Prefetch("sources", queryset=ReportLine.objects.select_related("report__agency", "task")),
        )
        .order_by("position", "id")
    )


def reports_for_task(user: Any, task: Any) -> QuerySet[ReportLine]:
    """The task's progress reports in period reports the user may see, newest period first."""
    return (
        visible_to(user, ReportLine.objects.filter(task_id=_pk(task)))
        .select_related("report", "report__period", "report__agency", "report__accepting_agency")
        .order_by("-report__period__end", "-report__period__start", "-pk")
    )


def _current_period(entry: Any, today: dt.date, cutoff: str) -> cal.Period:
    """The period whose report is due next (the last one that ended until its due date passed)."""
    period, _due = entry.next_due(today, cutoff)
    return period


def due_reports_for(user: Any, period: Any = None) -> list[dict[str, Any]]:
    """The reports the user's agency (and the agencies under it that lead tasks) should write:
    one row per (programme, agency) pair with a task due for reporting, for ``period`` when the
    programme reports on its kind, else for each kind of its schedule the period due next.

    Rows: {"program", "agency", "period" (ReportingPeriod), "due_date", "grace_until", "overdue",
    "report" (the existing report or None)}, ordered by due date then agency. Only for focal
    officers and leaders (and system admins) with an agency; at most DUE_MAX_PAIRS pairs."""
    own = getattr(user, "agency", None)
    if own is None or user.scope.role not in (Role.FOCAL_OFFICER, Role.LEADER, Role.SYSTEM_ADMIN):
        return []
    pairs = (
        Task.objects.filter(lead_agency__path__startswith=own.path)
        .exclude(state=TaskState.CANCELLED)
        .values("program_id", "lead_agency_id")
        .annotate(open=Count("pk", filter=Q(completed_on__isnull=True)), last_done=Max("completed_on"))
        .order_by("program_id", "lead_agency_id")[:DUE_MAX_PAIRS]
    )
    # per pair: None when a task is not completed (always due), else the latest completion date
    latest_completion: dict[tuple[int, int], dt.date | None] = {
        (row["program_id"], row["lead_agency_id"]): None if row["open"] else row["last_done"] for row in pairs
    }
    if not latest_completion:
        return []
    programs = {
        p.pk: p
        for p in ActionProgram.objects.filter(pk__in={k[0] for k in latest_completion}).prefetch_related(
            "schedule"
        )
    }
    agencies = Agency.objects.in_bulk({k[1] for k in latest_completion})
    cutoff = configured_cutoff()
    today = clock.today()
    given = (
        period
        if isinstance(period, ReportingPeriod)
        else (ReportingPeriod.objects.filter(pk=period).first() if period is not None else None)
    )
    wanted: dict[tuple[int, int], list[tuple[cal.Period, Any]]] = defaultdict(list)
    codes: set[tuple[str, str]] = set()
    for key in latest_completion:
        program = programs.get(key[0])
        if program is None:
            continue
        for entry in schedule_of(program):
            if given is not None:
                if given.kind != entry.kind:
                    continue
                cal_period = cal.parse_code(given.code, given.cutoff)
            else:
                cal_period = _current_period(entry, today, cutoff)
            wanted[key].append((cal_period, entry))
            codes.add((cal_period.kind, cal_period.code))
    period_rows = {
        (p.kind, p.code): p
        for p in ReportingPeriod.objects.filter(
            cutoff=given.cutoff if given is not None else cutoff, code__in={c for _k, c in codes}
        )
    }
    existing = {
        (r.program_id, r.agency_id, r.period_id): r
        for r in PeriodReport.objects.filter(
            program_id__in=list(programs),
            agency_id__in=list(agencies),
            period_id__in=[p.pk for p in period_rows.values()],
        ).select_related("period")
    }
    rows: list[dict[str, Any]] = []
    for (program_id, agency_id), items in wanted.items():
        last_done = latest_completion[(program_id, agency_id)]
        for cal_period, entry in items:
            row_period = period_rows.get((cal_period.kind, cal_period.code))
            if row_period is None or row_period.start > today:
                continue
            if last_done is not None and last_done < row_period.start:
                continue  # every task was completed before the period: nothing to report
            due, grace = entry.due_of(cal_period)
            report = existing.get((program_id, agency_id, row_period.pk))
            rows.append(
                {
                    "program": programs[program_id],
                    "agency": agencies[agency_id],
                    "period": row_period,
                    "due_date": due,
                    "grace_until": grace,
                    "overdue": due < today and (report is None or report.first_sent_at is None),
                    "report": report,
                }
            )
    rows.sort(key=lambda r: (r["due_date"], r["agency"].path, r["program"].pk))
    return rows


def reports_to_start(user: Any, period: Any = None) -> list[dict[str, Any]]:
    """The rows of ``due_reports_for`` whose report has not been created yet ("Lập báo cáo")."""
    return [row for row in due_reports_for(user, period) if row["report"] is None]


def queue_counts(
    user: Any,
    *,
    queues: tuple[str, ...] = QUEUES,
    to_start: list[dict[str, Any]] | None = None,
    **filters: Any,
) -> dict[str, int]:
    """How many reports wait in each of the user's ``queues`` (``"all"``: every report they see),
    with the ``reports_for`` filters. "To prepare" also counts the reports still to start
    (``to_start``, the rows of ``reports_to_start`` when the caller already has them). What the
    reports hub shows on its tabs and the home page in "what needs me now"."""
    counts = {
        queue: reports_for(user, queue=None if queue == "all" else queue, **filters).count()
        for queue in queues
    }
    if "to_prepare" in counts:
        if to_start is None:
            to_start = reports_to_start(user, filters.get("period"))
        counts["to_prepare"] += len(to_start)
    return counts
