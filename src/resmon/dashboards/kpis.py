"""KPIs against their trajectory ("Chỉ tiêu so với lộ trình"): one read model for the page and the API.

For the KPIs of the tasks led inside an agency subtree (tasks the user sees; cancelled tasks left
out), on one reporting period:

* expected = the trajectory's value on the period's last day (``planning.trajectory``);
* actual = the value the task's lead agency reported for that indicator and period in an
  ACCEPTED report (a value in a draft, sent or returned report is not data yet);
* attainment and band = ``planning.bands`` under the rule in force (``current_band_rule``).

Each KPI is scored by ``rollups.kpis.score``, the function the roll-ups are computed with. When
the roll-ups hold the period under the rule in force and the user reads the whole subtree
(``rollups.selectors.kpi_rollup``), the counts are one stored row per resolution and the page one
indexed query over the stored scores; otherwise the KPIs are scored live, in chunks
(``planning.selectors_kpis.kpi_chunks``, keyset on the id), so a national view never holds more
than one chunk of model objects; only a small tuple per KPI is kept to count and sort. Either way
the page's rows are loaded at the end, and the numbers are the same
(tests/rollups/test_kpis.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.utils.translation import gettext as _

from resmon.agencies.models import Agency
from resmon.catalogue.models import ReportingPeriod
from resmon.core.access import visible_to
from resmon.core.errors import ValidationFailed
from resmon.planning.bands import BANDS, BandRule
from resmon.planning.models import Resolution, Task, TaskIndicator
from resmon.planning.selectors_bands import current_band_rule
from resmon.planning.selectors_kpis import kpi_chunks, trajectory_points
from resmon.planning.status import TaskState
from resmon.reporting.models import Observation, ReportState
from resmon.rollups import selectors as rollups
from resmon.rollups.kpis import Scored, score

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
    from_rollup: bool = False  # the counts and the page were read from the roll-ups


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


def _score(
    user: Any, agency: Agency, resolution: Resolution | None, on: dt.date, period, rule
) -> list[Scored]:
    scored: list[Scored] = []
    for chunk in kpi_chunks(_kpis(user, agency, resolution)):
        scored.extend(score(chunk, trajectory_points(chunk), _actuals(user, chunk, period), on, rule))
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


def _stored_page(cache: rollups.KpiCache, band_filter: str | None, sort: str, offset: int, limit: int):
    """One page of the stored scores in the order of :func:`_ordered`: by attainment (nulls last),
    then by id."""
    qs = cache.scores.filter(band=band_filter) if band_filter else cache.scores
    by = (
        F("attainment").desc(nulls_last=True)
        if sort == "-attainment"
        else F("attainment").asc(nulls_last=True)
    )
    rows = qs.order_by(by, "kpi_id").values_list("kpi_id", "expected", "actual", "attainment", "band")
    return list(rows[offset : offset + limit])


def _page_offset(offset: int, count: int, limit: int) -> int:
    offset = max(0, offset)
    if count and offset >= count:  # past the end: the last page
        offset = (count - 1) // limit * limit
    return offset


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
    live: bool = False,
) -> KpiBands:
    """The KPIs of ``agency``'s subtree (already checked visible: ``selectors.pick_agency``) on
    one resolution or all (None) for ``period``: counts per band and one page of rows. From the
    roll-ups when they answer (``live``: never, for comparisons and benchmarks), scored live
    otherwise."""
    rule = current_band_rule()
    on = period.end
    cache = None
    if not live:
        cache = rollups.kpi_rollup(user, agency=agency, period=period, rule=rule, resolution=resolution)
    if cache is not None:
        counts = cache.counts
        total = sum(counts.values())
        count = counts.get(band_filter, 0) if band_filter else total
        offset = _page_offset(offset, count, limit)
        page = _stored_page(cache, band_filter, sort, offset, limit)
    else:
        scored = _score(user, agency, resolution, on, period, rule)
        counts = dict.fromkeys(BANDS, 0)
        for s in scored:
            counts[s[4]] += 1
        total = len(scored)
        ordered = _ordered([s for s in scored if s[4] == band_filter] if band_filter else scored, sort)
        count = len(ordered)
        offset = _page_offset(offset, count, limit)
        page = ordered[offset : offset + limit]
    return KpiBands(
        agency=agency,
        resolution=resolution,
        period=period,
        rule=rule,
        on=on,
        counts=counts,
        total=total,
        rows=_rows(page),
        count=count,
        offset=offset,
        limit=limit,
        sort=sort,
        band=band_filter,
        from_rollup=cache is not None,
    )
