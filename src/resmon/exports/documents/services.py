"""Downloading a report as a document (the page and the API share this): read it in the user's
scope, render it, and log who took which document (an audit row, as a national system must)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _

from resmon.audit.services import record
from resmon.core.errors import ValidationFailed
from resmon.reporting import selectors as report_selectors
from resmon.reporting.models import ReportState

from .model import Document
from .pdf import render_pdf
from .period_report import period_report_document
from .word import render_docx

DOCX = "docx"
PDF = "pdf"
CONTENT_TYPES = {
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    PDF: "application/pdf",
}
RENDERERS: dict[str, Callable[[Document], bytes]] = {DOCX: render_docx, PDF: render_pdf}


@dataclass(frozen=True)
class DocumentFile:
    content: bytes
    filename: str
    content_type: str


def filename_part(text: str) -> str:
    """A code as a file name may carry it: ASCII letters and digits, runs of anything else as "-"."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")


def report_filename(report: Any, fmt: str) -> str:
    """``bao-cao-2026-Q1-HNI-X1-UBND.pdf``: period code and agency code, ASCII only."""
    period, agency = filename_part(report.period.code) or "x", filename_part(report.agency.code) or "x"
    return f"bao-cao-{period}-{agency}.{fmt}"


def download_report_document(user: Any, report_id: Any, fmt: str) -> DocumentFile:
    """The report as a Word or PDF file; NotFound when it is missing or outside the user's scope.
    Records "exports.document_downloaded" (object: the report, after: the format)."""
    renderer = RENDERERS[fmt]
    report = report_selectors.get_report(user, report_id)
    content = renderer(period_report_document(user, report))
    with transaction.atomic():
        record(
            user,
            "exports.document_downloaded",
            report,
            after={"format": fmt},
            agency_path=report.agency.path,
        )
    return DocumentFile(content, report_filename(report, fmt), CONTENT_TYPES[fmt])


def signed_report_pdf(user: Any, report_id: Any) -> DocumentFile:
    """An ACCEPTED report as a PDF signed with the configured certificate (decision 013); its
    integrity can then be checked offline on the verification page. Records "exports.report_signed"
    with the file's SHA-256. Refused for a report not accepted yet, with a message."""
    report = report_selectors.get_report(user, report_id)
    if report.state != ReportState.ACCEPTED:
        raise ValidationFailed(
            _(
                "Only an accepted report is signed, and this one is %(state)s. Download the PDF to "
                "read it as it stands."
            )
            % {"state": report.get_state_display().lower()},
            code="report_not_accepted",
        )
    document = period_report_document(user, report)
    reason = _("Period report accepted by %(agency)s") % {"agency": report.accepting_agency.name}
    from ..signing import sign_pdf  # pyhanko on first use (signing/__init__)

    content = sign_pdf(render_pdf(document), reason=reason, location=document.place)
    with transaction.atomic():
        record(
            user,
            "exports.report_signed",
            report,
            after={"format": "signed_pdf", "sha256": hashlib.sha256(content).hexdigest()},
            agency_path=report.agency.path,
        )
    return DocumentFile(content, report_filename(report, "signed.pdf"), CONTENT_TYPES[PDF])


def attachment(file: DocumentFile) -> HttpResponse:
    """The file as a download: never shown inline or sniffed, never kept by a shared cache."""
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
