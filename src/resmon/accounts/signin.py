"""What the session remembers about signing in.

* Between the password and the one-time code the user is *not* signed in: the session holds the
  account "pending" (id, backend, a fingerprint of the password hash, when, where to go next) for
  ten minutes. Only a right code (or a confirmed enrolment) calls Django's ``login``, so the
  lockout counter of django-axes is reset by a complete sign-in only.
* When the sign-in happened (absolute timeout), the last request (idle timeout) and the last time
  the user typed their password (and code) — a sensitive action asks again after
  RESMON_REAUTH_MINUTES (resmon.accounts.reauth).

Times are Unix seconds (``time.time()``), so tests move them with time-machine.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.shortcuts import resolve_url
from django.utils.crypto import constant_time_compare

from . import services_otp
from .models import User

PENDING = "resmon_pending_sign_in"
SIGNED_IN_AT = "resmon_signed_in_at"
SEEN_AT = "resmon_seen_at"
CONFIRMED_AT = "resmon_confirmed_at"
SECOND_FACTOR = "resmon_second_factor"  # how the session was signed in: password, totp, recovery_code
PENDING_SECONDS = 10 * 60
SEEN_GRANULARITY = 60  # the last-seen time is written at most once a minute


def now() -> float:
    return time.time()


# --- between the password and the code ----------------------------------------------------------


def start_pending(request: Any, user: User, next_url: str) -> None:
    request.session[PENDING] = {
        "uid": user.pk,
        "backend": getattr(user, "backend", None),
        "hash": user.get_session_auth_hash(),
        "at": now(),
        "next": next_url,
    }


def clear_pending(request: Any) -> None:
    request.session.pop(PENDING, None)


def pending_user(request: Any) -> User | None:
    """The account that gave its password in this session, if still valid: not older than ten
    minutes, still active, its password unchanged."""
    data = request.session.get(PENDING)
    if not isinstance(data, dict):
        return None
    user = None
    if now() - float(data.get("at") or 0) <= PENDING_SECONDS and isinstance(data.get("uid"), int):
        user = User.objects.select_related("agency").filter(pk=data["uid"], is_active=True).first()
    if user is None or not constant_time_compare(user.get_session_auth_hash(), data.get("hash") or ""):
        clear_pending(request)
        return None
    return user


def pending_next(request: Any) -> str:
    data = request.session.get(PENDING) or {}
    return data.get("next") or resolve_url(settings.LOGIN_REDIRECT_URL)


def finish(request: Any, user: User, device: Any = None) -> str:
    """Sign the pending user in (with the device that accepted their code, if any); returns the
    page to go to next."""
    data = request.session.get(PENDING) or {}
    next_url = pending_next(request)
    if device is not None:
        user.otp_device = device  # type: ignore[attr-defined]  # django-otp's login signal: verified
    auth_login(request, user, backend=data.get("backend"))
    clear_pending(request)
    return next_url


# --- timestamps --------------------------------------------------------------------------------


def mark_signed_in(request: Any, user: Any) -> None:
    """Called on every ``login`` (apps.py): the three clocks start now."""
    session = getattr(request, "session", None)
    if session is None:
        return
    t = now()
    session[SIGNED_IN_AT] = session[SEEN_AT] = session[CONFIRMED_AT] = t
    session[SECOND_FACTOR] = services_otp.method_of(getattr(user, "otp_device", None))


def mark_confirmed(request: Any) -> None:
    request.session[CONFIRMED_AT] = now()


def confirmed_recently(request: Any) -> bool:
    at = request.session.get(CONFIRMED_AT)
    return at is not None and now() - float(at) <= settings.RESMON_REAUTH_MINUTES * 60


def expired(request: Any) -> str | None:
    """ "idle" or "absolute" when the signed-in session is past a limit, else None (and the session
    is marked as seen now)."""
    session = request.session
    t = now()
    signed_in = session.get(SIGNED_IN_AT)
    if signed_in is None:  # a session from before these rules: they start now
        session[SIGNED_IN_AT] = session[SEEN_AT] = t
        return None
    seen = float(session.get(SEEN_AT) or signed_in)
    if t - seen > settings.RESMON_SESSION_IDLE_MINUTES * 60:
        return "idle"
    if t - float(signed_in) > settings.SESSION_COOKIE_AGE:
        return "absolute"
    if t - seen >= SEEN_GRANULARITY:
        session[SEEN_AT] = t
    return None
