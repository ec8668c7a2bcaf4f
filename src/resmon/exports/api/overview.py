"""GET /dashboard/export.xlsx|.docx|.pdf: the overview of GET /dashboard as a file, for the same
filters (every child, not one page). An agency outside the scope is a 404; an unknown resolution
or period, or a selection too large for one file, a 400 naming the field."""

from __future__ import annotations

from ninja import Field, Query, Router, Schema

from resmon.core.apikit import Id

from ..documents.services import DOCX, PDF, attachment
from ..overview.services import TYPES, XLSX, download_overview

router = Router(tags=["dashboards"])


class ExportQuery(Schema):
    agency: Id | None = Field(
        None, description="The agency whose subtree to export (default: the caller's widest agency)"
    )
    resolution: Id | None = Field(None, description="One resolution; empty: all of them")
    period: Id | None = Field(
        None, description="The reporting period for completeness (default: the current quarter)"
    )


def _file(fmt: str) -> dict:
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"description": "The file, as an attachment", "content": {TYPES[fmt]: binary}}}


def _download(request, query: ExportQuery, fmt: str):
    return attachment(
        download_overview(
            request.auth, fmt, agency=query.agency, resolution=query.resolution, period=query.period
        )
    )


@router.get(
    "/dashboard/export.xlsx",
    summary="The overview as an Excel workbook: one sheet per table, every child",
    openapi_extra={"responses": _file(XLSX)},
)
def dashboard_export_xlsx(request, query: Query[ExportQuery]):
    return _download(request, query, XLSX)


@router.get(
    "/dashboard/export.docx",
    summary="The overview as a draft status report (Word, the party document format)",
    openapi_extra={"responses": _file(DOCX)},
)
def dashboard_export_docx(request, query: Query[ExportQuery]):
    return _download(request, query, DOCX)


@router.get(
    "/dashboard/export.pdf",
    summary="The overview as a draft status report (PDF, the party document format)",
    openapi_extra={"responses": _file(PDF)},
)
def dashboard_export_pdf(request, query: Query[ExportQuery]):
    return _download(request, query, PDF)
