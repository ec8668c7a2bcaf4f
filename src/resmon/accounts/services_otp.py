"""Two-factor sign-in (django-otp): enrolling an authenticator app (TOTP), recovery codes, checking
a one-time code, turning it off, an administrator's reset, and the sign-in history (kept
RESMON_SIGNIN_HISTORY_DAYS days: :func:`prune_history`).

Every write here records its audit row in the same transaction. A wrong code is counted by
django-axes exactly like a wrong password (:func:`count_failure` sends Django's
``user_login_failed`` for the account), so N wrong codes lock the account like N wrong passwords;
the signal receivers (apps.py) write the history lines of successes, failures and lockouts.

Recovery codes are django-otp static tokens. Only a keyed digest of each is stored (an HMAC with
the SECRET_KEY: rotating the key makes the unused codes worthless, see docs/decisions/018).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.db import transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from resmon.audit.services import record
from resmon.core import clock
from resmon.core.errors import PermissionRefused, ValidationFailed

from .models import SignInEvent, User

RECOVERY_CODES = 10
PRUNE_BATCH = 5000  # history lines removed by one query
CODE_STEP = "code"  # credentials["step"] of a failure at a one-time-code step
PASSWORD_STEP = "password"
DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"
_RECOVERY_SALT = "resmon.accounts.recovery-code"
Outcome = SignInEvent.Outcome
Method = SignInEvent.Method


def _agency_path(user: Any) -> str:
    return user.agency.path if getattr(user, "agency_id", None) else ""


# --- who needs what ------------------------------------------------------------------------------


def is_required(user: Any) -> bool:
    """The user's role requires two-factor sign-in (RESMON_2FA_REQUIRED_ROLES)."""
    return getattr(user, "role", None) in set(settings.RESMON_2FA_REQUIRED_ROLES)


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("-id").first()


def is_enrolled(user: Any) -> bool:
    """Two-factor sign-in is on: the user has a confirmed authenticator app."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def needs_code_step(user: Any) -> bool:
    """After the password: a code (enrolled) or the enrolment page (required, not enrolled)."""
    return is_required(user) or is_enrolled(user)


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user_id=user.pk).count()


def method_of(device: Any) -> str:
    if isinstance(device, TOTPDevice):
        return Method.TOTP
    if isinstance(device, StaticDevice):
        return Method.RECOVERY_CODE
    return Method.PASSWORD


# --- the history ---------------------------------------------------------------------------------


def client_details(request: Any) -> tuple[str | None, str]:
    """The address (as django-axes sees it, proxies included) and the browser of a request."""
    if request is None:
        return None, ""
    from axes.handlers.proxy import AxesProxyHandler

    AxesProxyHandler.update_request(request)
    ip = getattr(request, "axes_ip_address", None) or None
    try:
        validate_ipv46_address(ip or "")
    except ValidationError:
        ip = None
    return ip, (getattr(request, "axes_user_agent", "") or "")[:300]


def record_event(user: Any, outcome: str, request: Any = None, method: str = "") -> SignInEvent:
    ip, agent = client_details(request)
    return SignInEvent.objects.create(
        user_id=user.pk, at=clock.now(), outcome=outcome, method=method, ip_address=ip, user_agent=agent
    )


def record_sign_in(request: Any, user: Any) -> None:
    """A completed sign-in (Django's ``user_logged_in``): the history line and the audit row, with
    the second factor used (``user.otp_device``, set by the sign-in views), if any."""
    method = method_of(getattr(user, "otp_device", None))
    ip, _agent = client_details(request)
    with transaction.atomic():
        record_event(user, Outcome.SUCCESS, request, method)
        record(
            user, "accounts.login", user, after={"method": method, "ip": ip}, agency_path=_agency_path(user)
        )


def record_failure(request: Any, credentials: dict[str, Any] | None) -> None:
    """A refused attempt (Django's ``user_login_failed``, after django-axes counted it): a history
    line for a known account; the audit row of a lockout when this attempt started it."""
    from axes.helpers import get_failure_limit

    credentials = credentials or {}
    username = credentials.get("username")
    user = User.objects.filter(username=username).select_related("agency").first() if username else None
    if user is None or request is None:
        return
    locked = bool(getattr(request, "axes_locked_out", False))
    step = credentials.get("step") or PASSWORD_STEP
    if locked:
        outcome = Outcome.LOCKED
    else:
        outcome = Outcome.WRONG_CODE if step == CODE_STEP else Outcome.WRONG_PASSWORD
    with transaction.atomic():
        event = record_event(user, outcome, request)
        failures = getattr(request, "axes_failures_since_start", None)
        if locked and failures == get_failure_limit(request, credentials):
            record(
                None,
                "accounts.locked_out",
                user,
                after={"ip": event.ip_address, "step": step, "failures": failures},
                agency_path=_agency_path(user),
            )


def count_failure(request: Any, user: Any, step: str = CODE_STEP) -> bool:
    """Count a wrong code (or password) against the account like a wrong password at the sign-in
    form; True when the account is now locked."""
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username(), "step": step}, request=request
    )
    return bool(getattr(request, "axes_locked_out", False))


def is_locked(request: Any, user: Any) -> bool:
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.is_locked(request, {"username": user.get_username()})


def history_cutoff(days: int | None = None) -> dt.datetime:
    """The oldest moment the history keeps: ``days`` (RESMON_SIGNIN_HISTORY_DAYS) ago."""
    days = settings.RESMON_SIGNIN_HISTORY_DAYS if days is None else days
    return clock.now() - dt.timedelta(days=days)


def prune_history(days: int | None = None, batch: int = PRUNE_BATCH) -> int:
    """Remove every user's sign-in history lines older than :func:`history_cutoff`, ``batch`` rows
    at a time, one DELETE a batch (each its own short transaction: the table may be large); returns
    how many were removed. The audit rows of sign-ins and lockouts stay: the audit log is never
    pruned. The daily run calls it (``manage.py prune_sign_in_history``) and records the count in
    its own audit row."""
    cutoff = history_cutoff(days)
    removed = 0
    while True:
        oldest = SignInEvent.objects.filter(at__lt=cutoff).order_by().values("pk")[:batch]
        count, _by_model = SignInEvent.objects.filter(pk__in=oldest).order_by().delete()
        removed += count
        if count < batch:
            return removed


# --- codes -----------------------------------------------------------------------------------------


def normalise(code: Any) -> str:
    """What was typed, without spaces or dashes, in lowercase ("abcd-efgh" = "ABCDEFGH")."""
    return "".join(ch for ch in str(code or "").lower() if ch.isalnum())


def _digest(code: str) -> str:
    return salted_hmac(_RECOVERY_SALT, normalise(code), algorithm="sha256").hexdigest()[:16]


def _show(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def _verify(device: Any, token: str) -> bool:
    """django-otp's check, on the locked row: a code is accepted once, wrong ones are throttled."""
    with transaction.atomic():
        locked = type(device).objects.select_for_update().get(pk=device.pk)
        return bool(locked.verify_token(token))


def _throttled(device: Any) -> None:
    allowed, info = device.verify_is_allowed()
    if allowed:
        return
    until = (info or {}).get("locked_until")
    seconds = max(1, math.ceil((until - clock.now()).total_seconds())) if until else 1
    raise ValidationFailed(
        _("Too many wrong codes in a row: wait %(seconds)s seconds, then enter the code shown now.")
        % {"seconds": seconds},
        field="code",
        code="throttled",
    )


def _wrong_code() -> ValidationFailed:
    return ValidationFailed(
        _(
            "This code is not right. Enter the 6 digits your authenticator app shows now (each code "
            "works once), or one of your unused recovery codes."
        ),
        field="code",
        code="wrong_code",
    )


def check_code(user: Any, code: Any) -> Any:
    """The device that accepts ``code`` from ``user``: the 6 digits of the authenticator app, or an
    unused recovery code (used up now, audited). ValidationFailed otherwise; the caller counts the
    failure (:func:`count_failure`)."""
    code = normalise(code)
    if not code:
        raise ValidationFailed(
            _("Enter the 6-digit code of your authenticator app, or a recovery code."),
            field="code",
            code="wrong_code",
        )
    if code.isdigit() and len(code) == 6:
        device = confirmed_device(user)
        if device is not None:
            _throttled(device)
            if _verify(device, code):
                return device
        raise _wrong_code()
    static = StaticDevice.objects.filter(user_id=user.pk).first()
    if static is not None:
        _throttled(static)
        if _verify(static, _digest(code)):
            with transaction.atomic():
                record(
                    user,
                    "accounts.recovery_code_used",
                    user,
                    after={"left": recovery_codes_left(user)},
                    agency_path=_agency_path(user),
                )
            return static
    raise _wrong_code()


def _new_recovery_codes(user: Any) -> list[str]:
    """Ten new codes on the user's one recovery device (kept, so that a session signed in with a
    recovery code stays verified when the codes are renewed)."""
    device = StaticDevice.objects.filter(user_id=user.pk).order_by("id").first()
    if device is None:
        device = StaticDevice.objects.create(user_id=user.pk, name=RECOVERY_DEVICE_NAME, confirmed=True)
    StaticDevice.objects.filter(user_id=user.pk).exclude(pk=device.pk).delete()
    StaticToken.objects.filter(device=device).delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=_digest(c)) for c in codes])
    return [_show(c) for c in codes]


# --- enrolment, renewal, turning off ----------------------------------------------------------------


def start_enrolment(user: Any) -> TOTPDevice:
    """The not yet confirmed authenticator whose secret the enrolment page shows: the same one
    until it is confirmed, so reloading the page does not change the QR code."""
    if user is None or not getattr(user, "is_active", False):
        raise PermissionRefused(_("Sign in with an active account to set up two-factor sign-in."))
    if is_enrolled(user):
        raise ValidationFailed(_("Two-factor sign-in is already on for your account."), code="enrolled")
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user_id=user.pk, name=DEVICE_NAME, confirmed=False)
    return device


def confirm_enrolment(user: Any, device: TOTPDevice, code: Any, request: Any = None) -> list[str]:
    """Turn two-factor sign-in on with the first code of the app; returns the ten recovery codes
    (shown once). A wrong code changes nothing."""
    if device.user_id != user.pk or device.confirmed:
        raise ValidationFailed(_("This setup has expired: reload the page and scan the new code."))
    code = normalise(code)
    if not (code.isdigit() and len(code) == device.digits):
        raise ValidationFailed(
            _("Enter the 6 digits your authenticator app shows for Resmon."), field="code", code="wrong_code"
        )
    _throttled(device)
    if not _verify(device, code):
        raise ValidationFailed(
            _(
                "This code does not match. Check that the phone's clock is set automatically, "
                "then enter the code shown now."
            ),
            field="code",
            code="wrong_code",
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user_id=user.pk).exclude(pk=device.pk).delete()
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.confirmed = True
        codes = _new_recovery_codes(user)
        record_event(user, Outcome.ENROLLED, request)
        record(
            user,
            "accounts.two_factor_enabled",
            user,
            after={"device": device.name, "recovery_codes": RECOVERY_CODES},
            agency_path=_agency_path(user),
        )
    return codes


def renew_recovery_codes(user: Any, request: Any = None) -> list[str]:
    """Ten new recovery codes (shown once); the old ones stop working."""
    if not is_enrolled(user):
        raise ValidationFailed(_("Turn two-factor sign-in on first."), code="not_enrolled")
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        record_event(user, Outcome.CODES_RENEWED, request)
        record(
            user,
            "accounts.recovery_codes_renewed",
            user,
            after={"recovery_codes": RECOVERY_CODES},
            agency_path=_agency_path(user),
        )
    return codes


def _remove_devices(user: Any) -> None:
    TOTPDevice.objects.filter(user_id=user.pk).delete()
    StaticDevice.objects.filter(user_id=user.pk).delete()


def disable(user: Any, *, password: str, code: Any, request: Any = None) -> None:
    """Turn two-factor sign-in off, with the password and a code; refused for the roles that
    require it. ValidationFailed with code "wrong_password" or "wrong_code": the caller counts it."""
    if is_required(user):
        raise PermissionRefused(
            _(
                "Your role requires two-factor sign-in: it cannot be turned off. If you lost your "
                "phone, sign in with a recovery code, or ask your agency administrator to reset it."
            ),
            code="two_factor_required",
        )
    if not is_enrolled(user):
        raise ValidationFailed(_("Two-factor sign-in is not on."), code="not_enrolled")
    if not password or not user.check_password(password):
        raise ValidationFailed(_("The password is not correct."), field="password", code="wrong_password")
    check_code(user, code)
    with transaction.atomic():
        _remove_devices(user)
        record_event(user, Outcome.DISABLED, request)
        record(user, "accounts.two_factor_disabled", user, agency_path=_agency_path(user))


def reset(actor: Any, target: User, request: Any = None) -> None:
    """An administrator removes a user's authenticator and recovery codes (a lost phone): the user
    sets it up again at the next sign-in if their role requires it."""
    from .services import can_manage

    if not can_manage(actor, target):
        raise PermissionRefused(_("You may not manage this account."))
    if target.pk == actor.pk:
        raise ValidationFailed(_("Manage your own two-factor sign-in on your security page."))
    has_any = TOTPDevice.objects.filter(user_id=target.pk).exists()
    if not has_any and not StaticDevice.objects.filter(user_id=target.pk).exists():
        raise ValidationFailed(_("This account has no two-factor sign-in to reset."), code="not_enrolled")
    with transaction.atomic():
        _remove_devices(target)
        record_event(target, Outcome.RESET)
        record(actor, "accounts.two_factor_reset", target, agency_path=_agency_path(target))
