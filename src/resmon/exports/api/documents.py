"""A period report as an official document (Word or PDF, the party document format)."""

from ninja import Router

from resmon.core.apikit import PathId

from ..documents.services import (
    CONTENT_TYPES,
    DOCX,
    PDF,
    attachment,
    download_report_document,
    signed_report_pdf,
)
from .files import file_response

router = Router(tags=["documents"])


@router.get(
    "/reports/{report_id}/document.docx",
    summary="The report as a Word document in the party document format (36-HD/VPTW)",
    openapi_extra=file_response(CONTENT_TYPES[DOCX]),
)
def report_document_docx(request, report_id: PathId):
    return attachment(download_report_document(request.auth, report_id, DOCX))


@router.get(
    "/reports/{report_id}/document.pdf",
    summary="The report as a PDF document in the party document format (36-HD/VPTW)",
    openapi_extra=file_response(CONTENT_TYPES[PDF]),
)
def report_document_pdf(request, report_id: PathId):
    return attachment(download_report_document(request.auth, report_id, PDF))


@router.get(
    "/reports/{report_id}/document.signed.pdf",
    summary="An accepted report as a digitally signed PDF (verify it at /api/v1/signatures/verify)",
    openapi_extra=file_response(CONTENT_TYPES[PDF]),
)
def report_document_signed_pdf(request, report_id: PathId):
    return attachment(signed_report_pdf(request.auth, report_id))
