"""GET /indicators (every signed-in caller), POST /indicators and POST /indicators/{id}/versions
(system administrators; 403 for others)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from resmon.agencies.api import AgencyRef, agency_ref
from resmon.agencies.models import Agency
from resmon.core.apikit import Id, PageQuery, PathId, clean_text, paginate, parse_choice
from resmon.core.errors import PermissionRefused, ValidationFailed

from . import selectors, services
from .models import Direction, Frequency, Indicator, IndicatorVersion

router = Router(tags=["catalogue"])


class IndicatorRef(Schema):
    id: int
    code: str


class VersionOut(Schema):
    version: int
    name: str
    definition: str
    unit: str
    direction: str
    aggregation: str
    numerator: IndicatorRef | None
    denominator: IndicatorRef | None
    frequency: str
    owner_agency: AgencyRef
    resolution_hint: str
    min_value: str | None = Field(..., description="Lowest valid value, a decimal string; null: no limit.")
    max_value: str | None = Field(..., description="Highest valid value, a decimal string; null: no limit.")
    decimal_places: int
    part_of: IndicatorRef | None
    change_note: str
    created_at: dt.datetime
    created_by: str | None


class IndicatorOut(Schema):
    id: int
    code: str
    is_active: bool
    is_demo: bool
    current: VersionOut


class IndicatorPage(Schema):
    count: int
    items: list[IndicatorOut]


class IndicatorDetailOut(IndicatorOut):
    versions: list[VersionOut]


class IndicatorFilters(Schema):
    q: str | None = None
    resolution: str | None = None
    direction: str | None = None
    frequency: str | None = None
    active: bool | None = None


class DefinitionIn(Schema):
    name: str = Field(..., max_length=300)
    definition: str = Field(..., max_length=10000)
    unit: str = Field(..., max_length=40)
    direction: str
    aggregation: str
    frequency: str
    owner_agency: Id
    numerator: Id | None = None
    denominator: Id | None = None
    resolution_hint: str = Field("", max_length=100)
    min_value: Decimal | None = Field(
        None, max_digits=20, decimal_places=4, description="Reported values below it are refused."
    )
    max_value: Decimal | None = Field(
        None, max_digits=20, decimal_places=4, description="Reported values above it are refused."
    )
    decimal_places: int = Field(2, description="Decimal places a reported value may have (0 for counts).")
    part_of: Id | None = Field(
        None, description="The indicator this one is part of (its value cannot exceed it)."
    )


class IndicatorIn(DefinitionIn):
    code: str = Field(..., max_length=40)


class RevisionIn(Schema):
    change_note: str = Field(..., max_length=300)
    expected_version: int | None = Field(None, description="The current version you edited; 409 if stale.")
    name: str | None = Field(None, max_length=300)
    definition: str | None = Field(None, max_length=10000)
    unit: str | None = Field(None, max_length=40)
    direction: str | None = None
    aggregation: str | None = None
    frequency: str | None = None
    owner_agency: Id | None = None
    numerator: Id | None = None
    denominator: Id | None = None
    resolution_hint: str | None = Field(None, max_length=100)
    min_value: Decimal | None = Field(
        None, max_digits=20, decimal_places=4, description="null removes the limit."
    )
    max_value: Decimal | None = Field(
        None, max_digits=20, decimal_places=4, description="null removes the limit."
    )
    decimal_places: int | None = None
    part_of: Id | None = Field(None, description="null: part of no other indicator.")


def _num(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def _ref(ind: Indicator | None) -> dict[str, Any] | None:
    return None if ind is None else {"id": ind.pk, "code": ind.code}


def _version(v: IndicatorVersion) -> dict[str, Any]:
    return {
        "version": v.version,
        "name": v.name,
        "definition": v.definition,
        "unit": v.unit,
        "direction": v.direction,
        "aggregation": v.aggregation,
        "numerator": _ref(v.numerator),
        "denominator": _ref(v.denominator),
        "frequency": v.frequency,
        "owner_agency": agency_ref(v.owner_agency),
        "resolution_hint": v.resolution_hint,
        "min_value": _num(v.min_value),
        "max_value": _num(v.max_value),
        "decimal_places": v.decimal_places,
        "part_of": _ref(v.part_of),
        "change_note": v.change_note,
        "created_at": v.created_at,
        "created_by": v.created_by.get_username() if v.created_by_id else None,
    }


def _indicator(ind: Indicator) -> dict[str, Any]:
    return {
        "id": ind.pk,
        "code": ind.code,
        "is_active": ind.is_active,
        "is_demo": ind.is_demo,
        "current": _version(ind.current),
    }


def _detail(user, ind: Indicator) -> dict[str, Any]:
    return {**_indicator(ind), "versions": [_version(v) for v in selectors.versions_of(ind)]}


def _require_admin(user) -> None:
    if not services.is_catalogue_admin(user):
        raise PermissionRefused(_("Only system administrators manage the indicator catalogue."))


def _agency(agency_id: int | None) -> Agency | None:
    if agency_id is None:
        return None
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise ValidationFailed(_("No agency with id %(id)s.") % {"id": agency_id}, field="owner_agency")
    return agency


def _other(indicator_id: int | None, field: str) -> Indicator | None:
    if indicator_id is None:
        return None
    found = Indicator.objects.filter(pk=indicator_id).first()
    if found is None:
        raise ValidationFailed(_("No indicator with id %(id)s.") % {"id": indicator_id}, field=field)
    return found


@router.get("/indicators", response=IndicatorPage, summary="The indicator catalogue")
def list_indicators(request, filters: Query[IndicatorFilters], page: Query[PageQuery]):
    qs = selectors.indicators(
        request.auth,
        q=clean_text(filters.q),
        resolution=clean_text(filters.resolution, 40),
        direction=parse_choice(filters.direction, "direction", Direction.values) or "",
        frequency=parse_choice(filters.frequency, "frequency", Frequency.values) or "",
        active=filters.active,
    )
    return paginate(qs, page, _indicator)


@router.get(
    "/indicators/{indicator_id}", response=IndicatorDetailOut, summary="One indicator and its versions"
)
def get_indicator(request, indicator_id: PathId):
    return _detail(request.auth, selectors.get_indicator(request.auth, indicator_id))


@router.post(
    "/indicators", response={201: IndicatorDetailOut}, summary="Add an indicator (system administrators)"
)
def create_indicator(request, payload: IndicatorIn):
    user = request.auth
    _require_admin(user)
    data = payload.dict()
    data["owner_agency"] = _agency(data["owner_agency"])
    data["numerator"] = _other(data["numerator"], "numerator")
    data["denominator"] = _other(data["denominator"], "denominator")
    data["part_of"] = _other(data["part_of"], "part_of")
    indicator = services.create_indicator(user, **data)
    return Status(201, _detail(user, selectors.get_indicator(user, indicator.pk)))


@router.post(
    "/indicators/{indicator_id}/versions",
    response={201: IndicatorDetailOut},
    summary="A new version of an indicator's definition (system administrators)",
)
def revise_indicator(request, indicator_id: PathId, payload: RevisionIn):
    user = request.auth
    _require_admin(user)
    indicator = selectors.get_indicator(user, indicator_id)
    data = payload.dict(exclude_unset=True)
    note = data.pop("change_note")
    expected = data.pop("expected_version", None)
    if "owner_agency" in data:
        data["owner_agency"] = _agency(data["owner_agency"])
    for field in ("numerator", "denominator", "part_of"):
        if field in data:
            data[field] = _other(data[field], field)
    fields = ("name", "definition", "unit", "direction", "aggregation", "frequency", "resolution_hint")
    for field in (*fields, "decimal_places"):
        if field in data and data[field] is None:
            data.pop(field)
    services.revise_indicator(user, indicator, change_note=note, expected_version=expected, **data)
    return Status(201, _detail(user, selectors.get_indicator(user, indicator.pk)))
