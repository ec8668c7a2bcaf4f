"""GET /dashboard/kpis: KPIs against their trajectory, the same read model as the page
(``kpis.kpi_bands``), so the two cannot drift. Numbers that are not counts are strings ("92.5");
a value is null when there is none (no accepted value, no plan, not assessable)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from resmon.agencies.api import AgencyRef, agency_ref
from resmon.core.apikit import MAX_LIMIT
from resmon.core.errors import ValidationFailed
from resmon.reporting.api.schemas import PeriodRef, TaskRef, num, period_ref, task_ref

from . import kpis, selectors
from .api import OverviewFilters

router = Router(tags=["dashboards"])


class KpiBandsQuery(OverviewFilters):
    band: str | None = Field(
        None, max_length=20, description="List only one band: on_track, behind, at_risk, not_assessable"
    )
    sort: str = Field(
        kpis.DEFAULT_SORT,
        pattern="^-?attainment$",
        description="attainment: lowest first (at risk first); -attainment: highest first",
    )
    limit: int | None = Field(None, ge=1, le=MAX_LIMIT, description="KPIs per page (default 50)")
    offset: int = Field(0, ge=0, le=10**9, description="KPIs to skip")


class BandCounts(Schema):
    on_track: int
    behind: int
    at_risk: int
    not_assessable: int


class KpiBandsRuleOut(Schema):
    on_track_from: str = Field(..., description="Percent of plan from which a KPI is on track")
    at_risk_below: str = Field(..., description="Percent of plan below which a KPI is at risk")
    text: str


class KpiBandRowOut(Schema):
    id: int = Field(..., description="The task KPI")
    task: TaskRef
    lead_agency: AgencyRef
    indicator_id: int
    indicator_code: str
    indicator: str
    unit: str
    direction: str
    expected: str | None = Field(None, description="The trajectory's value on the period's last day")
    actual: str | None = Field(None, description="The lead agency's value in an accepted report")
    attainment: str | None = Field(None, description="Percent of plan, direction taken into account")
    band: str


class KpiBandsOut(Schema):
    agency: AgencyRef
    resolution: int | None
    period: PeriodRef
    on: dt.date = Field(..., description="The day the planned values are read off the trajectories")
    rule: KpiBandsRuleOut
    counts: BandCounts
    total: int = Field(..., description="Every KPI of the subtree (all bands)")
    count: int = Field(..., description="The KPIs listed (the chosen band, or all)")
    offset: int
    limit: int
    sort: str
    band: str | None
    items: list[KpiBandRowOut]


def _pct(value: Decimal) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01')):f}"


def kpi_bands_out(result: kpis.KpiBands) -> dict[str, Any]:
    return {
        "agency": agency_ref(result.agency),
        "resolution": result.resolution.pk if result.resolution is not None else None,
        "period": period_ref(result.period),
        "on": result.on,
        "rule": {
            "on_track_from": _pct(result.rule.on_track_from),
            "at_risk_below": _pct(result.rule.at_risk_below),
            "text": result.rule.text(),
        },
        "counts": result.counts,
        "total": result.total,
        "count": result.count,
        "offset": result.offset,
        "limit": result.limit,
        "sort": result.sort,
        "band": result.band,
        "items": [
            {
                "id": r.kpi.pk,
                "task": task_ref(r.task),
                "lead_agency": agency_ref(r.task.lead_agency),
                "indicator_id": r.kpi.indicator_id,
                "indicator_code": r.kpi.indicator.code,
                "indicator": r.name,
                "unit": r.unit,
                "direction": r.kpi.indicator_version.direction,
                "expected": num(r.expected),
                "actual": num(r.actual),
                "attainment": None if r.attainment is None else f"{r.attainment:f}",
                "band": r.band,
            }
            for r in result.rows
        ],
    }


@router.get(
    "/dashboard/kpis",
    response=KpiBandsOut,
    summary="KPIs against their trajectory in an agency subtree: counts per band and the KPIs",
)
def dashboard_kpis(request, query: Query[KpiBandsQuery]):
    user = request.auth
    agency, resolution, period = selectors.pick_filters(user, query.agency, query.resolution, query.period)
    if period is None:
        raise ValidationFailed(
            _("No reporting period covers today: choose a period."), field="period", code="no_period"
        )
    band = kpis.pick_band(query.band)  # unknown: 400
    result = kpis.kpi_bands(
        user,
        agency=agency,
        resolution=resolution,
        period=period,
        band_filter=band,
        sort=kpis.pick_sort(query.sort),
        offset=query.offset,
        limit=query.limit or kpis.PAGE_SIZE,
    )
    return kpi_bands_out(result)
