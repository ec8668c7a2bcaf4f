"""Gathering the inputs of the score for many agencies at once (set-based).

**Whose tasks.** An agency is evaluated on the tasks led by it *and by the agencies under it* in
the tree. A provincial party committee leads few tasks itself — its People's Committee and
departments lead them — and it answers for the implementation in its province (Quy định
124-QĐ/TW evaluates a party organisation on the results of the locality it leads); the same holds
for a commune. Siblings (the 34 provinces, the communes of a province) never share a task, so
they are compared on the same footing. The reports and the directives counted are likewise those
of the agency and the agencies under it.

Every criterion is a handful of queries over the subtree that holds all the agencies evaluated
(grouped by lead agency in the database where it can be), then each lead agency's figures are
added to every evaluated agency on its path: the cost grows with the data, not with the number
of agencies (34 provinces or 3,321 communes alike).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Q

from resmon.agencies.models import Agency
from resmon.catalogue import periods as cal
from resmon.catalogue.models import ReportingPeriod
from resmon.catalogue.services_periods import configured_cutoff
from resmon.core import clock
from resmon.core.access import PATH_STEP
from resmon.monitoring.alerts.rules import expected_percent
from resmon.monitoring.directives.selectors import response_stats
from resmon.planning.bands import NOT_ASSESSABLE, ON_TRACK, BandRule, attainment, band
from resmon.planning.models import ProgramSchedule, Task, TaskIndicator
from resmon.planning.selectors_kpis import kpi_chunks, trajectory_points
from resmon.planning.services.schedule import DEFAULT_SCHEDULE, ScheduleEntry
from resmon.planning.status import TaskState
from resmon.planning.trajectory import planned_value
from resmon.reporting.models import Observation, PeriodReport, ReportState
from resmon.reporting.selectors_completeness import expected_reports

from .scoring import Inputs, progress_ratio

CHUNK = 2000
STOPPED = (TaskState.CANCELLED, TaskState.PAUSED)
SENT = ExpressionWrapper(Q(first_sent_at__isnull=False), output_field=BooleanField())


@dataclass(frozen=True)
class Window:
    """The days an evaluation covers, the day its tasks are judged on (``as_of``: its last day, or
    today when it is computed before the window has ended) and the day it is computed (``today``):
    the reports and directives of the window are judged on that day, once they are due."""

    start: dt.date
    end: dt.date
    as_of: dt.date
    today: dt.date

    @classmethod
    def of(cls, start: dt.date, end: dt.date, today: dt.date | None = None) -> Window:
        today = today or clock.today()
        return cls(start, end, min(end, today), today)


def year_window(year: int, today: dt.date | None = None) -> Window:
    """The year of the national calendar (its days depend on the data cut-off)."""
    period = cal.Period(year, cal.YEAR, 1, configured_cutoff())
    return Window.of(period.start, period.end, today)


def common_root(paths: Iterable[str]) -> str:
    """The longest path prefix (whole steps) shared by ``paths``."""
    items = list(paths)
    if not items:
        return ""
    prefix = items[0]
    for p in items[1:]:
        while not p.startswith(prefix):
            prefix = prefix[:-PATH_STEP]
    return prefix


class Owners:
    """Which evaluated agencies a lead agency's figures count for: every one on its path."""

    def __init__(self, agencies: Iterable[Agency], root: str) -> None:
        self.evaluated = {a.path: a.pk for a in agencies}
        self.root = root
        self._paths: dict[int, str] = {}

    def load(self) -> None:
        """The paths of every agency under the root (one query: ids and paths only)."""
        self._paths = dict(Agency.objects.filter(path__startswith=self.root).values_list("id", "path"))

    def agency_ids(self) -> list[int]:
        return list(self._paths)

    def of_path(self, path: str) -> list[int]:
        return [
            self.evaluated[path[:i]]
            for i in range(PATH_STEP, len(path) + 1, PATH_STEP)
            if path[:i] in self.evaluated
        ]

    def of(self, agency_id: int) -> list[int]:
        path = self._paths.get(agency_id)
        return self.of_path(path) if path else []


def gather(agencies: list[Agency], window: Window, band_rule: BandRule) -> dict[int, Inputs]:
    """The inputs of every agency in ``agencies`` for ``window`` (agency id -> Inputs)."""
    out = {a.pk: Inputs() for a in agencies}
    if not agencies:
        return out
    root = common_root(a.path for a in agencies)
    owners = Owners(agencies, root)
    owners.load()
    _on_time(out, owners, window)
    _progress(out, owners, window)
    _kpis(out, owners, window, band_rule)
    _reporting(out, owners, window)
    _directives(out, owners, window)
    return out


def _tasks(root: str):
    return Task.objects.filter(lead_agency__path__startswith=root).exclude(state__in=STOPPED)


def due_tasks_q(window: Window) -> Q:
    """Tasks due in the window, up to the day it is judged on (ongoing tasks have no due date)."""
    return Q(ongoing=False, due_date__gte=window.start, due_date__lte=window.as_of)


def _on_time(out: dict[int, Inputs], owners: Owners, window: Window) -> None:
    rows = (
        _tasks(owners.root)
        .filter(due_tasks_q(window))
        .order_by()
        .values("lead_agency_id")
        .annotate(
            due=Count("id"),
            on_time=Count("id", filter=Q(completed_on__isnull=False, completed_on__lte=F("due_date"))),
        )
        .values_list("lead_agency_id", "due", "on_time")
    )
    for lead_id, due, on_time in rows:
        for agency_id in owners.of(lead_id):
            out[agency_id].tasks_due += due
            out[agency_id].tasks_on_time += on_time


def in_progress_q(window: Window) -> Q:
    """Leaf tasks (their percent is entered) with a due date, not completed on the day judged."""
    children = Task.objects.filter(parent_id=OuterRef("pk"))
    return (
        Q(ongoing=False, due_date__isnull=False)
        & (Q(completed_on__isnull=True) | Q(completed_on__gt=window.as_of))
        & ~Q(Exists(children))
    )


def _progress(out: dict[int, Inputs], owners: Owners, window: Window) -> None:
    rows = (
        _tasks(owners.root)
        .filter(in_progress_q(window))
        .order_by()
        .values_list(
            "lead_agency_id", "program__issued_on", "resolution__issued_on", "due_date", "percent_done"
        )
    )
    for lead_id, issued_on, resolution_on, due, percent in rows.iterator(chunk_size=CHUNK):
        start = issued_on or resolution_on
        if start is None or start > window.as_of:
            continue
        ratio = progress_ratio(Decimal(percent or 0), expected_percent(start, due, window.as_of))
        if ratio is None:
            continue
        for agency_id in owners.of(lead_id):
            out[agency_id].progress_sum += ratio
            out[agency_id].progress_tasks += 1


def _kpi_qs(root: str):
    return TaskIndicator.objects.filter(task__lead_agency__path__startswith=root).exclude(
        task__state=TaskState.CANCELLED
    )


def _kpis(out: dict[int, Inputs], owners: Owners, window: Window, band_rule: BandRule) -> None:
    """Each KPI against its trajectory at the end of the latest period, ending in the window, for
    which its task's lead agency has an accepted value; a KPI without one is not assessable."""
    for chunk in kpi_chunks(_kpi_qs(owners.root)):
        points = trajectory_points(chunk)
        observations = Observation.objects.filter(
            report__state=ReportState.ACCEPTED,
            period__end__gte=window.start,
            period__end__lte=window.as_of,
            indicator_id__in={row[1] for row in chunk},
            agency_id__in={row[2] for row in chunk},
        ).order_by("period__end", "pk")
        latest: dict[tuple[int, int], tuple[dt.date, Decimal]] = {}
        for indicator_id, agency_id, end, value in observations.values_list(
            "indicator_id", "agency_id", "period__end", "value"
        ):
            latest[(indicator_id, agency_id)] = (end, value)
        for kpi_id, indicator_id, lead_id, direction, _v, _d in chunk:
            found = latest.get((indicator_id, lead_id))
            if found is None:
                continue
            end, actual = found
            expected = planned_value(points.get(kpi_id, []), end)
            kpi_band = band(attainment(actual, expected, direction), band_rule)
            if kpi_band == NOT_ASSESSABLE:
                continue
            for agency_id in owners.of(lead_id):
                out[agency_id].kpis_assessed += 1
                out[agency_id].kpis_on_track += int(kpi_band == ON_TRACK)


def report_periods(window: Window) -> list[ReportingPeriod]:
    """The periods (every kind) of the configured cut-off ending in the window, by the day judged."""
    qs = ReportingPeriod.objects.filter(
        cutoff=configured_cutoff(), end__gte=window.start, end__lte=window.as_of
    )
    return list(qs.order_by("end", "kind"))


def _due_dates(program_ids: set[int], period: ReportingPeriod) -> dict[int, dt.date]:
    """The due date of each programme's report for ``period`` (its schedule, or the default)."""
    calendar_period = cal.parse_code(period.code, period.cutoff)
    rows = ProgramSchedule.objects.filter(program_id__in=program_ids, kind=period.kind).values_list(
        "program_id", "due_days", "grace_days"
    )
    entries = {p: ScheduleEntry(period.kind, due, grace) for p, due, grace in rows}
    default = next((e for e in DEFAULT_SCHEDULE if e.kind == period.kind), None)
    out = {}
    for p in program_ids:
        entry = entries.get(p, default)
        if entry is not None:
            out[p] = entry.due_of(calendar_period)[0]
    return out


def _reporting(out: dict[int, Inputs], owners: Owners, window: Window) -> None:
    """Reports expected of the agencies under the root for each period ending in the window: a
    report sent counts as received (on time or late, as fixed when it was first sent); one not
    sent counts as missing once its due date has passed before the day computed."""
    root_agency = Agency(path=owners.root)
    for period in report_periods(window):
        pairs = list(expected_reports(period, agency=root_agency))
        if not pairs:
            continue
        rows = (
            PeriodReport.objects.filter(period=period, agency__path__startswith=owners.root)
            .annotate(was_sent=SENT)
            .values_list("program_id", "agency_id", "was_sent", "is_late", "due_date")
        )
        reports = {(p, a): (sent, late, due) for p, a, sent, late, due in rows}
        unsent_without_row = {p for p, a in pairs if (p, a) not in reports}
        defaults = _due_dates(unsent_without_row, period) if unsent_without_row else {}
        for program_id, agency_id in pairs:
            sent, late, due = reports.get((program_id, agency_id), (False, False, defaults.get(program_id)))
            if not sent and (due is None or due >= window.today):
                continue  # not due yet: neither received nor missing
            for owner in owners.of(agency_id):
                inputs = out[owner]
                inputs.reports_expected += 1
                if sent:
                    inputs.reports_received += 1
                    inputs.reports_on_time += int(not late)


def _directives(out: dict[int, Inputs], owners: Owners, window: Window) -> None:
    """Directives received in the window (not withdrawn; ``directives.selectors.response_stats``),
    those whose outcome is known on the day computed: reported back on or before their date (on
    time), or past it unreported."""
    stats = response_stats(owners.agency_ids(), window.start, window.end)
    for agency_id, s in stats.items():
        for owner in owners.of(agency_id):
            out[owner].directives_received += s.judged
            out[owner].directives_answered_on_time += s.reported_on_time
