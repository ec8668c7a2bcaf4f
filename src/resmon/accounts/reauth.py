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

The API asks too: the sensitive operations call :func:`require_confirmation`, which answers 403
problem+json "confirmation_required" unless the session or the bearer token confirmed within
RESMON_REAUTH_MINUTES; ``POST /api/v1/auth/confirm`` (accounts.api) confirms with the same checks.
Every confirmation is audited ("accounts.identity_confirmed").
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from resmon.audit.services import record
from resmon.core import clock
from resmon.core.apikit import PROBLEM_CONTENT_TYPE
from resmon.core.errors import DomainError, ValidationFailed

from . import services_otp, signin, tokens
from .forms import ConfirmForm
from .models import ApiToken

PREFIX = "reauth"
OK, INVALID, LOCKED = "ok", "invalid", "locked"
CONFIRM_PATH = "/api/v1/auth/confirm"


def safe_url(request: HttpRequest, url: str | None, default: str = "") -> str:
    """``url`` if it stays on this site, else ``default`` (the home page if empty)."""
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return default or reverse("web:home")


def confirm_url(next_url: str) -> str:
    return f"{reverse('accounts:confirm')}?{urlencode({'next': next_url})}"


def confirm_form(request: HttpRequest, data: Any = None) -> ConfirmForm:
    return ConfirmForm(data, with_code=services_otp.is_enrolled(request.user))


@dataclass
class Check:
    """What :func:`check_identity` found: OK (with the device that accepted the code, if any),
    INVALID (a message per field: password, code) or LOCKED (too many failures)."""

    outcome: str
    errors: dict[str, str] = field(default_factory=dict)
    device: Any = None


def check_identity(request: HttpRequest, user: Any, password: str, code: str | None) -> Check:
    """Check the password of ``user`` and, unless ``code`` is None (two-factor sign-in off), the
    one-time code. Wrong ones count towards the lockout, as at the sign-in."""
    if authenticate(request, username=user.get_username(), password=password) is None:
        if getattr(request, "axes_locked_out", False):
            return Check(LOCKED)
        return Check(INVALID, {"password": _("The password is not correct.")})
    if code is None:
        return Check(OK)
    if services_otp.is_locked(request, user):
        return Check(LOCKED)
    try:
        device = services_otp.check_code(user, code)
    except ValidationFailed as exc:
        if services_otp.count_failure(request, user):
            return Check(LOCKED)
        return Check(INVALID, {"code": str(exc.message)})
    return Check(OK, device=device)


def confirmed(
    request: HttpRequest, user: Any, device: Any = None, token: ApiToken | None = None
) -> dt.datetime:
    """The session (or the API ``token``) is confirmed from now, and the audit log says so; returns
    until when the confirmation holds."""
    via = "token" if token is not None else "session"
    with transaction.atomic():
        at = tokens.mark_confirmed(token) if token is not None else clock.now()
        record(
            user,
            "accounts.identity_confirmed",
            user,
            after={"via": via, "method": services_otp.method_of(device)}
            | ({"token": token.prefix} if token is not None else {}),
            agency_path=user.agency.path if getattr(user, "agency_id", None) else "",
        )
    if token is None:
        if device is not None:
            django_otp.login(request, device)
        signin.mark_confirmed(request)
    return at + dt.timedelta(minutes=settings.RESMON_REAUTH_MINUTES)


def confirm_identity(request: HttpRequest, form: ConfirmForm) -> str:
    """Check the password (and code) typed in ``form`` for the signed-in user: OK (the session is
    confirmed from now), INVALID (the errors are on the form) or LOCKED (too many failures)."""
    if not form.is_valid():
        return INVALID
    code = form.cleaned_data["code"] if "code" in form.fields else None
    check = check_identity(request, request.user, form.cleaned_data["password"], code)
    for name, message in check.errors.items():
        form.add_error(name, message)
    if check.outcome == OK:
        confirmed(request, request.user, check.device)
    return check.outcome


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


# --- the API -------------------------------------------------------------------------------------


class ConfirmationRequired(DomainError):
    status = 403
    code = "confirmation_required"


def confirmed_recently(request: HttpRequest) -> bool:
    """Has the caller (the bearer token it sent, else its session) confirmed within
    RESMON_REAUTH_MINUTES? A session that has just signed in has."""
    token = getattr(request, "api_token", None)
    return tokens.confirmed_recently(token) if token is not None else signin.confirmed_recently(request)


def require_confirmation(request: HttpRequest) -> None:
    """Called by a sensitive API operation (the pages' set) once its object is found (outside the
    scope it stays a 404): nothing is done, and the answer is 403 "confirmation_required", until
    the caller has confirmed it is them."""
    if not confirmed_recently(request):
        raise ConfirmationRequired(
            _(
                "Confirm it is you first: send your password (and the code of your authenticator "
                "app when two-factor sign-in is on) to POST %(path)s, then send this request again. "
                "A confirmation holds for %(minutes)s minutes."
            )
            % {"path": CONFIRM_PATH, "minutes": settings.RESMON_REAUTH_MINUTES}
        )


def documented(openapi_extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """``openapi_extra`` of a sensitive operation (merged with ``openapi_extra``): its 403 also
    means "confirm it is you first"."""
    extra = dict(openapi_extra or {})
    extra["responses"] = {
        **extra.get("responses", {}),
        403: {
            "description": (
                "Permission refused, or code confirmation_required: the session or token has not "
                f"confirmed it is its holder within RESMON_REAUTH_MINUTES; POST {CONFIRM_PATH} first"
            ),
            "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        },
    }
    return extra
