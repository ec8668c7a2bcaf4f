"""Compare and rank agencies on one indicator ("So sánh theo chỉ tiêu"): one read model for the
page and the API.

For an indicator of the catalogue, one period of its frequency and an agency the user may open,
the agencies directly under that agency (those the user may see), each with its value of the
indicator for that period in an ACCEPTED report (a value in a draft, sent or returned report is not
data yet), ranked in the indicator's direction.

**Whose value.** An agency's own value when it reported one; otherwise the value reported at the
top of its subtree — the agencies nearest to it that reported (a party committee's People's
Committee, which sits under it, reports the KPIs of its level). One such agency: its value, shown
as "reported by …". Several at the same level: combined by the indicator's aggregation rule when
that is a sum, an average, a minimum or a maximum and they share one definition; a "last value" or
a ratio cannot be combined that way ("several agencies reported — not combined", not compared).

The guards, written on the page as well:

* only values reported against ONE definition are ranked: the version most of the listed agencies
  reported against (ties: the newer version; nobody reported: the indicator's current version).
  A value reported against another version is listed after the ranking, "other definition
  (version N) — not compared";
* for a ratio indicator (its version names a numerator and a denominator indicator) the accepted
  denominator of the agency whose value is shown, for the same period, is shown too; below
  ``RESMON_SMALL_DENOMINATOR`` (default 30) it is a small sample: listed after the ranked agencies,
  without a rank, as the overview's ranking does with agencies leading few tasks;
* agencies without an accepted value in their subtree come last, "no data yet".

Equal values share a rank (1, 1, 3). Everything is scoped: the children come from
``agencies.children_visible``, the values from ``visible_to`` over the observations.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from resmon.agencies import selectors as agencies
from resmon.agencies.models import Agency
from resmon.catalogue import selectors as catalogue
from resmon.catalogue import selectors_periods
from resmon.catalogue.models import (
    Aggregation,
    Direction,
    Frequency,
    Indicator,
    IndicatorVersion,
    ReportingPeriod,
)
from resmon.core import clock
from resmon.core.access import visible_to
from resmon.core.errors import ValidationFailed
from resmon.reporting.models import Observation, ReportState

PAGE_SIZE = 50
PERIOD_CHOICES = 40
SMALL_DENOMINATOR = 30  # the default of settings.RESMON_SMALL_DENOMINATOR

RANKED = "ranked"
SMALL = "small_denominator"
OTHER = "other_definition"
UNCOMBINED = "not_combined"
NO_DATA = "no_data"
GROUPS = (RANKED, SMALL, OTHER, UNCOMBINED, NO_DATA)
VALUE_STEP = Decimal("0.0001")  # as precise as a stored value
COMBINABLE: dict[str, Callable[[list[Decimal]], Decimal]] = {
    Aggregation.SUM.value: lambda values: sum(values, Decimal(0)),
    Aggregation.AVERAGE.value: lambda values: sum(values, Decimal(0)) / len(values),
    Aggregation.MIN.value: min,
    Aggregation.MAX.value: max,
}

# why the reference definition was chosen
MAJORITY = "majority"
CURRENT = "current"


def small_denominator_threshold() -> Decimal:
    """Below this denominator a ratio is a small sample (settings.RESMON_SMALL_DENOMINATOR)."""
    return Decimal(str(getattr(settings, "RESMON_SMALL_DENOMINATOR", SMALL_DENOMINATOR)))


@dataclass
class CompareRow:
    agency: Agency
    group: str  # one of GROUPS
    rank: int | None  # ranked rows only
    value: Decimal | None
    version: IndicatorVersion | None  # the definition the value was reported against
    denominator: Decimal | None  # a ratio's accepted denominator for the period (of the source)
    has_children: bool = False
    source: Agency | None = None  # the agency under it whose value is shown (None: its own)
    sources: int = 0  # how many agencies' values were combined (0: none, 1: one value)

    @property
    def decimals(self) -> int:
        return self.version.decimal_places if self.version is not None else 0


@dataclass
class Comparison:
    agency: Agency
    indicator: Indicator
    period: ReportingPeriod | None  # None: the calendar has no period of the indicator's frequency
    reference: IndicatorVersion  # the one definition ranked
    reference_reason: str  # MAJORITY or CURRENT
    rows: list[CompareRow]  # one page, in the order shown
    count: int  # every row (all pages)
    offset: int
    limit: int
    counts: dict[str, int]  # rows per group
    own: CompareRow | None  # the chosen agency's own value (not ranked)
    threshold: Decimal
    denominator: Indicator | None = None  # a ratio's denominator indicator
    chart_rows: list[CompareRow] = field(default_factory=list)  # the page's ranked and small rows

    @property
    def current(self) -> IndicatorVersion:
        return self.indicator.current  # type: ignore[return-value]

    @property
    def is_ratio(self) -> bool:
        return self.reference.denominator_id is not None

    @property
    def higher_is_better(self) -> bool:
        return self.reference.direction != Direction.LOWER


# --- filters -------------------------------------------------------------------------------------


def indicator_choices(user: Any) -> QuerySet[Indicator]:
    """The indicators one may compare on: active, with a definition."""
    return catalogue.indicators(user, active=True).filter(current__isnull=False)


def pick_indicator(user: Any, raw: Any) -> Indicator:
    """The chosen indicator; a clear ValidationFailed naming the field when none, unknown or retired."""
    raw = str(raw if raw is not None else "").strip()
    if not raw:
        raise ValidationFailed(
            _("Choose an indicator to compare the agencies on."), field="indicator", code="indicator_required"
        )
    found = None
    if raw.isdigit() and len(raw) < 19:
        found = indicator_choices(user).filter(pk=int(raw)).first()
    if found is None:
        raise ValidationFailed(
            _("The chosen indicator does not exist or is no longer in use."),
            field="indicator",
            code="unknown_indicator",
        )
    return found


def frequency_of(indicator: Indicator) -> str:
    return indicator.current.frequency  # type: ignore[union-attr]


def period_choices(user: Any, indicator: Indicator, today: dt.date | None = None) -> list[ReportingPeriod]:
    """The periods of the indicator's frequency begun by ``today``, newest first."""
    today = today or clock.today()
    qs = selectors_periods.periods(user, kind=frequency_of(indicator)).filter(start__lte=today)
    return list(qs.order_by("-start")[:PERIOD_CHOICES])


def _accepted(user: Any, indicator_id: int, **filters: Any) -> QuerySet[Observation]:
    qs = Observation.objects.filter(indicator_id=indicator_id, report__state=ReportState.ACCEPTED, **filters)
    return visible_to(user, qs)


def _inside(agency: Agency) -> dict[str, Any]:
    """The filter "reported inside ``agency``'s subtree" (none for the root: everything is)."""
    return {} if agency.depth == 1 else {"agency__path__startswith": agency.path}


def _with_children(agency: Agency, children: list[Agency]) -> set[int]:
    """The children that have active agencies under them (one query, for the drill-down links)."""
    cut = len(agency.path) + Agency.steplen
    below = Agency.objects.filter(agencies.active_q(), path__startswith=agency.path, depth=agency.depth + 2)
    paths = {path[:cut] for path in below.values_list("path", flat=True)}
    return {c.pk for c in children if c.path in paths}


def default_period(
    user: Any, indicator: Indicator, agency: Agency, today: dt.date | None = None
) -> ReportingPeriod | None:
    """The latest period of the indicator's frequency with an accepted value inside ``agency``'s
    subtree; else the latest one begun; None when the calendar has none of that kind."""
    today = today or clock.today()
    periods = selectors_periods.periods(user, kind=frequency_of(indicator))
    begun = list(periods.filter(start__lte=today).order_by("-start"))
    # newest first, one cheap probe each: the latest period with data is nearly always among the first
    for candidate in begun:
        if _accepted(user, indicator.pk, period_id=candidate.pk, **_inside(agency)).exists():
            return candidate
    return begun[0] if begun else periods.first()


def pick_period(user: Any, indicator: Indicator, agency: Agency, raw: Any) -> ReportingPeriod | None:
    """The chosen period (or the default); a clear ValidationFailed when it does not exist or is not
    a period of the indicator's frequency (values of other periods are not comparable)."""
    raw = str(raw if raw is not None else "").strip()
    if not raw:
        return default_period(user, indicator, agency)
    found = None
    if raw.isdigit() and len(raw) < 19:
        found = selectors_periods.periods(user).filter(pk=int(raw)).first()
    if found is None:
        raise ValidationFailed(_("The chosen period does not exist."), field="period", code="unknown_period")
    kind = frequency_of(indicator)
    if found.kind != kind:
        raise ValidationFailed(
            _(
                "“%(period)s” is not a period of this indicator: it is reported %(frequency)s. "
                "Choose one of its periods."
            )
            % {"period": found.label, "frequency": str(Frequency(kind).label).lower()},
            field="period",
            code="period_frequency",
        )
    return found


# --- the one function behind the page and the API --------------------------------------------------


def _reference(
    indicator: Indicator, used: Counter[int], versions: dict[int, IndicatorVersion]
) -> tuple[IndicatorVersion, str]:
    """The definition most agencies reported against (ties: the newer), else the current one."""
    if used:
        best = max(used, key=lambda vid: (used[vid], versions[vid].version))
        return versions[best], MAJORITY
    return indicator.current, CURRENT  # type: ignore[return-value]


def _ranked(rows: list[CompareRow], higher_is_better: bool) -> list[CompareRow]:
    """By value in the indicator's direction, then tree order; equal values share a rank."""
    sign = -1 if higher_is_better else 1
    rows.sort(key=lambda r: (sign * (r.value or 0), r.agency.path))
    for i, row in enumerate(rows):
        previous = rows[i - 1] if i else None
        row.rank = previous.rank if previous is not None and previous.value == row.value else i + 1
    return rows


@dataclass
class _Top:
    """The values at the top of one child's subtree: the reporting agencies nearest to it."""

    depth: int
    values: list[tuple[int, int, Decimal]]  # (agency id, version id, value)


def _tops(
    agency: Agency, children: list[Agency], rows: list[tuple[int, str, int, Decimal]]
) -> dict[int, _Top]:
    """Child id -> the values reported at the top of its subtree (its own value first of all)."""
    by_path = {c.path: c.pk for c in children}
    cut = len(agency.path) + Agency.steplen
    tops: dict[int, _Top] = {}
    for agency_id, path, version_id, value in rows:
        child = by_path.get(path[:cut])
        if child is None:  # the agency itself, or under a child the user may not see
            continue
        top = tops.get(child)
        if top is None or len(path) < top.depth:
            tops[child] = _Top(len(path), [(agency_id, version_id, value)])
        elif len(path) == top.depth:
            top.values.append((agency_id, version_id, value))
    return tops


def compare(
    user: Any,
    agency: Agency,
    indicator: Indicator,
    period: ReportingPeriod | None,
    *,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> Comparison:
    """The agencies under ``agency`` (already checked visible: ``selectors.pick_agency``) on
    ``indicator`` for ``period`` (already checked of its frequency: :func:`pick_period`)."""
    children = list(agencies.children_visible(user, agency))
    parents = _with_children(agency, children)
    rows: list[tuple[int, str, int, Decimal]] = []
    if period is not None:
        found = _accepted(user, indicator.pk, period_id=period.pk, **_inside(agency))
        rows = list(found.values_list("agency_id", "agency__path", "indicator_version_id", "value"))
    own_value = next(((a, v, value) for a, _path, v, value in rows if a == agency.pk), None)
    tops = _tops(agency, children, rows)
    version_ids = {v for _a, _p, v, _value in rows} | {indicator.current_id}
    versions = IndicatorVersion.objects.select_related("denominator").in_bulk(version_ids)
    used = Counter(top.values[0][1] for top in tops.values() if len(top.values) == 1)
    used.update(
        top.values[0][1]
        for top in tops.values()
        if len(top.values) > 1 and len({v for _a, v, _x in top.values}) == 1
    )
    reference, reason = _reference(indicator, used, versions)
    reference = versions.get(reference.pk, reference)

    sources = {a for top in tops.values() if len(top.values) == 1 for a, _v, _x in top.values}
    if own_value is not None:
        sources.add(agency.pk)
    denominators: dict[int, Decimal] = {}
    if reference.denominator_id is not None and period is not None and sources:
        found = _accepted(user, reference.denominator_id, period_id=period.pk, agency_id__in=sorted(sources))
        denominators = dict(found.values_list("agency_id", "value"))
    source_agencies = Agency.objects.in_bulk(sources - {c.pk for c in children} - {agency.pk})
    threshold = small_denominator_threshold()

    def judge(version: IndicatorVersion, value: Decimal, denominator: Decimal | None) -> str:
        if version.pk != reference.pk:
            return OTHER
        if reference.denominator_id is not None and denominator is not None and denominator < threshold:
            return SMALL
        return RANKED

    def row(child: Agency) -> CompareRow:
        top = tops.get(child.pk)
        if top is None:
            return CompareRow(child, NO_DATA, None, None, None, None)
        if len(top.values) == 1:
            source_id, version_id, value = top.values[0]
            denominator = denominators.get(source_id)
            version = versions[version_id]
            found = CompareRow(child, judge(version, value, denominator), None, value, version, denominator)
            found.source = source_agencies.get(source_id) if source_id != child.pk else None
            found.sources = 1
            return found
        version_set = {v for _a, v, _x in top.values}
        combine = COMBINABLE.get(reference.aggregation)
        shared = versions[next(iter(version_set))] if len(version_set) == 1 else None
        if shared is None or combine is None:
            found = CompareRow(child, UNCOMBINED, None, None, shared, None)
        else:
            value = combine([x for _a, _v, x in top.values]).quantize(VALUE_STEP, rounding=ROUND_HALF_UP)
            found = CompareRow(child, judge(shared, value, None), None, value, shared, None)
        found.sources = len(top.values)
        return found

    by_group: dict[str, list[CompareRow]] = {g: [] for g in GROUPS}
    for child in children:
        r = row(child)
        r.has_children = child.pk in parents
        by_group[r.group].append(r)
    higher = reference.direction != Direction.LOWER
    _ranked(by_group[RANKED], higher)
    by_group[SMALL].sort(key=lambda r: ((-1 if higher else 1) * (r.value or 0), r.agency.path))
    ordered = [r for g in GROUPS for r in by_group[g]]
    offset = max(0, offset)
    if ordered and offset >= len(ordered):  # past the end: the last page
        offset = (len(ordered) - 1) // limit * limit
    page = ordered[offset : offset + limit]
    own = None
    if own_value is not None:
        version = versions[own_value[1]]
        denominator = denominators.get(agency.pk)
        own = CompareRow(
            agency, judge(version, own_value[2], denominator), None, own_value[2], version, denominator
        )
        own.sources = 1
    return Comparison(
        agency=agency,
        indicator=indicator,
        period=period,
        reference=reference,
        reference_reason=reason,
        rows=page,
        count=len(ordered),
        offset=offset,
        limit=limit,
        counts={g: len(rows) for g, rows in by_group.items()},
        own=own,
        threshold=threshold,
        denominator=reference.denominator,
        chart_rows=[r for r in page if r.group in (RANKED, SMALL)],
    )


def _number(value: Decimal) -> str:
    """A number in the active language's format (vi: 1.234,5), as the pages write numbers."""
    number = value.normalize()
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    places = max(0, -int(number.as_tuple().exponent))
    return number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)


def rule_text(c: Comparison) -> str:
    """The rule of the ranking, as the page writes it under the table (and the API returns it)."""
    parts = [
        _(
            "Agencies directly under %(agency)s, each with its value of %(code)s for %(period)s "
            "in an accepted report, ranked %(order)s; equal values share a rank."
        )
        % {
            "agency": c.agency.name,
            "code": c.indicator.code,
            "period": c.period.label if c.period is not None else "–",
            "order": _("highest first (higher is better)")
            if c.higher_is_better
            else _("lowest first (lower is better)"),
        }
    ]
    parts.append(
        _(
            "An agency without a value of its own takes the value reported at the top of its subtree "
            "(the reporting agencies nearest to it, such as its People's Committee); several of them are "
            "combined by the indicator's aggregation rule when it is a sum, an average, a minimum or a "
            "maximum and they share one definition, otherwise they are not compared."
        )
    )
    if c.reference_reason == MAJORITY:
        parts.append(
            _(
                "Only values reported against one definition are compared: version %(n)s, the one most "
                "of these agencies reported against (the current definition is version %(current)s)."
            )
            % {"n": c.reference.version, "current": c.current.version}
        )
    else:
        parts.append(
            _(
                "Only values reported against one definition are compared: version %(n)s, the current "
                "definition (no agency listed has an accepted value yet)."
            )
            % {"n": c.reference.version}
        )
    parts.append(_("A value reported against another version is listed after the ranking, not compared."))
    if c.is_ratio:
        parts.append(
            _(
                "A ratio whose denominator (%(denominator)s, reported by the same agency for the same "
                "period) is below %(threshold)s is a small sample: listed after the ranked agencies, "
                "without a rank."
            )
            % {
                "denominator": c.denominator.code if c.denominator is not None else "",
                "threshold": _number(c.threshold),
            }
        )
    parts.append(_("Agencies without an accepted value are listed last."))
    return " ".join(str(p) for p in parts)
