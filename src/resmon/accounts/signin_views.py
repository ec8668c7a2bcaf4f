"""After the password: the one-time-code step, or setting up two-factor sign-in when the role
requires it (the account is signed in only at the end of either); and "confirm it is you" before a
sensitive action (reauth). The enrolment page is shared with the security page."""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import django_otp
import qrcode
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from qrcode.image.svg import SvgPathImage

from resmon.core.errors import ValidationFailed

from . import reauth, services_otp, signin
from .forms import CodeForm, EnrolForm
from .models import User
from .views import locked_out

QR_BOX_SIZE = 14  # tenths of a millimetre per module: about 5 cm wide


def qr_svg(device: Any) -> SafeString:
    """The device's otpauth:// address as an inline SVG QR code (no script, no style: CSP-safe)."""
    image = qrcode.make(device.config_url, image_factory=SvgPathImage, box_size=QR_BOX_SIZE, border=2)
    svg = image.to_string(encoding="unicode")
    label = format_html(
        '<svg role="img" aria-label="{}" class="otp-qr" ', _("QR code for the authenticator app")
    )
    return mark_safe(svg.replace("<svg ", label, 1))  # noqa: S308 (qrcode's own markup: paths only)


def spaced_secret(device: Any) -> str:
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _start_over(request: HttpRequest) -> HttpResponse:
    messages.info(request, _("Sign in again: enter your username and password."))
    return redirect("accounts:login")


def _locked(request: HttpRequest, user: User, *, record: bool = True) -> HttpResponse:
    signin.clear_pending(request)
    if record:
        services_otp.record_event(user, services_otp.Outcome.LOCKED, request)
    return locked_out(request)


def _codes_left_warning(request: HttpRequest, user: User, device: Any) -> None:
    if services_otp.method_of(device) != services_otp.Method.RECOVERY_CODE:
        return
    left = services_otp.recovery_codes_left(user)
    messages.warning(
        request,
        ngettext(
            "You signed in with a recovery code; %(n)s unused code is left. Make new ones on your "
            "security page.",
            "You signed in with a recovery code; %(n)s unused codes are left. Make new ones on your "
            "security page if you are running out.",
            left,
        )
        % {"n": left},
    )


@never_cache
@sensitive_post_parameters()
def login_code(request: HttpRequest) -> HttpResponse:
    user = signin.pending_user(request)
    if user is None:
        return _start_over(request)
    if not services_otp.is_enrolled(user):  # reset by an administrator meanwhile
        if services_otp.is_required(user):
            return redirect("accounts:login_enrol")
        return redirect(signin.finish(request, user))
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if services_otp.is_locked(request, user):
            return _locked(request, user)
        if form.is_valid():
            try:
                device = services_otp.check_code(user, form.cleaned_data["code"])
            except ValidationFailed as exc:
                if services_otp.count_failure(request, user):
                    return _locked(request, user, record=False)
                form.add_error("code", str(exc.message))
            else:
                next_url = signin.finish(request, user, device)
                _codes_left_warning(request, user, device)
                return redirect(next_url)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/login_code.html", {"form": form, "account": user}, status=status)


def enrolment(request: HttpRequest, user: User, *, pending: bool) -> HttpResponse:
    """The QR code and the secret of a new authenticator, and the form for its first code; once
    right: two-factor sign-in is on, the ten recovery codes are shown (once), and a pending sign-in
    is completed."""
    device = services_otp.start_enrolment(user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST":
        if pending and services_otp.is_locked(request, user):
            return _locked(request, user)
        if form.is_valid():
            try:
                codes = services_otp.confirm_enrolment(user, device, form.cleaned_data["code"], request)
            except ValidationFailed as exc:
                if services_otp.count_failure(request, user):
                    if pending:
                        return _locked(request, user, record=False)
                    return reauth.locked_out_of_session(request)
                form.add_error("code", str(exc.message))
            else:
                if pending:
                    next_url = signin.finish(request, user, device)
                else:
                    django_otp.login(request, device)
                    request.session[signin.SECOND_FACTOR] = services_otp.Method.TOTP
                    signin.mark_confirmed(request)
                    next_url = reverse("accounts:security")
                context = {"codes": codes, "next": next_url, "enrolled": True}
                return render(request, "accounts/recovery_codes.html", context)
    context = {
        "form": form,
        "qr": qr_svg(device),
        "secret": spaced_secret(device),
        "pending": pending,
        "account": user,
    }
    return render(request, "accounts/enrol.html", context, status=400 if request.method == "POST" else 200)


@never_cache
@sensitive_post_parameters()
def login_enrol(request: HttpRequest) -> HttpResponse:
    """Forced enrolment: the role requires two-factor sign-in and the account has none yet."""
    user = signin.pending_user(request)
    if user is None:
        return _start_over(request)
    if services_otp.is_enrolled(user):
        return redirect("accounts:login_code")
    if not services_otp.is_required(user):
        return redirect(signin.finish(request, user))
    return enrolment(request, user, pending=True)


@login_required
@never_cache
@sensitive_post_parameters()
def confirm(request: HttpRequest) -> HttpResponse:
    """ "Confirm it is you", then back to ``next`` (on this site only)."""
    next_url = reauth.safe_url(request, request.POST.get("next") or request.GET.get("next"))
    form = reauth.confirm_form(request, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        outcome = reauth.confirm_identity(request, form)
        if outcome == reauth.OK:
            return redirect(next_url)
        if outcome == reauth.LOCKED:
            return reauth.locked_out_of_session(request)
    context = {"form": form, "action": reverse("accounts:confirm"), "next": next_url}
    return render(request, "accounts/confirm.html", context, status=400 if request.method == "POST" else 200)
