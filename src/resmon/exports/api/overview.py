"""GET /dashboard/export.xlsx|.docx|.pdf: the overview of GET /dashboard as a file, for the same
filters (every child, not one page). An agency outside the scope is a 404; an unknown resolution
or period, or a selection too large for one file, a 400 naming the field. The nation or a whole
province asks "confirm it is you" first (accounts.reauth: 403 confirmation_required)."""

from __future__ import annotations

from ninja import Query, Router

from resmon.accounts import reauth
from resmon.dashboards.api import OverviewFilters

from ..documents.services import DOCX, PDF, attachment
from ..overview.services import TYPES, XLSX, download_overview, whole_province_or_nation
from .files import file_response

router = Router(tags=["dashboards"])


def _download(request, query: OverviewFilters, fmt: str):
    if whole_province_or_nation(request.auth, query.agency):
        reauth.require_confirmation(request)
    return attachment(
        download_overview(
            request.auth, fmt, agency=query.agency, resolution=query.resolution, period=query.period
        )
    )


@router.get(
    "/dashboard/export.xlsx",
    summary="The overview as an Excel workbook: one sheet per table, every child",
    openapi_extra=reauth.documented(file_response(TYPES[XLSX])),
)
def dashboard_export_xlsx(request, query: Query[OverviewFilters]):
    return _download(request, query, XLSX)


@router.get(
    "/dashboard/export.docx",
    summary="The overview as a draft status report (Word, the party document format)",
    openapi_extra=reauth.documented(file_response(TYPES[DOCX])),
)
def dashboard_export_docx(request, query: Query[OverviewFilters]):
    return _download(request, query, DOCX)


@router.get(
    "/dashboard/export.pdf",
    summary="The overview as a draft status report (PDF, the party document format)",
    openapi_extra=reauth.documented(file_response(TYPES[PDF])),
)
def dashboard_export_pdf(request, query: Query[OverviewFilters]):
    return _download(request, query, PDF)
