"""The KPI band thresholds: read by everyone signed in, set by system administrators."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Router, Schema

from ..bands import BandRule
from ..models import KpiBandRule
from ..selectors_bands import band_rule_row
from ..services import band_rule as services

router = Router(tags=["KPIs and deadline extensions"])


class BandRuleIn(Schema):
    on_track_from: Decimal = Field(..., description="Percent of plan from which a KPI is on track (<= 1000)")
    at_risk_below: Decimal = Field(
        ..., description="Percent of plan below which a KPI is at risk (> 0, < on_track_from)"
    )
    version: int | None = Field(
        None, ge=0, le=2**31 - 1, description="The version read; a stale one is refused (409)"
    )


class BandRuleOut(Schema):
    on_track_from: str
    at_risk_below: str
    rule: str = Field(..., description="The rule as written under the KPI bands")
    is_default: bool = Field(..., description="True while nobody has set the rule")
    version: int
    updated_by: str | None
    updated_at: dt.datetime | None


def _pct(value: Decimal) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01')):f}"


def band_rule_out(row: KpiBandRule | None) -> dict[str, Any]:
    rule = BandRule() if row is None else BandRule(row.on_track_from, row.at_risk_below)
    return {
        "on_track_from": _pct(rule.on_track_from),
        "at_risk_below": _pct(rule.at_risk_below),
        "rule": rule.text(),
        "is_default": row is None,
        "version": 0 if row is None else row.version,
        "updated_by": None if row is None else row.updated_by_name,
        "updated_at": None if row is None else row.updated_at,
    }


@router.get("/kpi-band-rule", response=BandRuleOut, summary="The thresholds of the KPI bands in force")
def get_kpi_band_rule(request):
    return band_rule_out(band_rule_row())


@router.put(
    "/kpi-band-rule",
    response=BandRuleOut,
    summary="Set the thresholds of the KPI bands (system administrators)",
)
def set_kpi_band_rule(request, payload: BandRuleIn):
    services.set_band_rule(
        request.auth,
        on_track_from=payload.on_track_from,
        at_risk_below=payload.at_risk_below,
        expected_version=payload.version,
    )
    return band_rule_out(band_rule_row())
