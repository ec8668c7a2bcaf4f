from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from . import services_otp, signin


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated and hasattr(request, "session")


def _back_here(request) -> str:
    """Where to return after signing in again: this page (GET), else the page the form was on."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        return referer
    return reverse("web:home")


def sign_in_again(request, message: str):
    """The session has been ended: a page goes to the sign-in form (with the message and the way
    back), an htmx request makes the whole page go there; the API just carries on without a user
    (it answers 401 unless a token is sent)."""
    if request.path.startswith("/api/"):
        return None
    messages.info(request, message)
    target = redirect_to_login(_back_here(request))
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=200)
        response["HX-Redirect"] = target["Location"]
        return response
    return target


class SessionTimeoutMiddleware:
    """A signed-in browser session ends after RESMON_SESSION_IDLE_MINUTES without a request and
    SESSION_COOKIE_AGE after the sign-in, whatever the cookie says (API tokens are not sessions)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _signed_in(request) and (reason := signin.expired(request)):
            logout(request)
            if reason == "idle":
                message = _("You were signed out after a period without activity. Sign in again.")
            else:
                message = _("Your session has reached its maximum length. Sign in again.")
            if (response := sign_in_again(request, message)) is not None:
                return response
        return self.get_response(request)


class SecondFactorMiddleware:
    """A session must have passed the one-time-code step when the account has two-factor sign-in
    on, or its role requires it; any other session (one opened before these rules, or whose device
    an administrator has just reset) is ended."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _signed_in(request) and not request.user.is_verified():
            user = request.user
            password_only = request.session.get(signin.SECOND_FACTOR) == services_otp.Method.PASSWORD
            if services_otp.is_required(user) or (not password_only and services_otp.is_enrolled(user)):
                logout(request)
                message = _("Sign in again with your password and the code of your authenticator app.")
                if (response := sign_in_again(request, message)) is not None:
                    return response
            elif not password_only:  # checked once: no device, the password was enough
                request.session[signin.SECOND_FACTOR] = services_otp.Method.PASSWORD
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """A user given a temporary password (new account, reset) must choose their own first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            allowed = (reverse("accounts:password_change"), reverse("accounts:logout"), "/static/", "/i18n/")
            if not request.path.startswith(allowed) and not request.path.startswith("/api/"):
                return redirect("accounts:password_change")
        return self.get_response(request)
