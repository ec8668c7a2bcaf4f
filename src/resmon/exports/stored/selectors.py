"""Reads of the stored documents. Every read starts from ``visible_to``: the document's agency
must be in the reader's scope (or its resolution granted to a steering-committee member). On top
of that, a person's lists show their own requests and the scheduled documents, not what other
people asked for (a system administrator sees every document, to look after them)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from resmon.agencies.models import Agency
from resmon.catalogue.models import ReportingPeriod
from resmon.core.access import Role, get_visible_or_404, visible_to

from ..models import StoredDocument

Status = StoredDocument.Status


def _base(user: Any) -> QuerySet[StoredDocument]:
    qs = visible_to(
        user,
        StoredDocument.objects.select_related("agency", "resolution", "period", "requested_by"),
    )
    scope = getattr(user, "scope", None)
    if scope is not None and scope.role == Role.SYSTEM_ADMIN:
        return qs
    return qs.filter(Q(requested_by_id=getattr(user, "pk", None)) | Q(requested_by__isnull=True))


def documents_for(
    user: Any,
    *,
    kind: str = "",
    agency: Agency | None = None,
    period: ReportingPeriod | None = None,
    status: str = "",
    fmt: str = "",
    mine: bool = False,
) -> QuerySet[StoredDocument]:
    """The documents ``user`` may read, newest first; ``agency`` filters to its subtree."""
    qs = _base(user)
    if kind:
        qs = qs.filter(kind=kind)
    if agency is not None:
        qs = qs.filter(agency__path__startswith=agency.path)
    if period is not None:
        qs = qs.filter(period=period)
    if status:
        qs = qs.filter(status=status)
    if fmt:
        qs = qs.filter(format=fmt)
    if mine:
        qs = qs.filter(requested_by_id=getattr(user, "pk", None))
    return qs.order_by("-created_at", "-id")


def get_document(user: Any, document_id: Any) -> StoredDocument:
    """One document; NotFound (a 404) when it is missing or the user may not read it."""
    return get_visible_or_404(user, _base(user), pk=document_id)


def filter_agencies(user: Any, limit: int = 300) -> list[Agency]:
    """The agencies the user's documents are about (the list's agency filter), in tree order."""
    ids = _base(user).order_by().values("agency_id").distinct()
    return list(Agency.objects.filter(pk__in=ids).order_by("path")[:limit])


def filter_periods(user: Any, limit: int = 100) -> list[ReportingPeriod]:
    """The periods the user's documents are for (the list's period filter), newest first."""
    ids = _base(user).order_by().exclude(period__isnull=True).values("period_id").distinct()
    return list(ReportingPeriod.objects.filter(pk__in=ids).order_by("-start", "kind")[:limit])


def any_active(rows: Any) -> bool:
    """Whether any document of ``rows`` (one page) is still queued or running: the list polls."""
    return any(d.active for d in rows)
