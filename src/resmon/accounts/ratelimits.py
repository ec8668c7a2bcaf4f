"""Rate limits (django-ratelimit) on the routes worth abusing: signing in, getting API tokens,
exports and downloads. One middleware checks them all, by route name, before the view runs.

* sign-in POSTs per client address (RESMON_RATE_SIGN_IN): the password, the second factor's code
  and the password confirmation (the page and POST /api/v1/auth/confirm), on top of django-axes'
  lockout of one username from one address after repeated failures;
* API tokens: POST /api/v1/auth/token per address, the tokens page's creations per user
  (RESMON_RATE_TOKENS);
* exports and downloads (documents, Excel files, evidence, stored documents) per user, whether the
  user comes with a session or a token (RESMON_RATE_EXPORTS).

Past the limit the answer is 429 with a translated message and ``Retry-After``: problem+json under
/api/, the sign-in form with the message on the sign-in page, a short page elsewhere. The
counters live in the "ratelimit" cache (settings.RATELIMIT_USE_CACHE), shared by all workers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_ratelimit.core import _get_ip, get_usage

from resmon.core.apikit import problem_response

from . import tokens

EXPORT_ROUTES = frozenset(
    {
        # pages
        "exports:report_docx",
        "exports:report_pdf",
        "exports:report_signed_pdf",
        "exports:overview_xlsx",
        "exports:overview_docx",
        "exports:overview_pdf",
        "exports:stored_request",
        "exports:stored_file",
        "planning:program_export_xlsx",
        "evaluation:export",
        "reporting:evidence",
        "accounts:user_import_credentials",
        # API
        "api:report_document_docx",
        "api:report_document_pdf",
        "api:report_document_signed_pdf",
        "api:dashboard_export_xlsx",
        "api:dashboard_export_docx",
        "api:dashboard_export_pdf",
        "api:request_stored_document",
        "api:download_stored_document",
        "api:export_program_xlsx",
        "api:export_evaluations",
        "api:download_evidence",
    }
)


@dataclass(frozen=True)
class Limit:
    group: str
    key: str  # "ip": the client's address; "user": the signed-in user or the token's user
    rate_setting: str
    methods: tuple[str, ...]
    routes: frozenset[str]
    applies: Callable[[HttpRequest], bool] = lambda request: True


SIGN_IN_ROUTES = frozenset(
    {"accounts:login", "accounts:login_code", "accounts:confirm", "api:confirm_identity"}
)


def _creates_token(request: HttpRequest) -> bool:
    return request.POST.get("action") == "create"


LIMITS = (
    Limit("sign-in", "ip", "RESMON_RATE_SIGN_IN", ("POST",), SIGN_IN_ROUTES),
    Limit("token", "ip", "RESMON_RATE_TOKENS", ("POST",), frozenset({"api:issue_token"})),
    Limit("token", "user", "RESMON_RATE_TOKENS", ("POST",), frozenset({"accounts:tokens"}), _creates_token),
    Limit("export", "user", "RESMON_RATE_EXPORTS", ("GET", "POST"), EXPORT_ROUTES),
)


def _ip_key(group: str, request: HttpRequest) -> str:
    return "ip:" + _get_ip(request)


def _user_key(group: str, request: HttpRequest) -> str:
    """The user behind a session or a bearer token; the address when there is none (the view
    answers 401 or sends to the sign-in page anyway)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        token_user = tokens.authenticate_token(header[7:].strip())
        if token_user is not None:
            return f"user:{token_user.pk}"
    return _ip_key(group, request)


_KEYS: dict[str, Callable[[str, HttpRequest], str]] = {"ip": _ip_key, "user": _user_key}


def _messages() -> dict[str, str]:
    return {
        "sign-in": _(
            "Too many sign-in attempts from your network. Wait %(seconds)s seconds, then try again."
        ),
        "token": _("Too many API tokens requested. Wait %(seconds)s seconds, then try again."),
        "export": _(
            "Too many exports and downloads in a short time. Wait %(seconds)s seconds, then try again."
        ),
    }


def too_many(request: HttpRequest, limit: Limit, name: str, seconds: int) -> HttpResponse:
    message = _messages()[limit.group] % {"seconds": seconds}
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = problem_response(429, "rate_limited", _("Too many requests"), message)
    elif name == "accounts:login":
        from .forms import LoginForm

        form = LoginForm(request, data=None)
        response = render(
            request, "accounts/login.html", {"form": form, "locked_message": message}, status=429
        )
    else:
        response = render(request, "accounts/rate_limited.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response


class RateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> HttpResponse | None:
        match = getattr(request, "resolver_match", None)
        name = match.view_name if match is not None else ""
        for limit in LIMITS:
            if name not in limit.routes or request.method not in limit.methods or not limit.applies(request):
                continue
            usage = get_usage(
                request,
                group=limit.group,
                key=_KEYS[limit.key],
                rate=getattr(settings, limit.rate_setting),
                method=list(limit.methods),
                increment=True,
            )
            if usage is not None and usage["should_limit"]:
                return too_many(request, limit, name, max(1, int(usage["time_left"])))
        return None
