"""Pages: the overview ("Tổng quan") downloaded as Excel, Word or PDF, with the page's filters
(agency, resolution, period in the query string). An agency outside the scope is a 404; an unknown
resolution or period, or a selection too large for one file, sends the user back to the overview
with the message (nothing is downloaded). The nation or a whole province asks "confirm it is you"
first when the last confirmation is old (resmon.accounts.reauth)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from resmon.accounts.reauth import reauth_required
from resmon.core.errors import ValidationFailed
from resmon.core.views import page

from ..documents.services import DOCX, PDF, attachment
from ..overview import services as overview_services
from ..overview.services import XLSX, download_overview

FILTERS = ("agency", "resolution", "period")


def whole_province_or_nation(request) -> bool:
    """Does this export (its agency filter, in the query or the form) cover the nation or a whole
    province? Those ask "confirm it is you"."""
    params = request.POST if request.method == "POST" else request.GET
    return overview_services.whole_province_or_nation(request.user, params.get("agency", "").strip())


def _download(request, fmt: str):
    params = {k: request.GET.get(k, "").strip() for k in FILTERS}
    try:
        file = download_overview(request.user, fmt, **params)
    except ValidationFailed as exc:
        message = _("%(message)s Nothing was downloaded.") % {"message": exc.message}
        if exc.code == "selection_too_large":
            # too large for one request, not for a background job: say where that is
            messages.error(
                request,
                format_html(
                    '{} {} <a href="{}">{}</a>',
                    message,
                    _("You can also make it in the background: “Create in the background” on this page."),
                    reverse("exports:stored_list"),
                    _("Documents created"),
                ),
            )
        else:
            messages.error(request, message)
        # back to the overview with the filters that stand (an unknown resolution or period dropped)
        dropped = exc.field if exc.field in ("resolution", "period") else None
        keep = {k: v for k, v in params.items() if v and k != dropped}
        query = urlencode(keep)
        return redirect(reverse("dashboards:overview") + (f"?{query}" if query else ""))
    return attachment(file)


@page
@reauth_required(when=whole_province_or_nation)
def overview_xlsx(request):
    return _download(request, XLSX)


@page
@reauth_required(when=whole_province_or_nation)
def overview_docx(request):
    return _download(request, DOCX)


@page
@reauth_required(when=whole_province_or_nation)
def overview_pdf(request):
    return _download(request, PDF)


urlpatterns: list[URLPattern] = [
    path("overview.xlsx", overview_xlsx, name="overview_xlsx"),
    path("overview.docx", overview_docx, name="overview_docx"),
    path("overview.pdf", overview_pdf, name="overview_pdf"),
]
