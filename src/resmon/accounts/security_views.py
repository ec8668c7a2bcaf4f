"""The user's own security page: two-factor sign-in (turn it on, make new recovery codes, turn it
off) and the sign-in history. Changing the sign-in factors asks for the password (and code) first;
the recovery codes are shown once, in the response that made them (never stored in clear)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from resmon.core.errors import PermissionRefused, ValidationFailed

from . import reauth, selectors, services_otp, signin
from .forms import DisableForm
from .signin_views import enrolment

HISTORY_PER_PAGE = 25
RECENT = 5


def _security_page(
    request: HttpRequest, disable_form: DisableForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    context = {
        "enrolled": services_otp.is_enrolled(user),
        "required": services_otp.is_required(user),
        "codes_left": services_otp.recovery_codes_left(user),
        "disable_form": disable_form or DisableForm(),
        "recent": selectors.sign_in_history(user)[:RECENT],
    }
    return render(request, "accounts/security.html", context, status=status)


@login_required
@never_cache
@require_GET
def security(request: HttpRequest) -> HttpResponse:
    return _security_page(request)


@login_required
@never_cache
@sensitive_post_parameters()
@reauth.reauth_required
def security_enrol(request: HttpRequest) -> HttpResponse:
    if services_otp.is_enrolled(request.user):
        messages.info(request, _("Two-factor sign-in is already on."))
        return redirect("accounts:security")
    return enrolment(request, request.user, pending=False)  # type: ignore[arg-type]


@login_required
@require_POST
@never_cache
@reauth.reauth_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    try:
        codes = services_otp.renew_recovery_codes(request.user, request)
    except ValidationFailed as exc:
        messages.error(request, str(exc.message))
        return redirect("accounts:security")
    return render(
        request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("accounts:security")}
    )


@login_required
@require_POST
@sensitive_post_parameters()
def security_disable(request: HttpRequest) -> HttpResponse:
    """Turn two-factor sign-in off with the password and a code (not for the roles that need it)."""
    user = request.user
    form = DisableForm(request.POST)
    if form.is_valid():
        if services_otp.is_locked(request, user):
            return reauth.locked_out_of_session(request)
        try:
            services_otp.disable(
                user, password=form.cleaned_data["password"], code=form.cleaned_data["code"], request=request
            )
        except PermissionRefused as exc:
            messages.error(request, str(exc.message))
            return redirect("accounts:security")
        except ValidationFailed as exc:
            if exc.code in ("wrong_password", "wrong_code", "throttled"):
                step = services_otp.PASSWORD_STEP if exc.code == "wrong_password" else services_otp.CODE_STEP
                if services_otp.count_failure(request, user, step):
                    return reauth.locked_out_of_session(request)
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            request.session[signin.SECOND_FACTOR] = services_otp.Method.PASSWORD
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("accounts:security")
    return _security_page(request, disable_form=form, status=400)


@login_required
@require_GET
def sign_in_history(request: HttpRequest) -> HttpResponse:
    events = selectors.sign_in_history(request.user)
    for event in events:
        event.browser = selectors.browser_label(event.user_agent)  # type: ignore[attr-defined]
    page = Paginator(events, HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "limit": selectors.SIGN_IN_HISTORY_LIMIT,
        "kept_days": settings.RESMON_SIGNIN_HISTORY_DAYS,
    }
    return render(request, "accounts/sign_in_history.html", context)
