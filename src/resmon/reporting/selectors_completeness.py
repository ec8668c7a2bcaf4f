"""Completeness and timeliness of reporting: which reports a period expects, which arrived, on time.

An **expected report** is a pair (programme, reporting agency) for a period: the programme is
issued on or before the period's last day and reports on that kind of period (its schedule, or the
default quarterly one), and the agency leads at least one of its tasks that is due for reporting
in the period (not cancelled, not completed before the period began — the rule that makes a
report's lines). A report is **received** once it was first sent (``first_sent_at``); it is on
time or late by ``is_late``, fixed at that moment.

Everything here is a few queries whatever the number of programmes: the expected pairs come from
one query over the tasks (grouped by programme and lead agency), the reports of the period from
another, and the two are matched in memory. Counts are scoped: a user counts only the reporting
agencies inside their read scope, plus the pairs of resolutions a steering grant opens.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple, overload

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from resmon.agencies.models import Agency
from resmon.catalogue import periods as cal
from resmon.catalogue.models import ReportingPeriod
from resmon.core import clock
from resmon.core.access import PATH_STEP
from resmon.planning.models import ActionProgram, ProgramSchedule, Task
from resmon.planning.services.schedule import DEFAULT_SCHEDULE, ScheduleEntry
from resmon.planning.status import TaskState

from .models import PeriodReport, ReportState
from .selectors import paths_q

RATE_STEP = Decimal("0.1")
HUNDRED = Decimal(100)
DEFAULT_KINDS = frozenset(e.kind for e in DEFAULT_SCHEDULE)


@dataclass
class Counts:
    """Reports of one slice (an agency subtree, a programme...) for one period."""

    expected: int = 0
    received: int = 0  # first sent (whatever happened next)
    on_time: int = 0
    late: int = 0
    missing: int = 0  # expected, not sent yet (none, draft or awaiting the head)
    accepted: int = 0
    returned: int = 0
    awaiting: int = 0  # sent, waiting for the accepting level

    def add(self, report: tuple[str, bool, bool] | None) -> None:
        """Count one expected pair; ``report`` = (state, was sent, is late) or None."""
        self.expected += 1
        if report is None or not report[1]:
            self.missing += 1
            return
        state, _sent, late = report
        self.received += 1
        if late:
            self.late += 1
        else:
            self.on_time += 1
        if state == ReportState.ACCEPTED:
            self.accepted += 1
        elif state == ReportState.RETURNED:
            self.returned += 1
        elif state == ReportState.SENT:
            self.awaiting += 1

    @staticmethod
    def _rate(part: int, whole: int) -> Decimal | None:
        if not whole:
            return None
        return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(RATE_STEP, rounding=ROUND_HALF_UP)

    @property
    def received_rate(self) -> Decimal | None:
        """Percent of the expected reports received; None when nothing is expected."""
        return self._rate(self.received, self.expected)

    @property
    def on_time_rate(self) -> Decimal | None:
        """Percent of the expected reports received by their due date; None when nothing is expected."""
        return self._rate(self.on_time, self.expected)


@dataclass
class MissingReport:
    """An expected report not sent yet: who owes it, for which programme, since when."""

    program: ActionProgram
    agency: Agency
    due_date: dt.date
    grace_until: dt.date
    days_late: int  # days past the due date today; 0 while not due yet
    report: PeriodReport | None  # the report being prepared (draft, awaiting the head), if any


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def reportable_tasks_q(period: ReportingPeriod, prefix: str = "") -> Q:
    """Tasks due for reporting in ``period``: not cancelled, not completed before it began."""
    return ~Q(**{f"{prefix}state": TaskState.CANCELLED}) & (
        Q(**{f"{prefix}completed_on__isnull": True}) | Q(**{f"{prefix}completed_on__gte": period.start})
    )


def reporting_programs(period: ReportingPeriod) -> QuerySet[ActionProgram]:
    """Issued programmes that report on ``period``: issued by its last day, its kind in their schedule
    (a programme without a schedule reports on the default kinds)."""
    scheduled = ProgramSchedule.objects.filter(program_id=OuterRef("pk"))
    reports_on_kind = Q(Exists(scheduled.filter(kind=period.kind)))
    if period.kind in DEFAULT_KINDS:
        reports_on_kind |= Q(~Exists(scheduled))
    return ActionProgram.objects.filter(
        reports_on_kind, status=ActionProgram.Status.ISSUED, issued_on__lte=period.end
    )


def _expected_tasks(
    period: ReportingPeriod, *, agency: Any = None, program: Any = None, resolution: Any = None
) -> QuerySet[Task]:
    qs = Task.objects.filter(
        reportable_tasks_q(period), program_id__in=reporting_programs(period).values("pk")
    )
    if agency is not None:
        qs = qs.filter(lead_agency__path__startswith=agency.path)
    if program is not None:
        qs = qs.filter(program_id=_pk(program))
    if resolution is not None:
        qs = qs.filter(resolution_id=_pk(resolution))
    return qs


def expected_reports(
    period: ReportingPeriod, *, agency: Agency | None = None, program: Any = None, resolution: Any = None
) -> QuerySet:
    """The (program_id, agency_id) pairs whose report ``period`` expects (one query, unscoped).

    ``agency``: only reporting agencies inside its subtree; ``program``/``resolution``: object or id."""
    return (
        _expected_tasks(period, agency=agency, program=program, resolution=resolution)
        .order_by()
        .values_list("program_id", "lead_agency_id")
        .distinct()
    )


def _scope_q(user: Any, agency_path: str = "lead_agency__path") -> Q | None:
    """The pairs a user counts: reporting agencies in the read scope, resolutions granted; None: all."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return Q(pk__in=[])
    scope = user.scope
    if scope.everything:
        return None
    q = paths_q(agency_path, scope.read_paths)
    if scope.resolution_ids:
        q |= Q(resolution_id__in=sorted(scope.resolution_ids))
    return q


def _pairs(user: Any, period: ReportingPeriod, **filters: Any) -> list[tuple[int, int, str]]:
    """The expected pairs the user counts, as (program_id, agency_id, agency path)."""
    qs = _expected_tasks(period, **filters)
    q = _scope_q(user)
    if q is not None:
        qs = qs.filter(q)
    return list(qs.order_by().values_list("program_id", "lead_agency_id", "lead_agency__path").distinct())


def _reports(
    period: ReportingPeriod, *, agency: Any = None, program: Any = None, resolution: Any = None
) -> QuerySet[PeriodReport]:
    qs = PeriodReport.objects.filter(period=period)
    if agency is not None:
        qs = qs.filter(agency__path__startswith=agency.path)
    if program is not None:
        qs = qs.filter(program_id=_pk(program))
    if resolution is not None:
        qs = qs.filter(resolution_id=_pk(resolution))
    return qs


class _Report(NamedTuple):
    id: int
    state: str
    sent: bool
    late: bool
    due_date: dt.date
    grace_until: dt.date

    @property
    def tally(self) -> tuple[str, bool, bool]:
        return (self.state, self.sent, self.late)


def _report_rows(user: Any, period: ReportingPeriod, **filters: Any) -> dict[tuple[int, int], _Report]:
    """The period's reports (within the filters and the user's scope) by (program_id, agency_id):
    one light query."""
    qs = _reports(period, **filters).order_by()
    q = _scope_q(user, "agency__path")
    if q is not None:
        qs = qs.filter(q)
    # "was it sent" computed by the database: converting thousands of aware datetimes costs more
    # than the whole query
    sent = ExpressionWrapper(Q(first_sent_at__isnull=False), output_field=BooleanField())
    rows = qs.annotate(sent=sent).values_list(
        "program_id", "agency_id", "id", "state", "sent", "is_late", "due_date", "grace_until"
    )
    return {(p, a): _Report(*rest) for p, a, *rest in rows}


def tallies(
    period: ReportingPeriod, *, resolution_ids: Iterable[int] | None = None
) -> list[tuple[int, str, tuple[str, bool, bool] | None]]:
    """Every expected pair of ``period`` (of these resolutions, or all), unscoped, as (resolution
    id, reporting agency path, tally or None when not sent): what the roll-ups pre-aggregate,
    counted by :meth:`Counts.add` exactly as :func:`completeness` counts it (two queries)."""
    qs = _expected_tasks(period).order_by()
    reports = _reports(period).order_by()
    if resolution_ids is not None:
        ids = sorted(set(resolution_ids))
        qs, reports = qs.filter(resolution_id__in=ids), reports.filter(resolution_id__in=ids)
    pairs = qs.values_list("resolution_id", "program_id", "lead_agency_id", "lead_agency__path").distinct()
    sent = ExpressionWrapper(Q(first_sent_at__isnull=False), output_field=BooleanField())
    found_reports = {
        (p, a): (state, was_sent, late)
        for p, a, state, was_sent, late in reports.annotate(sent=sent).values_list(
            "program_id", "agency_id", "state", "sent", "is_late"
        )
    }
    out: list[tuple[int, str, tuple[str, bool, bool] | None]] = []
    for resolution_id, program_id, agency_id, path in pairs:
        out.append((resolution_id, path, found_reports.get((program_id, agency_id))))
    return out


def completeness(
    user: Any,
    *,
    period: ReportingPeriod,
    agency: Agency | None = None,
    program: Any = None,
    resolution: Any = None,
) -> Counts:
    """The counts of ``period``'s expected reports the user may see (two queries)."""
    filters = {"agency": agency, "program": program, "resolution": resolution}
    counts = Counts()
    pairs = _pairs(user, period, **filters)
    if not pairs:
        return counts
    reports = _report_rows(user, period, **filters)
    for program_id, agency_id, _path in pairs:
        found = reports.get((program_id, agency_id))
        counts.add(found.tally if found else None)
    return counts


def completeness_by_child(
    user: Any,
    *,
    period: ReportingPeriod,
    agency: Agency,
    program: Any = None,
    resolution: Any = None,
) -> list[tuple[Agency, Counts]]:
    """One row per child of ``agency`` with the counts of its subtree, in tree order; children
    expecting nothing (for this user) are left out. The reports ``agency`` owes itself come first,
    as a row for ``agency``, when there are any, so the rows add up to ``completeness``."""
    filters = {"agency": agency, "program": program, "resolution": resolution}
    pairs = _pairs(user, period, **filters)
    if not pairs:
        return []
    reports = _report_rows(user, period, **filters)
    depth = len(agency.path) + PATH_STEP
    by_path: dict[str, Counts] = {}
    for program_id, agency_id, path in pairs:
        found = reports.get((program_id, agency_id))
        by_path.setdefault(path[:depth], Counts()).add(found.tally if found else None)
    agencies = Agency.objects.filter(path__in=list(by_path)).order_by("path")
    return [(a, by_path[a.path]) for a in agencies]


def _entries(program_ids: set[int], kind: str) -> dict[int, ScheduleEntry]:
    """Each programme's schedule entry for ``kind`` (the default one when it has no schedule)."""
    rows = ProgramSchedule.objects.filter(program_id__in=program_ids, kind=kind).values_list(
        "program_id", "due_days", "grace_days"
    )
    found = {p: ScheduleEntry(kind, due, grace) for p, due, grace in rows}
    default = next((e for e in DEFAULT_SCHEDULE if e.kind == kind), None)
    if default is not None:
        for p in program_ids - set(found):
            found[p] = default
    return found


class _Missing(NamedTuple):
    days_late: int
    path: str
    program_id: int
    agency_id: int
    due_date: dt.date
    grace_until: dt.date
    report_id: int | None


class MissingReports(Sequence[MissingReport]):
    """The missing reports, sorted; programmes, agencies and reports are loaded only for the rows
    taken (a page of a Paginator: two or three queries), never for the whole country at once."""

    CHUNK = 500

    def __init__(self, keys: list[_Missing]) -> None:
        self._keys = keys

    def __len__(self) -> int:
        return len(self._keys)

    @overload
    def __getitem__(self, index: int) -> MissingReport: ...

    @overload
    def __getitem__(self, index: slice) -> list[MissingReport]: ...

    def __getitem__(self, index: int | slice) -> MissingReport | list[MissingReport]:
        if isinstance(index, slice):
            return self._load(self._keys[index])
        return self._load([self._keys[index]])[0]

    def __iter__(self) -> Iterator[MissingReport]:
        for start in range(0, len(self._keys), self.CHUNK):
            yield from self._load(self._keys[start : start + self.CHUNK])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MissingReports):
            return self._keys == other._keys
        if isinstance(other, list):
            return list(self) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    @staticmethod
    def _load(keys: list[_Missing]) -> list[MissingReport]:
        if not keys:
            return []
        programs = ActionProgram.objects.select_related("agency", "resolution").in_bulk(
            {k.program_id for k in keys}
        )
        agencies = Agency.objects.in_bulk({k.agency_id for k in keys})
        report_ids = {k.report_id for k in keys if k.report_id is not None}
        reports = PeriodReport.objects.in_bulk(report_ids) if report_ids else {}
        return [
            MissingReport(
                program=programs[k.program_id],
                agency=agencies[k.agency_id],
                due_date=k.due_date,
                grace_until=k.grace_until,
                days_late=k.days_late,
                report=reports.get(k.report_id) if k.report_id is not None else None,
            )
            for k in keys
        ]


def missing_reports(
    user: Any,
    *,
    period: ReportingPeriod,
    agency: Agency | None = None,
    program: Any = None,
    resolution: Any = None,
    today: dt.date | None = None,
) -> MissingReports:
    """The expected reports not sent yet, most overdue first (then agency tree order, programme).

    A sequence for a Paginator: three queries (pairs, reports, schedules) to sort the whole list,
    then the objects of only the rows taken."""
    filters = {"agency": agency, "program": program, "resolution": resolution}
    pairs = _pairs(user, period, **filters)
    if not pairs:
        return MissingReports([])
    reports = _report_rows(user, period, **filters)
    missing = [(p, a, path, reports.get((p, a))) for p, a, path in pairs]
    missing = [m for m in missing if m[3] is None or not m[3].sent]
    if not missing:
        return MissingReports([])
    today = today or clock.today()
    calendar_period = cal.parse_code(period.code, period.cutoff)
    due_of = {
        p: entry.due_of(calendar_period)
        for p, entry in _entries({p for p, _a, _path, r in missing if r is None}, period.kind).items()
    }
    keys = []
    for p, a, path, report in missing:
        due, grace = (report.due_date, report.grace_until) if report is not None else due_of[p]
        days_late = max(0, (today - due).days)
        keys.append(_Missing(days_late, path, p, a, due, grace, report.id if report else None))
    keys.sort(key=lambda k: (-k.days_late, k.path, k.program_id))
    return MissingReports(keys)
