"""The overall picture of an agency subtree ("Tổng quan"): one read model for the page and the API.

:func:`overview` builds everything a dashboard shows from the roll-up caches (``rollups``:
progress and task-status counts per agency subtree and resolution — never recomputed from tasks
here, so the numbers are the ones every other screen and export shows) and from reporting's
completeness counts for a period. Everything starts from the user's scope: the agency must be one
the user may open (a 404 otherwise), the roll-up rows and the completeness counts are scoped.

Rules written on the page (and kept here, in one place):

* on-time rate = done on time / (done on time + done late + overdue), "–" when that is 0;
* a province tile is green at >= 90 %, orange at 70–90 %, red below 70 %, grey without data;
* the ranking compares progress on ONE resolution; agencies leading fewer than
  :data:`SMALL_SAMPLE` tasks are marked "small sample" and listed after the others.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from resmon.agencies import selectors as agencies
from resmon.agencies.models import Agency, AgencyKind
from resmon.catalogue import selectors_periods
from resmon.catalogue.models import PeriodKind, ReportingPeriod
from resmon.core import clock
from resmon.core.errors import NotFound, ValidationFailed
from resmon.monitoring.alerts import selectors as alert_selectors
from resmon.planning import selectors as planning
from resmon.planning.models import Resolution
from resmon.reporting import selectors_completeness as completeness
from resmon.rollups import selectors as rollups
from resmon.rollups.models import STATUS_FIELDS

CHILDREN_PAGE = 50
SMALL_SAMPLE = 5  # fewer tasks than this: "mẫu nhỏ", ranked after the others
GREEN_FROM = Decimal(90)
ORANGE_FROM = Decimal(70)
RATE_STEP = Decimal("0.1")
HUNDRED = Decimal(100)


def on_time_rate(counts: dict[str, int]) -> Decimal | None:
    """Percent of the tasks judged on their deadline that were done by it (one decimal)."""
    judged = counts.get("done_on_time", 0) + counts.get("done_late", 0) + counts.get("overdue", 0)
    if not judged:
        return None
    value = Decimal(counts.get("done_on_time", 0)) * HUNDRED / Decimal(judged)
    return value.quantize(RATE_STEP, rounding=ROUND_HALF_UP)


def rate_band(rate: Decimal | None) -> str:
    """The colour band of an on-time rate: green, orange, red, or none (no data)."""
    if rate is None:
        return "none"
    if rate >= GREEN_FROM:
        return "green"
    if rate >= ORANGE_FROM:
        return "orange"
    return "red"


def short_label(agency: Agency) -> str:
    """A province's short name for a tile: "Hà Nội" for "Thành ủy Hà Nội", "TP Hồ Chí Minh" for
    "Thành ủy Thành phố Hồ Chí Minh"."""
    if agency.short_name:
        return agency.short_name
    name = agency.province_name
    return "TP " + name.removeprefix("Thành phố ") if name.startswith("Thành phố ") else name


def ranking_refusal() -> str:
    return _(
        "Choose one resolution to see the ranking: progress on different resolutions is not "
        "comparable, so agencies are not ranked across them."
    )


def sort_key(text: str) -> tuple[str, str]:
    """Alphabetical order as a Vietnamese reader expects it (Đ after D, accents after the letter)."""
    folded = unicodedata.normalize("NFD", text.replace("Đ", "Dz").replace("đ", "dz"))
    return ("".join(c for c in folded if not unicodedata.combining(c)).casefold(), text)


def _empty_counts() -> dict[str, int]:
    return dict.fromkeys(STATUS_FIELDS, 0)


class _Row(NamedTuple):
    """A roll-up row as the read model needs it (plain values: no model instances, no joins)."""

    agency_id: int
    resolution_id: int
    progress: Decimal | None
    tasks: int
    counts: dict[str, int]
    computed_at: dt.datetime | None


def _add(total: dict[str, int], row: _Row) -> None:
    for name in STATUS_FIELDS:
        total[name] += row.counts[name]


# --- the read model ------------------------------------------------------------------------------


@dataclass
class ResolutionFigures:
    """The agency subtree on one resolution: one roll-up row (zeros when it leads no task of it)."""

    resolution: Resolution
    progress: Decimal | None
    tasks: int
    counts: dict[str, int]

    @property
    def on_time_rate(self) -> Decimal | None:
        return on_time_rate(self.counts)


@dataclass
class Headline:
    tasks: int
    overdue: int
    on_time_rate: Decimal | None
    reports_missing: int | None  # None: no period to count
    reports_expected: int | None


@dataclass
class ChildRow:
    agency: Agency
    tasks: int
    progress: Decimal | None  # on the chosen resolution; None when all resolutions are shown
    progress_by_resolution: dict[int, Decimal | None]
    overdue: int
    on_time_rate: Decimal | None
    completeness_rate: Decimal | None  # percent of the period's expected reports received

    @property
    def small_sample(self) -> bool:
        """Leads some tasks, but fewer than :data:`SMALL_SAMPLE` (none at all: no sample)."""
        return 0 < self.tasks < SMALL_SAMPLE

    def progress_list(self, resolutions: list[Resolution]) -> list[Decimal | None]:
        return [self.progress_by_resolution.get(r.pk) for r in resolutions]


@dataclass
class Tile:
    agency: Agency
    label: str
    tasks: int
    on_time_rate: Decimal | None

    @property
    def band(self) -> str:
        return rate_band(self.on_time_rate)


@dataclass
class RankRow:
    rank: int | None  # None for a small sample
    agency: Agency
    progress: Decimal
    tasks: int

    @property
    def small_sample(self) -> bool:
        return self.tasks < SMALL_SAMPLE


@dataclass
class Overview:
    agency: Agency
    top: Agency | None  # where the user's breadcrumb starts
    crumbs: list[Agency]  # from the top down to ``agency`` (included)
    resolution: Resolution | None  # None: all resolutions
    period: ReportingPeriod | None
    headline: Headline
    by_resolution: list[ResolutionFigures]
    children: list[ChildRow]  # one page
    children_count: int
    children_offset: int
    children_limit: int
    own_tasks: int  # led by the agency itself or by agencies not listed as its children
    provinces: list[Tile] | None  # the national level only
    ranking: list[RankRow] | None  # None when refused (all resolutions)
    computed_at: dt.datetime | None
    national: bool = False
    has_children: bool = False
    resolutions: list[Resolution] = field(default_factory=list)  # the progress columns of children
    open_alerts: int | None = None  # open alerts concerning agencies of the subtree (monitoring.alerts)

    @property
    def ranking_refused(self) -> bool:
        return self.ranking is None


# --- filters -------------------------------------------------------------------------------------


def top_agency(user: Any) -> Agency | None:
    """The widest agency the user may open: the national root for a national user, else their own."""
    if user.scope.everything:
        root = Agency.objects.filter(depth=1).order_by("path").first()
        if root is not None:
            return root
    own = getattr(user, "agency", None)
    if own is not None and user.scope.reads(own.path):
        return own
    return agencies.agencies_visible(user).order_by("depth", "path").first()


def pick_agency(user: Any, agency_id: Any) -> Agency:
    """The chosen agency (NotFound — a 404 — when missing or outside the scope), or the default."""
    if agency_id in (None, ""):
        found = top_agency(user)
        if found is None:
            raise NotFound(_("You have no agency to show."))
        return found
    return agencies.get_agency(user, agency_id)


def pick_resolution(user: Any, resolution_id: Any) -> Resolution | None:
    """The chosen resolution, None for all; a clear ValidationFailed when it does not exist."""
    if resolution_id in (None, ""):
        return None
    found = None
    if str(resolution_id).isdigit() and len(str(resolution_id)) < 19:
        found = planning.resolutions_visible(user).filter(pk=int(resolution_id)).first()
    if found is None:
        raise ValidationFailed(
            _("The chosen resolution does not exist."), field="resolution", code="unknown_resolution"
        )
    return found


def default_period(user: Any, today: dt.date | None = None) -> ReportingPeriod | None:
    """The current quarter of the configured calendar (None when the calendar does not reach today)."""
    today = today or clock.today()
    found = selectors_periods.period_on(PeriodKind.QUARTER, today)
    if found is not None:
        return found
    return selectors_periods.periods(user, kind=PeriodKind.QUARTER).filter(start__lte=today).last()


def pick_period(user: Any, period_id: Any) -> ReportingPeriod | None:
    """The chosen period, or the current quarter; a clear ValidationFailed when it does not exist."""
    if period_id in (None, ""):
        return default_period(user)
    found = None
    if str(period_id).isdigit() and len(str(period_id)) < 19:
        found = selectors_periods.periods(user).filter(pk=int(period_id)).first()
    if found is None:
        raise ValidationFailed(_("The chosen period does not exist."), field="period", code="unknown_period")
    return found


def pick_filters(
    user: Any, agency_id: Any, resolution_id: Any, period_id: Any
) -> tuple[Agency, Resolution | None, ReportingPeriod | None]:
    """The three filters of the API and the downloads, strictly: an agency outside the scope is a
    404, an unknown resolution or period a ValidationFailed naming the field (a page falls back to
    the defaults with a message instead: ``views.page_filters``)."""
    return (
        pick_agency(user, agency_id),
        pick_resolution(user, resolution_id),
        pick_period(user, period_id),
    )


def listed(user: Any) -> QuerySet[Agency]:
    """The agencies the overview may list and open: those the user sees (a steering reader, whose
    scope holds no agency: those leading its resolutions' tasks, ``steering.SteeringReader``)."""
    own = getattr(user, "listed_agencies", None)
    return own() if own is not None else agencies.agencies_visible(user)


def breadcrumb(user: Any, agency: Agency, top: Agency | None) -> list[Agency]:
    """The agencies the user may open from their top agency down to ``agency`` (included)."""
    if getattr(user, "listed_agencies", None) is not None:
        return [*listed(user).filter(path__in=agency.ancestor_paths).order_by("depth"), agency]
    crumbs = [a for a, visible in agencies.breadcrumb(user, agency) if visible]
    if top is not None and agency.path.startswith(top.path):
        crumbs = [a for a in crumbs if a.path.startswith(top.path)]
    return [*crumbs, agency]


# --- the one function behind the page and the API --------------------------------------------------


def _rows(
    user: Any, agency_ids: list[int], resolution: Resolution | None, within: str, *, stamped: bool = False
) -> list[_Row]:
    """The roll-up rows of these agencies (one query of plain values; ``stamped``: with the time
    each was computed)."""
    if not agency_ids:
        return []
    qs = rollups.progress_rollups(user, resolution=resolution, within=within).filter(agency_id__in=agency_ids)
    width = len(STATUS_FIELDS)
    fields = ["agency_id", "resolution_id", "progress", "tasks", *STATUS_FIELDS]
    out = []
    for values in qs.values_list(*fields, *(["computed_at"] if stamped else [])):
        agency_id, resolution_id, progress, tasks, *rest = values
        counts = dict(zip(STATUS_FIELDS, rest[:width], strict=True))
        out.append(_Row(agency_id, resolution_id, progress, tasks, counts, rest[width] if stamped else None))
    return out


def _by_resolution(rows: list[_Row], resolution: Resolution | None) -> list[ResolutionFigures]:
    known = Resolution.objects.in_bulk(sorted({r.resolution_id for r in rows}))
    figures = [ResolutionFigures(known[r.resolution_id], r.progress, r.tasks, r.counts) for r in rows]
    if resolution is not None and not figures:
        figures = [ResolutionFigures(resolution, None, 0, _empty_counts())]
    return figures


def _child_rows(
    children: list[Agency],
    rows: list[_Row],
    resolution: Resolution | None,
    reports: dict[int, completeness.Counts],
) -> list[ChildRow]:
    by_agency: dict[int, list[_Row]] = {}
    for row in rows:
        by_agency.setdefault(row.agency_id, []).append(row)
    out = []
    for child in children:
        mine = by_agency.get(child.pk, [])
        counts = _empty_counts()
        for row in mine:
            _add(counts, row)
        progress = {row.resolution_id: row.progress for row in mine}
        report_counts = reports.get(child.pk)
        out.append(
            ChildRow(
                agency=child,
                tasks=sum(row.tasks for row in mine),
                progress=progress.get(resolution.pk) if resolution is not None else None,
                progress_by_resolution=progress,
                overdue=counts["overdue"],
                on_time_rate=on_time_rate(counts),
                completeness_rate=report_counts.received_rate if report_counts else None,
            )
        )
    return out


def ranking(rows: list[ChildRow]) -> list[RankRow]:
    """Children with a progress on the chosen resolution, highest first (ties share a rank);
    small samples after the others, unranked."""
    scored = [r for r in rows if r.progress is not None]
    scored.sort(key=lambda r: (r.small_sample, -(r.progress or 0), r.agency.path))
    out: list[RankRow] = []
    for i, r in enumerate(scored):
        assert r.progress is not None
        rank: int | None = None
        if not r.small_sample:
            same = out and out[-1].rank is not None and out[-1].progress == r.progress
            rank = out[-1].rank if same else i + 1
        out.append(RankRow(rank, r.agency, r.progress, r.tasks))
    return out


def _provinces(user: Any, agency: Agency, resolution: Resolution | None) -> list[Tile]:
    """The current provincial party committees under ``agency``, each with its on-time rate."""
    provinces = sorted(
        listed(user).filter(
            kind=AgencyKind.PROVINCIAL_PARTY, valid_to__isnull=True, path__startswith=agency.path
        ),
        key=lambda p: sort_key(short_label(p)),
    )
    totals: dict[int, dict[str, int]] = {p.pk: _empty_counts() for p in provinces}
    tasks: dict[int, int] = dict.fromkeys(totals, 0)
    for row in _rows(user, list(totals), resolution, agency.path):
        _add(totals[row.agency_id], row)
        tasks[row.agency_id] += row.tasks
    return [
        Tile(p, short_label(p), tasks[p.pk], on_time_rate(totals[p.pk]) if tasks[p.pk] else None)
        for p in provinces
    ]


def _sum_counts(rows: list[completeness.Counts]) -> completeness.Counts:
    total = completeness.Counts()
    for c in rows:
        for f in dataclasses.fields(total):
            setattr(total, f.name, getattr(total, f.name) + getattr(c, f.name))
    return total


def _completeness(
    user: Any, period: ReportingPeriod, agency: Agency, resolution: Resolution | None, children: list[int]
) -> tuple[dict[int, completeness.Counts], completeness.Counts]:
    """The period's report counts of each child subtree of ``agency`` (by agency id; ``children``:
    the ids of those shown) and of the whole subtree: from the roll-ups when they hold the period
    (one query on a few rows), counted live otherwise (an old period). The two agree exactly
    (tests/rollups/test_completeness.py)."""
    cached = rollups.completeness_rollups(user, period=period, resolution=resolution, within=agency.path)
    if cached is None:
        by_child = completeness.completeness_by_child(
            user, period=period, agency=agency, resolution=resolution
        )
        return {a.pk: c for a, c in by_child}, _sum_counts([c for _a, c in by_child])
    names = [f.name for f in dataclasses.fields(completeness.Counts)]
    rows = cached.filter(agency_id__in=[agency.pk, *children]).values_list("agency_id", *names)
    reports: dict[int, completeness.Counts] = {}
    total = completeness.Counts()
    for agency_id, *values in rows:
        target = total if agency_id == agency.pk else reports.setdefault(agency_id, completeness.Counts())
        for name, value in zip(names, values, strict=True):
            setattr(target, name, getattr(target, name) + value)
    return reports, total


def overview(
    user: Any,
    agency: Agency,
    resolution: Resolution | None = None,
    period: ReportingPeriod | None = None,
    *,
    offset: int = 0,
    limit: int = CHILDREN_PAGE,
) -> Overview:
    """The dashboard of ``agency``'s subtree (already checked visible: :func:`pick_agency`) for one
    resolution or all (None) and a reporting period (None: no completeness figures)."""
    top = top_agency(user)
    own_rows = _rows(user, [agency.pk], resolution, agency.path, stamped=True)
    by_resolution = _by_resolution(own_rows, resolution)
    total = _empty_counts()
    for row in own_rows:
        _add(total, row)
    tasks = sum(row.tasks for row in own_rows)

    children = list(
        listed(user).filter(path__startswith=agency.path, depth=agency.depth + 1).order_by("path")
    )
    child_rows = _rows(user, [c.pk for c in children], resolution, agency.path)
    reports: dict[int, completeness.Counts] = {}
    period_counts: completeness.Counts | None = None
    if period is not None:
        reports, period_counts = _completeness(user, period, agency, resolution, [c.pk for c in children])
    rows = _child_rows(children, child_rows, resolution, reports)
    offset = max(0, offset)
    if rows and offset >= len(rows):  # past the end: the last page
        offset = (len(rows) - 1) // limit * limit
    national = agency.depth == 1
    computed = [r.computed_at for r in own_rows if r.computed_at is not None]
    return Overview(
        agency=agency,
        top=top,
        crumbs=breadcrumb(user, agency, top),
        resolution=resolution,
        period=period,
        headline=Headline(
            tasks=tasks,
            overdue=total["overdue"],
            on_time_rate=on_time_rate(total),
            reports_missing=period_counts.missing if period_counts else None,
            reports_expected=period_counts.expected if period_counts else None,
        ),
        by_resolution=by_resolution,
        children=rows[offset : offset + limit],
        children_count=len(rows),
        children_offset=offset,
        children_limit=limit,
        own_tasks=tasks - sum(r.tasks for r in rows),
        provinces=_provinces(user, agency, resolution) if national else None,
        ranking=ranking(rows) if resolution is not None else None,
        computed_at=max(computed) if computed else None,
        national=national,
        has_children=bool(children),
        resolutions=[f.resolution for f in by_resolution],
        open_alerts=alert_selectors.open_alert_total(user, agency=agency, resolution=resolution),
    )
