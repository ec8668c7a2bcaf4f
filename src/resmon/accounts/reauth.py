"""Confirm it is you: a sensitive action (accepting or reopening a report, changing roles or
memberships, exporting a whole province or the nation) asks for the password again, and a
one-time code when two-factor sign-in is on, when the last confirmation (or the sign-in) is older
than RESMON_REAUTH_MINUTES.

One decorator, :func:`reauth_required`, on the views of those actions:

* a form sent (POST) is answered with the "confirm it is you" form, which carries the fields of
  the form sent as hidden inputs and posts everything back to the same address: once the password
  (and code) are right, the action runs as if it had been sent then — nothing typed is lost;
* a download or a page (GET) goes to ``accounts:confirm`` and comes back to the same address;
* an htmx request makes the whole page go to ``accounts:confirm``, then back to that page;
* a form with files (they cannot be carried) goes to ``accounts:confirm``, back to the page the
  form was on, where the user sends it again.

Wrong passwords and codes count towards the lockout; a lockout ends the session.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import django_otp
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from resmon.core.errors import ValidationFailed

from . import services_otp, signin
from .forms import ConfirmForm

PREFIX = "reauth"
OK, INVALID, LOCKED = "ok", "invalid", "locked"


def safe_url(request: HttpRequest, url: str | None, default: str = "") -> str:
    """``url`` if it stays on this site, else ``default`` (the home page if empty)."""
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return default or reverse("web:home")


def confirm_url(next_url: str) -> str:
    return f"{reverse('accounts:confirm')}?{urlencode({'next': next_url})}"


def confirm_form(request: HttpRequest, data: Any = None) -> ConfirmForm:
    return ConfirmForm(data, with_code=services_otp.is_enrolled(request.user))


def confirm_identity(request: HttpRequest, form: ConfirmForm) -> str:
    """Check the password (and code) typed in ``form`` for the signed-in user: OK (the session is
    confirmed from now), INVALID (the errors are on the form) or LOCKED (too many failures)."""
    user = request.user
    if not form.is_valid():
        return INVALID
    password = form.cleaned_data["password"]
    if authenticate(request, username=user.get_username(), password=password) is None:
        if getattr(request, "axes_locked_out", False):
            return LOCKED
        form.add_error("password", _("The password is not correct."))
        return INVALID
    if "code" in form.fields:
        if services_otp.is_locked(request, user):
            return LOCKED
        try:
            device = services_otp.check_code(user, form.cleaned_data["code"])
        except ValidationFailed as exc:
            if services_otp.count_failure(request, user):
                return LOCKED
            form.add_error("code", str(exc.message))
            return INVALID
        django_otp.login(request, device)
    signin.mark_confirmed(request)
    return OK


def locked_out_of_session(request: HttpRequest) -> HttpResponse:
    from .views import locked_out

    logout(request)
    return locked_out(request)


def _carried(request: HttpRequest) -> list[tuple[str, str]]:
    return [
        (name, value)
        for name, values in request.POST.lists()
        if name != "csrfmiddlewaretoken" and not name.startswith(f"{PREFIX}-")
        for value in values
    ]


def ask(request: HttpRequest, form: ConfirmForm | None = None) -> HttpResponse:
    """Answer a sensitive request that needs a fresh confirmation (see the module)."""
    if request.headers.get("HX-Request"):
        page = safe_url(request, request.headers.get("HX-Current-URL"))
        response = HttpResponse(status=200)
        response["HX-Redirect"] = confirm_url(page)
        return response
    if request.method != "POST":
        return redirect(confirm_url(request.get_full_path()))
    if request.FILES:
        messages.info(request, _("Confirm it is you, then send the form again: files cannot be kept."))
        return redirect(confirm_url(safe_url(request, request.headers.get("Referer"), request.path)))
    context = {
        "form": form or confirm_form(request),
        "action": request.get_full_path(),
        "carried": _carried(request),
        "back": safe_url(request, request.headers.get("Referer")),
    }
    return render(request, "accounts/confirm.html", context, status=400 if form is not None else 200)


def reauth_required(
    view: Callable | None = None, *, when: Callable[[HttpRequest], bool] | None = None
) -> Callable:
    """Ask "confirm it is you" before running ``view`` (for the requests ``when`` says, or all)
    unless the user confirmed within RESMON_REAUTH_MINUTES."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if (
                not request.user.is_authenticated
                or signin.confirmed_recently(request)
                or (when is not None and not when(request))
            ):
                return view(request, *args, **kwargs)
            form = None
            if request.method == "POST" and f"{PREFIX}-password" in request.POST:
                form = confirm_form(request, request.POST)
                outcome = confirm_identity(request, form)
                if outcome == OK:
                    return view(request, *args, **kwargs)
                if outcome == LOCKED:
                    return locked_out_of_session(request)
            return ask(request, form)

        return wrapper

    return decorate(view) if view is not None else decorate


def posting(request: HttpRequest) -> bool:
    """``when=posting``: only the writes of a page that is also read."""
    return request.method == "POST"
