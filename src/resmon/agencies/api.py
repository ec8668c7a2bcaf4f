"""GET /agencies: the agency tree as far as the caller's scope reaches."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from resmon.core import clock
from resmon.core.apikit import Id, PageQuery, PathId, clean_text, paginate, parse_choice
from resmon.core.errors import NotFound, ValidationFailed

from . import selectors
from .models import Agency, AgencyKind, Level

router = Router(tags=["agencies"])


class AgencyRef(Schema):
    id: int
    code: str
    name: str


class AgencyOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    kind: str
    kind_label: str
    level: str
    depth: int
    parent_id: int | None
    children_count: int
    valid_from: dt.date | None
    valid_to: dt.date | None
    active: bool
    is_synthetic: bool


class AgencyPage(Schema):
    count: int
    items: list[AgencyOut]


class AgencyFilters(Schema):
    parent: Id | None = None
    kind: str | None = None
    level: str | None = None
    q: str | None = None
    active: bool | None = True


def agency_ref(agency: Agency | None) -> dict[str, Any] | None:
    if agency is None:
        return None
    return {"id": agency.pk, "code": agency.code, "name": agency.name}


def _parent_ids(agencies: list[Agency]) -> dict[str, int]:
    paths = {a.path[: -Agency.steplen] for a in agencies if a.depth > 1}
    if not paths:
        return {}
    return dict(Agency.objects.filter(path__in=paths).values_list("path", "id"))


def serialize_many(agencies: list[Agency]) -> list[dict[str, Any]]:
    parents = _parent_ids(agencies)
    today = clock.today()
    return [
        {
            "id": a.pk,
            "code": a.code,
            "name": a.name,
            "short_name": a.short_name,
            "kind": a.kind,
            "kind_label": str(a.get_kind_display()),
            "level": a.level,
            "depth": a.depth,
            "parent_id": parents.get(a.path[: -Agency.steplen]) if a.depth > 1 else None,
            "children_count": a.numchild,
            "valid_from": a.valid_from,
            "valid_to": a.valid_to,
            "active": a.is_active_on(today),
            "is_synthetic": a.is_synthetic,
        }
        for a in agencies
    ]


def _page(qs, page: PageQuery) -> dict[str, Any]:
    result = paginate(qs, page, lambda a: a)
    result["items"] = serialize_many(result["items"])
    return result


def visible_parent(user: Any, agency_id: int, field: str) -> Agency:
    """An agency named in a filter; outside the scope it is refused as unknown."""
    try:
        return selectors.get_agency(user, agency_id)
    except NotFound:
        raise ValidationFailed(
            _("No agency with id %(id)s in your scope.") % {"id": agency_id}, field=field
        ) from None


@router.get("/agencies", response=AgencyPage, summary="List agencies in scope")
def list_agencies(request, filters: Query[AgencyFilters], page: Query[PageQuery]):
    user = request.auth
    kind = parse_choice(filters.kind, "kind", AgencyKind.values)
    level = parse_choice(filters.level, "level", Level.values)
    qs = selectors.agencies_visible(user, include_inactive=True)
    if filters.active is True:
        qs = qs.filter(selectors.active_q())
    elif filters.active is False:
        qs = qs.exclude(selectors.active_q())
    if filters.parent is not None:
        parent = visible_parent(user, filters.parent, "parent")
        qs = qs.filter(path__startswith=parent.path, depth=parent.depth + 1)
    if kind:
        qs = qs.filter(kind=kind)
    if level:
        qs = qs.filter(level=level)
    text = clean_text(filters.q)
    if text:
        qs = qs.filter(pk__in=selectors.search_visible(user, text).values("pk"))
    return _page(qs.order_by("path"), page)


@router.get("/agencies/{agency_id}", response=AgencyOut, summary="One agency")
def get_agency(request, agency_id: PathId):
    return serialize_many([selectors.get_agency(request.auth, agency_id)])[0]


@router.get("/agencies/{agency_id}/children", response=AgencyPage, summary="Direct children of an agency")
def agency_children(request, agency_id: PathId, page: Query[PageQuery]):
    parent = selectors.get_agency(request.auth, agency_id)
    return _page(selectors.children_visible(request.auth, parent), page)
