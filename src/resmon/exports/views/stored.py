"""Pages: "Tài liệu đã tạo" — documents made in the background and kept for download.

* ``documents/``: the list (filters: kind, agency, period, status, format; 50 a page), polled by
  htmx every few seconds only while a document on the page is still waiting or being prepared;
* ``documents/new/``: POST from the overview's "Create in the background" form (the page's filters
  and a format) → the list, with a message; a bad filter → back to the overview with the message;
* ``documents/<id>/``: one document (status, progress, details), polled the same way;
* ``documents/<id>/file``: the file, as an attachment (409 page message while it is not ready);
* ``documents/<id>/delete/``: GET asks for confirmation, POST deletes.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from resmon.accounts.reauth import reauth_required
from resmon.core.errors import Conflict, DomainError, ValidationFailed
from resmon.core.views import page

from ..models import StoredDocument
from ..stored import selectors
from ..stored import services as stored
from .overview import whole_province_or_nation

PER_PAGE = 50
POLL_SECONDS = 3
FILTERS = ("agency", "resolution", "period")


def _id(text: Any) -> int | None:
    text = str(text or "").strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


def _choice(value: str, choices: Any) -> str:
    return value if value in dict(choices) else ""


def list_filters(user: Any, params: Any) -> dict[str, Any]:
    """The list's filters from the query string; an unknown value is ignored (the list is unfiltered
    on it), never an error."""
    agencies = selectors.filter_agencies(user)
    periods = selectors.filter_periods(user)
    agency_id, period_id = _id(params.get("agency")), _id(params.get("period"))
    return {
        "kind": _choice(params.get("kind", ""), StoredDocument.Kind.choices),
        "status": _choice(params.get("status", ""), StoredDocument.Status.choices),
        "fmt": _choice(params.get("format", ""), StoredDocument.Format.choices),
        "agency": next((a for a in agencies if a.pk == agency_id), None),
        "period": next((p for p in periods if p.pk == period_id), None),
        "agency_choices": agencies,
        "period_choices": periods,
    }


@page
def stored_list(request):
    user = request.user
    f = list_filters(user, request.GET)
    qs = selectors.documents_for(
        user, kind=f["kind"], agency=f["agency"], period=f["period"], status=f["status"], fmt=f["fmt"]
    )
    rows = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        **f,
        "rows": rows,
        "page_obj": rows,
        "polling": selectors.any_active(rows),
        "poll_seconds": POLL_SECONDS,
        "kinds": StoredDocument.Kind.choices,
        "statuses": StoredDocument.Status.choices,
        "formats": StoredDocument.Format.choices,
        "filtered": any(f[k] for k in ("kind", "status", "fmt", "agency", "period")),
        "deletable": {d.pk for d in rows if stored.may_delete(user, d)},
    }
    if request.headers.get("HX-Request"):
        return render(request, "exports/stored/_table.html", context)
    return render(request, "exports/stored/list.html", context)


def _back_to_overview(params: dict[str, str], exc: DomainError) -> str:
    dropped = exc.field if exc.field in ("resolution", "period") else None
    keep = {k: v for k, v in params.items() if v and k != dropped}
    query = urlencode(keep)
    return reverse("dashboards:overview") + (f"?{query}" if query else "")


def _wide_request(request) -> bool:
    return request.method == "POST" and whole_province_or_nation(request)


@page
@reauth_required(when=_wide_request)
def stored_request(request):
    """The overview's "Create in the background" form."""
    if request.method != "POST":
        return redirect("exports:stored_list")
    params = {k: request.POST.get(k, "").strip() for k in FILTERS}
    fmt = request.POST.get("format", "")
    try:
        doc = stored.request_overview_document(request.user, fmt, **params)
    except Conflict as exc:
        pending = exc.extra.get("document")
        if pending:
            url = reverse("exports:stored_detail", args=[pending])
            messages.info(request, format_html('{} <a href="{}">{}</a>', exc.message, url, _("See it")))
        else:
            messages.error(request, str(exc.message))
        return redirect("exports:stored_list")
    except ValidationFailed as exc:
        messages.error(request, _("%(message)s Nothing was created.") % {"message": exc.message})
        return redirect(_back_to_overview(params, exc))
    messages.success(
        request,
        _("“%(title)s” (%(format)s) is being prepared in the background. It appears below when it is ready.")
        % {"title": doc.title, "format": doc.get_format_display()},
    )
    return redirect("exports:stored_list")


@page
def stored_detail(request, pk):
    user = request.user
    doc = selectors.get_document(user, pk)
    context = {
        "d": doc,
        "may_delete": stored.may_delete(user, doc),
        "polling": doc.active,
        "poll_seconds": POLL_SECONDS,
    }
    if request.headers.get("HX-Request"):
        return render(request, "exports/stored/_status.html", context)
    return render(request, "exports/stored/detail.html", context)


@page
def stored_file(request, pk):
    """The file, always as an attachment; not ready yet or failed: back to its page with the reason."""
    try:
        doc, handle = stored.download_stored(request.user, pk)
    except Conflict as exc:
        messages.warning(request, str(exc.message))
        return redirect("exports:stored_detail", pk=pk)
    return stored.file_response(doc, handle)


@page
def stored_delete(request, pk):
    """GET: "delete this document?"; POST: delete it (the requester or a system administrator)."""
    user = request.user
    doc = selectors.get_document(user, pk)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.method == "POST":
        try:
            stored.delete_document(user, doc)
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect("exports:stored_detail", pk=pk)
        messages.success(request, _("“%(title)s” has been deleted.") % {"title": doc.title})
        return redirect("exports:stored_list")
    return render(
        request, "exports/stored/delete.html", {"d": doc, "may_delete": stored.may_delete(user, doc)}
    )


urlpatterns: list[URLPattern] = [
    path("documents/", stored_list, name="stored_list"),
    path("documents/new/", stored_request, name="stored_request"),
    path("documents/<int:pk>/", stored_detail, name="stored_detail"),
    path("documents/<int:pk>/file", stored_file, name="stored_file"),
    path("documents/<int:pk>/delete/", stored_delete, name="stored_delete"),
]
