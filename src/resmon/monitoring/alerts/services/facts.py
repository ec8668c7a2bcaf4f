"""The facts of every rule over the whole country, read in set-based passes.

Each pass reads a few ``values_list`` queries (never one per task), hands the facts to the pure
rules of ``rules.py`` and yields a :class:`Raised` per true condition: its key (the job compares
open alerts by it), the finding, the agency concerned and the supervising agency, and the objects
it is about. Passes hold one resolution's tasks (the progress roll-up needs the whole tree) or one
chunk of rows at a time, never the country.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.db.models import OuterRef, Q, Subquery

from resmon.agencies.models import Agency
from resmon.catalogue.models import ReportingPeriod
from resmon.catalogue.services_periods import configured_cutoff
from resmon.core import clock
from resmon.core.access import PATH_STEP, Role, Scope
from resmon.monitoring.forecasts.models import TaskForecast
from resmon.planning.bands import BandRule
from resmon.planning.models import (
    ActionProgram,
    Milestone,
    Resolution,
    TargetPoint,
    Task,
    TaskCoordination,
    TaskIndicator,
)
from resmon.planning.rollup import Node, rollup
from resmon.planning.status import TaskState
from resmon.planning.trajectory import expected_value
from resmon.reporting import selectors_completeness as completeness
from resmon.reporting.models import Observation, PeriodReport, ReportLine, ReportState

from ..models import AlertKind, Severity
from ..rules import (
    CoordinationFacts,
    Finding,
    KpiFacts,
    MilestoneFacts,
    ReportFacts,
    RuleConfig,
    TaskFacts,
    evaluate_coordination,
    evaluate_kpi,
    evaluate_milestone,
    evaluate_report,
    evaluate_task,
)

CHUNK = 2000
TASK_KINDS = frozenset(
    {AlertKind.OVERDUE, AlertKind.DUE_SOON_BEHIND, AlertKind.STALLED, AlertKind.FORECAST_LATE}
)
REPORT_WINDOW_DAYS = 400  # missing reports are looked for in the periods ended this recently
REPORT_LATE_SHOWN_DAYS = 90  # a late report's alert stays open this long after it was sent
VALUE_STEP = Decimal("0.0001")


@dataclass(frozen=True)
class Raised:
    """One true condition: the alert it keeps open (or raises)."""

    key: str
    finding: Finding
    agency_id: int
    supervisor_id: int
    resolution_id: int | None = None
    task_id: int | None = None
    kpi_id: int | None = None
    milestone_id: int | None = None
    coordination_id: int | None = None
    period_id: int | None = None
    program_id: int | None = None
    report_id: int | None = None


class _System:
    """The scheduled job reading as the whole country (reporting's completeness selectors take a user)."""

    pk = None
    is_authenticated = True
    is_active = True
    scope = Scope(role=Role.SYSTEM_ADMIN)


SYSTEM = _System()


def _keyset(qs: Any, columns: tuple[str, ...], size: int = CHUNK) -> Iterator[list[tuple]]:
    """Rows of ``qs`` (first column: the primary key) in chunks, by id."""
    last = 0
    qs = qs.order_by("pk")
    while True:
        chunk = list(qs.filter(pk__gt=last).values_list(*columns)[:size])
        if not chunk:
            return
        yield chunk
        last = chunk[-1][0]


# --- tasks: overdue, due soon and behind, stalled, forecast to be late ---------------------------


def _last_changes(resolution_id: int, today: dt.date) -> dict[int, dt.date]:
    """When each task's accepted percent last changed (the end of the period whose accepted
    report changed it), from the accepted report lines of one resolution."""
    lines = (
        ReportLine.objects.filter(
            report__resolution_id=resolution_id,
            report__state=ReportState.ACCEPTED,
            report__period__end__lte=today,
            percent_done__isnull=False,
        )
        .order_by("task_id", "report__period__end", "report_id")
        .values_list("task_id", "report__period__end", "percent_done")
    )
    out: dict[int, dt.date] = {}
    current: int | None = None
    previous: Decimal | None = Decimal(0)
    for task_id, end, percent in lines.iterator(chunk_size=CHUNK):
        if task_id != current:
            current, previous = task_id, Decimal(0)
        if percent != previous:
            out[task_id] = end
            previous = percent
    return out


def _depth_order(parent_of: Mapping[int, int | None]) -> list[int]:
    """Task ids, deepest first (children before their parents)."""
    depth: dict[int, int] = {}
    for start in parent_of:
        chain = []
        node: int | None = start
        while node is not None and node not in depth and node in parent_of:
            chain.append(node)
            node = parent_of[node]
        base = depth.get(node, -1) if node is not None else -1
        for n in reversed(chain):
            base += 1
            depth[n] = base
    return sorted(parent_of, key=lambda i: -depth[i])


def task_pass(today: dt.date, config: RuleConfig) -> Iterator[Raised]:
    if not (config.enabled & TASK_KINDS):
        return
    starts = dict(ActionProgram.objects.values_list("pk", "issued_on"))
    for resolution_id, issued_on in Resolution.objects.order_by("pk").values_list("pk", "issued_on"):
        rows = list(
            Task.objects.filter(resolution_id=resolution_id)
            .order_by()
            .values_list(
                "id",
                "parent_id",
                "weight",
                "percent_done",
                "completed_on",
                "state",
                "due_date",
                "ongoing",
                "first_progress_on",
                "lead_agency_id",
                "assigned_by_id",
                "program_id",
            )
        )
        if not rows:
            continue
        progress = rollup(
            Node(
                id=r[0],
                parent_id=r[1],
                weight=r[2],
                percent_done=r[3],
                completed=r[4] is not None,
                cancelled=r[5] == TaskState.CANCELLED,
            )
            for r in rows
        )
        changed = _last_changes(resolution_id, today)
        # a parent's progress last changed when one of its descendants' did
        parent_of = {r[0]: r[1] for r in rows}
        for r in rows:
            own = max((d for d in (changed.get(r[0]), r[8]) if d is not None and d <= today), default=None)
            if own is not None:
                changed[r[0]] = own
        for task_id in _depth_order(parent_of):
            parent = parent_of[task_id]
            mine = changed.get(task_id)
            if (
                parent is not None
                and mine is not None
                and parent in parent_of
                and (changed.get(parent) is None or changed[parent] < mine)
            ):
                changed[parent] = mine
        forecasts = {}
        if AlertKind.FORECAST_LATE in config.enabled:
            forecasts = {
                t: (p, d)
                for t, p, d in TaskForecast.objects.filter(
                    task__resolution_id=resolution_id, p_miss__isnull=False
                ).values_list("task_id", "p_miss", "projected_on")
            }
        for r in rows:
            (task_id, _parent, _w, _pct, completed_on, state, due, ongoing, _first, lead, by, program_id) = r
            if completed_on is not None or state != TaskState.ACTIVE or due is None or ongoing:
                continue
            p_miss, projected_on = forecasts.get(task_id, (None, None))
            facts = TaskFacts(
                task_id=task_id,
                start=starts.get(program_id) or issued_on,
                due=due,
                percent=progress.get(task_id, Decimal(0)),
                completed_on=None,
                last_change_on=changed.get(task_id),
                p_miss=p_miss,
                projected_on=projected_on,
            )
            for finding in evaluate_task(facts, today, config):
                yield Raised(
                    f"{finding.kind}:task:{task_id}",
                    finding,
                    agency_id=lead,
                    supervisor_id=by,
                    resolution_id=resolution_id,
                    task_id=task_id,
                )


# --- KPIs off their trajectory -------------------------------------------------------------------


def kpi_pass(today: dt.date, config: RuleConfig, band_rule: BandRule) -> Iterator[Raised]:
    if AlertKind.KPI_OFF_TRACK not in config.enabled:
        return
    latest = (
        Observation.objects.filter(
            indicator_id=OuterRef("indicator_id"),
            agency_id=OuterRef("task__lead_agency_id"),
            report__state=ReportState.ACCEPTED,
            period__end__lte=today,
        )
        .order_by("-period__end", "-id")
        .values("id")[:1]
    )
    kpis = TaskIndicator.objects.filter(
        task__state=TaskState.ACTIVE, task__completed_on__isnull=True
    ).annotate(observation_id=Subquery(latest))
    columns = (
        "pk",
        "task_id",
        "task__lead_agency_id",
        "task__assigned_by_id",
        "task__resolution_id",
        "indicator_version__name",
        "indicator_version__unit",
        "indicator_version__direction",
        "baseline_value",
        "baseline_date",
        "observation_id",
    )
    for chunk in _keyset(kpis, columns):
        chunk = [row for row in chunk if row[10] is not None]
        if not chunk:
            continue
        observations = {
            pk: (value, period_id, end, label)
            for pk, value, period_id, end, label in Observation.objects.filter(
                pk__in=[row[10] for row in chunk]
            ).values_list("pk", "value", "period_id", "period__end", "period__label")
        }
        points: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
        for row in chunk:
            if row[8] is not None and row[9] is not None:
                points[row[0]].append((row[9], row[8]))
        targets = TargetPoint.objects.filter(kpi_id__in=[row[0] for row in chunk]).order_by("kpi_id", "on")
        for kpi_id, day, value in targets.values_list("kpi_id", "on", "value"):
            points[kpi_id].append((day, value))
        for kpi_id, task_id, lead, by, resolution_id, name, unit, direction, _bv, _bd, obs in chunk:
            value, period_id, end, label = observations[obs]
            planned = expected_value(points.get(kpi_id, []), end)
            if planned is not None:  # as the KPI dashboard: as precise as a stored value
                planned = planned.quantize(VALUE_STEP, rounding=ROUND_HALF_UP)
            facts = KpiFacts(kpi_id, name, unit, direction, label, value, planned)
            finding = evaluate_kpi(facts, band_rule, config)
            if finding is not None:
                yield Raised(
                    f"{finding.kind}:kpi:{kpi_id}",
                    finding,
                    agency_id=lead,
                    supervisor_id=by,
                    resolution_id=resolution_id,
                    task_id=task_id,
                    kpi_id=kpi_id,
                    period_id=period_id,
                )


# --- reports missing or sent late ------------------------------------------------------------------


def accepting_levels(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """The accepting level of each (programme, reporting agency) pair, for reports not created
    yet: the rule of ``reporting.services.reports.accepting_agency_for`` (a test proves they
    agree), read in one query over the pairs' tasks instead of one per programme. Among the
    agency's top-most tasks in the programme (whose parent it does not lead), the assigning
    agencies other than itself, the highest of them; none: the programme's agency, or, for the
    programme's own agency, its parent."""
    if not pairs:
        return {}
    programs = {p for p, _a in pairs}
    leads = {a for _p, a in pairs}
    rows = (
        Task.objects.filter(program_id__in=programs, lead_agency_id__in=leads)
        .exclude(state=TaskState.CANCELLED)
        .order_by()
        .values_list("program_id", "lead_agency_id", "assigned_by_id", "parent__lead_agency_id")
        .distinct()
    )
    assigners: dict[tuple[int, int], set[int]] = defaultdict(set)
    for program_id, lead, by, parent_lead in rows:
        if (program_id, lead) in pairs and parent_lead != lead and by != lead:
            assigners[(program_id, lead)].add(by)
    program_agency = dict(ActionProgram.objects.filter(pk__in=programs).values_list("pk", "agency_id"))
    wanted = {a for s in assigners.values() for a in s} | leads | set(program_agency.values())
    paths = dict(Agency.objects.filter(pk__in=wanted).values_list("pk", "path"))
    parents_needed = {paths[a][:-PATH_STEP] for p, a in pairs if program_agency.get(p) == a and a in paths}
    by_path = dict(Agency.objects.filter(path__in=parents_needed).values_list("path", "pk"))
    out: dict[tuple[int, int], int] = {}
    for pair in pairs:
        program_id, lead = pair
        found = [a for a in assigners.get(pair, ()) if a in paths]
        if found:
            out[pair] = min(found, key=lambda a: (len(paths[a]), paths[a]))
        elif program_agency.get(program_id) != lead:
            out[pair] = program_agency[program_id]
        else:
            out[pair] = by_path.get(paths.get(lead, "")[:-PATH_STEP], lead)
    return out


def report_pass(today: dt.date, config: RuleConfig) -> Iterator[Raised]:
    if AlertKind.REPORT_MISSING in config.enabled:
        yield from _missing_reports(today, config)
    if AlertKind.REPORT_LATE in config.enabled:
        yield from _late_reports(today, config)


class _Owed(NamedTuple):
    program_id: int
    agency_id: int
    due_date: dt.date
    report_id: int | None


def _missing_keys(period: ReportingPeriod, today: dt.date) -> list[_Owed]:
    """The missing reports of ``period`` (reporting's ``missing_reports``) as ids and due dates.
    The sequence loads programmes, agencies and reports for the rows a page takes; the job needs
    only the ids, so it reads the sequence's sort keys when they are there (reporting could expose
    them publicly) and loads the objects only otherwise."""
    missing = completeness.missing_reports(SYSTEM, period=period, today=today)
    keys = getattr(missing, "_keys", None)
    if keys is not None:
        return [_Owed(k.program_id, k.agency_id, k.due_date, k.report_id) for k in keys]
    return [
        _Owed(m.program.pk, m.agency.pk, m.due_date, m.report.pk if m.report is not None else None)
        for m in missing
    ]


def _missing_reports(today: dt.date, config: RuleConfig) -> Iterator[Raised]:
    """The expected reports the completeness page counts as missing (``missing_reports``), in the
    periods of the configured calendar ended in the last :data:`REPORT_WINDOW_DAYS` days: ONE alert
    per programme and reporting agency, about the latest period it has not reported on, with how
    many it owes (high when it owes more than one, or the latest is a month late)."""
    periods = ReportingPeriod.objects.filter(
        cutoff=configured_cutoff(),
        end__lt=today,
        end__gte=today - dt.timedelta(days=REPORT_WINDOW_DAYS),
    ).order_by("end", "kind")
    owed: dict[tuple[int, int], tuple[ReportingPeriod, _Owed, Finding, int]] = {}  # pair -> latest, count
    for period in periods:
        if period.end + dt.timedelta(days=config.report_grace_days) >= today:
            continue  # nothing of it can be late by more than the grace days yet
        for key in _missing_keys(period, today):
            finding = evaluate_report(ReportFacts(period.label, key.due_date, None), today, config)
            if finding is not None:
                pair = (key.program_id, key.agency_id)
                count = owed[pair][3] + 1 if pair in owed else 1
                owed[pair] = (period, key, finding, count)
    resolution_of = dict(ActionProgram.objects.values_list("pk", "resolution_id"))
    report_ids = [key.report_id for _p, key, _f, _n in owed.values() if key.report_id is not None]
    accepting = dict(PeriodReport.objects.filter(pk__in=report_ids).values_list("pk", "accepting_agency_id"))
    levels = accepting_levels({pair for pair, (_p, key, _f, _n) in owed.items() if key.report_id is None})
    for pair, (period, key, finding, count) in sorted(owed.items(), key=lambda kv: kv[0]):
        program_id, agency_id = pair
        supervisor = accepting[key.report_id] if key.report_id is not None else levels[pair]
        if count > 1:
            finding = Finding(finding.kind, Severity.HIGH, {**finding.params, "missing": count})
        yield Raised(
            f"{finding.kind}:{program_id}:{agency_id}",
            finding,
            agency_id=agency_id,
            supervisor_id=supervisor,
            resolution_id=resolution_of.get(program_id),
            period_id=period.pk,
            program_id=program_id,
            report_id=key.report_id,
        )


def _late_reports(today: dt.date, config: RuleConfig) -> Iterator[Raised]:
    since = dt.datetime.combine(
        today - dt.timedelta(days=REPORT_LATE_SHOWN_DAYS), dt.time(), tzinfo=clock.tz()
    )
    reports = PeriodReport.objects.filter(is_late=True, first_sent_at__gte=since)
    columns = (
        "pk",
        "agency_id",
        "accepting_agency_id",
        "resolution_id",
        "program_id",
        "period_id",
        "period__label",
        "due_date",
        "first_sent_at",
    )
    tz = clock.tz()
    for chunk in _keyset(reports, columns):
        for pk, agency, accepting, resolution_id, program_id, period_id, label, due, sent_at in chunk:
            facts = ReportFacts(label, due, sent_at.astimezone(tz).date(), is_late=True)
            finding = evaluate_report(facts, today, config)
            if finding is not None:
                yield Raised(
                    f"{finding.kind}:report:{pk}",
                    finding,
                    agency_id=agency,
                    supervisor_id=accepting,
                    resolution_id=resolution_id,
                    period_id=period_id,
                    program_id=program_id,
                    report_id=pk,
                )


# --- milestones and coordinating agencies ----------------------------------------------------------


def _open_task_q(prefix: str = "task__") -> Q:
    return Q(**{f"{prefix}state": TaskState.ACTIVE, f"{prefix}completed_on__isnull": True})


def milestone_pass(today: dt.date, config: RuleConfig) -> Iterator[Raised]:
    if AlertKind.MILESTONE_MISSED not in config.enabled:
        return
    milestones = Milestone.objects.filter(
        _open_task_q(),
        done_on__isnull=True,
        due_date__lt=today - dt.timedelta(days=config.milestone_grace_days),
    )
    columns = (
        "pk",
        "name",
        "due_date",
        "task_id",
        "task__lead_agency_id",
        "task__assigned_by_id",
        "task__resolution_id",
    )
    for chunk in _keyset(milestones, columns):
        for pk, name, due, task_id, lead, by, resolution_id in chunk:
            finding = evaluate_milestone(MilestoneFacts(name, due, None), today, config)
            if finding is not None:
                yield Raised(
                    f"{finding.kind}:milestone:{pk}",
                    finding,
                    agency_id=lead,
                    supervisor_id=by,
                    resolution_id=resolution_id,
                    task_id=task_id,
                    milestone_id=pk,
                )


def coordination_pass(today: dt.date, config: RuleConfig) -> Iterator[Raised]:
    if AlertKind.COORDINATION_LATE not in config.enabled:
        return
    parts = TaskCoordination.objects.filter(
        _open_task_q(),
        due_date__isnull=False,
        delivered_on__isnull=True,
        due_date__lt=today - dt.timedelta(days=config.coordination_grace_days),
    )
    columns = (
        "pk",
        "agency_id",
        "agency__name",
        "sub_deliverable",
        "due_date",
        "task_id",
        "task__lead_agency_id",
        "task__resolution_id",
    )
    for chunk in _keyset(parts, columns):
        for pk, agency, name, part, due, task_id, lead, resolution_id in chunk:
            finding = evaluate_coordination(CoordinationFacts(name, part, due, None), today, config)
            if finding is not None:
                yield Raised(
                    f"{finding.kind}:coordination:{pk}",
                    finding,
                    agency_id=agency,
                    supervisor_id=lead,
                    resolution_id=resolution_id,
                    task_id=task_id,
                    coordination_id=pk,
                )
