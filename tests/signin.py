"""Signing in for tests, through the same steps as a person: the password, then the one-time code of
the account's authenticator (django-otp's TOTP, computed here) when the account has one or its role
requires one.

* ``sign_in(client, username)``: the sign-in form with Django's test client;
* ``code_for(user)``: the code the authenticator shows now (the browser tests' ``sign_in`` types it);
* ``verify_session(client, user)``: what tests/conftest.py does after every ``client.force_login``
  (and ``client.login``): a session of an account that needs the code step is marked as having
  passed it, with ``django_otp.login`` and a real device, never with a setting in production code;
* ``confirm_api(client, user)``: "confirm it is you" over the API (POST /api/v1/auth/confirm) for
  the client's token or session, before a sensitive operation (the ``bearer`` fixture's
  ``confirmed=True`` does it).
"""

from __future__ import annotations

import time
from typing import Any

import django_otp
from django.http import HttpRequest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from resmon.accounts import services_otp, signin
from resmon.accounts.models import User

PASSWORD = "s3cret-pass!"  # tests.factories.user's default


def authenticator(user: Any) -> TOTPDevice:
    """The user's confirmed authenticator app, set up now if missing (as if they had enrolled)."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("-id").first()
    return device or TOTPDevice.objects.create(user_id=user.pk, name="test phone", confirmed=True)


def totp_now(device: TOTPDevice) -> str:
    """The 6 digits the app shows at this moment (time-machine moves it)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def code_for(user: Any) -> str:
    """The current code of the user's authenticator. The device forgets the last code it accepted
    and its failures first: two sign-ins of one account within 30 seconds would otherwise offer a
    code already used, which django-otp refuses (rightly)."""
    device = authenticator(user)
    TOTPDevice.objects.filter(pk=device.pk).update(
        last_t=-1, throttling_failure_count=0, throttling_failure_timestamp=None
    )
    return totp_now(device)


def prepare(username: str) -> User | None:
    """Before signing ``username`` in through the forms: the account, with an authenticator if its
    role requires one (so the sign-in goes through the code step, not the enrolment); None when no
    such account exists (the form will say so)."""
    user = User.objects.filter(username=username).first()
    if user is not None and services_otp.is_required(user):
        authenticator(user)
    return user


def sign_in(client: Any, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    """Sign in through the forms (password, then the code when asked); returns the last response."""
    user = prepare(username)
    response = client.post(reverse("accounts:login"), {"username": username, "password": password}, **extra)
    if (
        user is not None
        and response.status_code == 302
        and response["Location"] == reverse("accounts:login_code")
    ):
        response = client.post(reverse("accounts:login_code"), {"code": code_for(user)}, **extra)
    return response


def verify_session(client: Any, user: Any) -> None:
    """Mark the client's session as having passed the code step, if the account needs it."""
    if not services_otp.needs_code_step(user):
        return
    device = authenticator(user)
    session = client.session
    request = HttpRequest()
    request.session = session
    request.user = User(pk=user.pk)  # a stand-in: the caller's object is left as it is
    django_otp.login(request, device)
    session[signin.SECOND_FACTOR] = services_otp.Method.TOTP
    session.save()


def confirm_api(client: Any, user: Any, password: str = PASSWORD) -> Any:
    """POST /api/v1/auth/confirm with the password, and the current code when the account has
    two-factor sign-in on; returns the response (200 when confirmed)."""
    body = {"password": password}
    if services_otp.is_enrolled(user):
        body["code"] = code_for(user)
    return client.post("/api/v1/auth/confirm", body, content_type="application/json")
