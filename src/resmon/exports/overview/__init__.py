"""The overview ("Tổng quan") exported as an Excel workbook, a Word and a PDF status report, all
built from the one read model the page and the API show (``dashboards.selectors.overview``), so
the three files carry the page's numbers."""

from .document import overview_document
from .services import download_overview, overview_for_export
from .workbook import overview_workbook

__all__ = ["download_overview", "overview_document", "overview_for_export", "overview_workbook"]
