"""Pages: a period report downloaded as an official document (Word, PDF, signed PDF)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import URLPattern, path

from resmon.core.errors import DomainError, NotFound
from resmon.core.views import page

from ..documents.services import DOCX, PDF, attachment, download_report_document, signed_report_pdf


@page
def report_docx(request, pk):
    return attachment(download_report_document(request.user, pk, DOCX))


@page
def report_pdf(request, pk):
    return attachment(download_report_document(request.user, pk, PDF))


@page
def report_signed_pdf(request, pk):
    try:
        return attachment(signed_report_pdf(request.user, pk))
    except NotFound:
        raise
    except DomainError as exc:  # not accepted yet, no certificate: say so on the report
        messages.error(request, str(exc.message))
        return redirect("reporting:detail", pk=pk)


urlpatterns: list[URLPattern] = [
    path("reports/<int:pk>/document.docx", report_docx, name="report_docx"),
    path("reports/<int:pk>/document.pdf", report_pdf, name="report_pdf"),
    path("reports/<int:pk>/document.signed.pdf", report_signed_pdf, name="report_signed_pdf"),
]
