"""Downloading the overview as a file (the pages and the API share this): the same filters, the
same scope and the same selector as the dashboard page, and an audit row for every download —
exporting a whole province's figures is a sensitive act.

Size: the overview is built in one request with ALL the children of the chosen agency (the page
shows them 50 at a time). Nationally that is about a hundred children (central bodies and the 34
provinces) and 34 province tiles; a province has a few hundred communes and departments at most:
fine in one request. Past :data:`MAX_CHILDREN` (``RESMON_EXPORT_MAX_CHILDREN`` in the settings)
the download is refused with a message asking to narrow the filter, before anything is built."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from resmon.agencies import selectors as agencies
from resmon.agencies.models import AgencyKind
from resmon.audit.services import record
from resmon.core.errors import DomainError, ValidationFailed
from resmon.dashboards import selectors as dashboards
from resmon.dashboards.selectors import Overview

from ..documents.pdf import render_pdf
from ..documents.services import CONTENT_TYPES, DOCX, PDF, DocumentFile, filename_part
from ..documents.word import render_docx
from .document import overview_document
from .workbook import overview_workbook

XLSX = "xlsx"
FORMATS = (XLSX, DOCX, PDF)
TYPES = {
    **CONTENT_TYPES,
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_CHILDREN = 5000


def max_children() -> int:
    return int(getattr(settings, "RESMON_EXPORT_MAX_CHILDREN", MAX_CHILDREN))


def whole_province_or_nation(user: Any, agency_id: Any) -> bool:
    """Does the overview of ``agency_id`` (empty: the user's widest agency) cover the nation (the
    root agency) or a whole province (its provincial party committee)? Exporting those, downloaded
    or made in the background, asks "confirm it is you" first, on the pages and in the API
    (accounts.reauth). False for an agency that is not in the scope: the export answers that."""
    try:
        agency = dashboards.pick_agency(user, agency_id)
    except DomainError:
        return False
    return agency.is_root() or agency.kind == AgencyKind.PROVINCIAL_PARTY


def overview_for_export(user: Any, agency_id: Any, resolution_id: Any, period_id: Any) -> Overview:
    """The overview the page shows for these filters, with every child on one "page".

    NotFound (a 404) for an agency outside the scope; ValidationFailed naming the field for an
    unknown resolution or period (the page would fall back to a default: a file must not silently
    say something else than asked); ValidationFailed when the agency has too many children."""
    agency, resolution, period = dashboards.pick_filters(user, agency_id, resolution_id, period_id)
    limit = max_children()
    count = agencies.children_visible(user, agency).count()
    if count > limit:
        raise ValidationFailed(
            _(
                "%(agency)s has %(count)s agencies under it, more than the %(limit)s one export may "
                "hold. Narrow the filter: choose an agency further down and export again."
            )
            % {"agency": agency.name, "count": count, "limit": limit},
            field="agency",
            code="selection_too_large",
        )
    return dashboards.overview(user, agency, resolution, period, offset=0, limit=max(count, 1))


def overview_filename(o: Overview, fmt: str) -> str:
    """``tong-quan-HNI-57-NQ-TW-2026-Q1.xlsx``: agency, resolution and period codes, ASCII only."""
    parts = [filename_part(o.agency.code) or str(o.agency.pk)]
    if o.resolution is not None:
        parts.append(filename_part(o.resolution.number))
    if o.period is not None:
        parts.append(filename_part(o.period.code))
    return "tong-quan-" + "-".join(p for p in parts if p) + f".{fmt}"


def render(user: Any, o: Overview, fmt: str) -> bytes:
    renderers: dict[str, Callable[[], bytes]] = {
        XLSX: lambda: overview_workbook(o),
        DOCX: lambda: render_docx(overview_document(user, o)),
        PDF: lambda: render_pdf(overview_document(user, o)),
    }
    return renderers[fmt]()


def download_overview(
    user: Any, fmt: str, *, agency: Any = None, resolution: Any = None, period: Any = None
) -> DocumentFile:
    """The overview for these filters as an Excel, Word or PDF file. Records
    "exports.overview_downloaded" (object: the agency; after: the format and the filters)."""
    o = overview_for_export(user, agency, resolution, period)
    content = render(user, o, fmt)
    with transaction.atomic():
        record(
            user,
            "exports.overview_downloaded",
            o.agency,
            after={
                "format": fmt,
                "agency": o.agency.pk,
                "resolution": o.resolution.pk if o.resolution is not None else None,
                "period": o.period.pk if o.period is not None else None,
                "children": o.children_count,
            },
            agency_path=o.agency.path,
        )
    return DocumentFile(content, overview_filename(o, fmt), TYPES[fmt])
