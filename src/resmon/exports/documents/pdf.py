"""The PDF rendering of a ``Document``: one HTML template (exports/document.html, its CSS built
from ``LAYOUT``) laid out by WeasyPrint. Texts are escaped by the template engine; nothing is
fetched from outside (only the data: URIs of the document's own pictures)."""

from __future__ import annotations

from django.template.loader import render_to_string

from .model import (
    DRAFT_MARK,
    ISSUER_STAR,
    LAYOUT,
    PARTY_TITLE,
    RECIPIENTS_LABEL,
    SUMMARY_RULE,
    Document,
    plain,
)


def render_html(d: Document) -> str:
    """The document as the HTML page WeasyPrint lays out."""
    html = render_to_string(
        "exports/document.html",
        {
            "doc": d,
            "layout": LAYOUT,
            "party_title": PARTY_TITLE,
            "issuer_star": ISSUER_STAR,
            "summary_rule": SUMMARY_RULE,
            "recipients_label": RECIPIENTS_LABEL,
            "draft_mark": DRAFT_MARK,
        },
    )
    return plain(html)


def render_pdf(d: Document) -> bytes:
    """The document as a PDF file."""
    from weasyprint import HTML  # ~45 MB: loaded by the first PDF, not by every web worker
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=["data"])
    pdf = HTML(string=render_html(d), url_fetcher=fetcher).write_pdf()
    assert pdf is not None  # write_pdf() without a target returns the bytes
    return pdf
