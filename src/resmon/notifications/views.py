"""The inbox and the notification settings: each user sees and changes only their own."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from resmon.core.errors import DomainError
from resmon.core.views import page, show_error

from . import selectors, services
from .forms import PreferenceForm

PER_PAGE = 25


def _safe(request, url: str, fallback: str) -> str:
    """An internal link only (a stored or posted URL never sends the user off-site)."""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False):
        return url
    return fallback


@page
@require_GET
def inbox(request):
    user = request.user
    unread_only = request.GET.get("unread") == "1"
    qs = selectors.inbox(user, unread_only=unread_only)
    page_obj = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {"page_obj": page_obj, "unread_only": unread_only, "unread": selectors.unread_count(user)},
    )


@page
@require_GET
def open_notification(request, pk):
    """Follow a notification to its object, marking it read on the way."""
    n = services.mark_read(request.user, pk)
    return redirect(_safe(request, n.url, reverse("notifications:inbox")))


@page
@require_POST
def mark_read(request, pk):
    services.mark_read(request.user, pk)
    return redirect(_safe(request, request.POST.get("next", ""), reverse("notifications:inbox")))


@page
@require_POST
def mark_all_read(request):
    n = services.mark_all_read(request.user)
    if n:
        messages.success(request, _("%(n)s notifications marked as read.") % {"n": n})
    return redirect(_safe(request, request.POST.get("next", ""), reverse("notifications:inbox")))


@page
def preferences(request):
    user = request.user
    current = selectors.preference_of(user)
    form = PreferenceForm(
        request.POST or None, initial={"mode": current.mode, "email_enabled": current.email_enabled}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_preference(
                user, mode=form.cleaned_data["mode"], email_enabled=form.cleaned_data["email_enabled"]
            )
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Your notification settings have been saved."))
            return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "has_email": bool(user.email)},
    )
