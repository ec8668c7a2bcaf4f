"""KPIs against their trajectory ("Chỉ tiêu so với lộ trình"): one read model for the page and the API.

For the KPIs of the tasks led inside an agency subtree (tasks the user sees; cancelled tasks left
out), on one reporting period:

* expected = the trajectory's value on the period's last day (``planning.trajectory``);
* actual = the value the task's lead agency reported for that indicator and period in an
  ACCEPTED report (a value in a draft, sent or returned report is not data yet);
* attainment and band = ``planning.bands`` under the rule in force (``current_band_rule``).

The KPIs are read in chunks (``planning.selectors_kpis.kpi_chunks``, keyset on the id), so a
national view never holds more than one chunk of model objects; only a small tuple per KPI is
kept to count and sort, and the page's rows are loaded at the end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from resmon.agencies.models import Agency
from resmon.catalogue.models import ReportingPeriod
from resmon.core.access import visible_to
from resmon.core.errors import ValidationFailed
from resmon.planning.bands import BANDS, BandRule, attainment, band
from resmon.planning.models import Resolution, Task, TaskIndicator
from resmon.planning.selectors_bands import current_band_rule
from resmon.planning.selectors_kpis import kpi_chunks, trajectory_points
from resmon.planning.status import TaskState
from resmon.planning.trajectory import planned_value
from resmon.reporting.models import Observation, ReportState

PAGE_SIZE = 50
SORTS = ("attainment", "-attainment")  # worst first (at risk first), or best first
DEFAULT_SORT = "attainment"


@dataclass
class KpiRow:
    kpi: TaskIndicator  # with its task, lead agency, indicator and indicator version
    expected: Decimal | None
    actual: Decimal | None
    attainment: Decimal | None
    band: str

    @property
    def task(self) -> Task:
        return self.kpi.task

    @property
    def unit(self) -> str:
        return self.kpi.indicator_version.unit

    @property
    def name(self) -> str:
        return self.kpi.indicator_version.name


@dataclass
class KpiBands:
    agency: Agency
    resolution: Resolution | None
    period: ReportingPeriod
    rule: BandRule
    on: dt.date  # the day the expected values are read off the trajectories (the period's end)
    counts: dict[str, int]  # every band, in BANDS order, over all the KPIs (not only the page)
    total: int
    rows: list[KpiRow]  # one page, in the chosen order (and band, when one is chosen)
    count: int  # the rows in the chosen band (all KPIs without one)
    offset: int
    limit: int
    sort: str = DEFAULT_SORT
    band: str | None = None


def pick_sort(raw: Any) -> str:
    raw = str(raw or "").strip()
    return raw if raw in SORTS else DEFAULT_SORT


def pick_band(raw: Any) -> str | None:
    """The band to list (None: all); a clear ValidationFailed for an unknown one."""
    raw = str(raw or "").strip()
    if not raw:
        return None
    if raw not in BANDS:
        raise ValidationFailed(
            _("Unknown band: choose on_track, behind, at_risk or not_assessable."),
            field="band",
            code="unknown_band",
        )
    return raw


def _kpis(user: Any, agency: Agency, resolution: Resolution | None):
    tasks = Task.objects.filter(lead_agency__path__startswith=agency.path).exclude(state=TaskState.CANCELLED)
    if resolution is not None:
        tasks = tasks.filter(resolution_id=resolution.pk)
    return TaskIndicator.objects.filter(task__in=visible_to(user, tasks).values("pk"))


def _actuals(user: Any, chunk, period: ReportingPeriod) -> dict[tuple[int, int], Decimal]:
    """(indicator id, agency id) -> the accepted value of the period."""
    observations = visible_to(
        user,
        Observation.objects.filter(
            period_id=period.pk,
            report__state=ReportState.ACCEPTED,
            indicator_id__in={row[1] for row in chunk},
            agency_id__in={row[2] for row in chunk},
        ),
    )
    return {(i, a): v for i, a, v in observations.values_list("indicator_id", "agency_id", "value")}


Scored = tuple[int, Decimal | None, Decimal | None, Decimal | None, str]  # id, expected, actual, %, band


def _score(
    user: Any, agency: Agency, resolution: Resolution | None, on: dt.date, period, rule
) -> list[Scored]:
    scored: list[Scored] = []
    for chunk in kpi_chunks(_kpis(user, agency, resolution)):
        points = trajectory_points(chunk)
        actuals = _actuals(user, chunk, period)
        for kpi_id, indicator_id, agency_id, direction, _value, _day in chunk:
            expected = planned_value(points.get(kpi_id, []), on)
            actual = actuals.get((indicator_id, agency_id))
            percent = attainment(actual, expected, direction)
            scored.append((kpi_id, expected, actual, percent, band(percent, rule)))
    return scored


def _ordered(scored: list[Scored], sort: str) -> list[Scored]:
    """Assessable KPIs by attainment (lowest first, or highest first), then the others; ties by id."""
    assessed = [s for s in scored if s[3] is not None]
    rest = [s for s in scored if s[3] is None]
    sign = -1 if sort == "-attainment" else 1
    assessed.sort(key=lambda s: (sign * (s[3] or 0), s[0]))
    rest.sort(key=lambda s: s[0])
    return assessed + rest


def _rows(page: list[Scored]) -> list[KpiRow]:
    kpis = TaskIndicator.objects.filter(pk__in=[s[0] for s in page]).select_related(
        "task__lead_agency", "task__resolution", "indicator", "indicator_version"
    )
    by_id = {k.pk: k for k in kpis}
    return [KpiRow(by_id[s[0]], s[1], s[2], s[3], s[4]) for s in page if s[0] in by_id]


def kpi_bands(
    user: Any,
    *,
    agency: Agency,
    resolution: Resolution | None = None,
    period: ReportingPeriod,
    band_filter: str | None = None,
    sort: str = DEFAULT_SORT,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> KpiBands:
    """The KPIs of ``agency``'s subtree (already checked visible: ``selectors.pick_agency``) on
    one resolution or all (None) for ``period``: counts per band and one page of rows."""
    rule = current_band_rule()
    on = period.end
    scored = _score(user, agency, resolution, on, period, rule)
    counts = dict.fromkeys(BANDS, 0)
    for s in scored:
        counts[s[4]] += 1
    chosen = [s for s in scored if s[4] == band_filter] if band_filter else scored
    ordered = _ordered(chosen, sort)
    offset = max(0, offset)
    if ordered and offset >= len(ordered):  # past the end: the last page
        offset = (len(ordered) - 1) // limit * limit
    return KpiBands(
        agency=agency,
        resolution=resolution,
        period=period,
        rule=rule,
        on=on,
        counts=counts,
        total=len(scored),
        rows=_rows(ordered[offset : offset + limit]),
        count=len(ordered),
        offset=offset,
        limit=limit,
        sort=sort,
        band=band_filter,
    )
