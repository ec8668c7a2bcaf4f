"""Session rules: the idle and absolute timeouts on the server (not API tokens), and the sign-in
history page (the user's own, last 50, paginated)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from resmon.accounts.models import SignInEvent
from resmon.accounts.tokens import create_token
from resmon.core import clock as core_clock
from tests.signin import sign_in

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 17, 1, 0, tzinfo=dt.UTC)
HOME = reverse("web:home")
LOGIN = reverse("accounts:login")
EN = {"REMOTE_ADDR": "10.1.2.3", "HTTP_USER_AGENT": "Mozilla/5.0 (Android 14) Firefox/128.0"}


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def at(clock, minutes: float) -> None:
    clock.move_to(T0 + dt.timedelta(minutes=minutes))


def signed_out_to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_thirty_minutes_without_a_request_end_the_session(client, world, clock):
    client.force_login(world.users["hni_officer"])
    at(clock, 29)
    assert client.get(HOME).status_code == 200
    at(clock, 58)  # 29 minutes after the last request
    assert client.get(HOME).status_code == 200
    at(clock, 89)
    response = client.get(reverse("reporting:hub"))
    assert signed_out_to_login(response) and "next=/reports/" in response["Location"]
    assert "_auth_user_id" not in client.session
    assert "after a period without activity" in client.get(response["Location"]).content.decode()


def test_a_busy_session_still_ends_eight_hours_after_the_sign_in(client, world, clock):
    client.force_login(world.users["hni_leader"])
    for minutes in range(20, 8 * 60, 20):
        at(clock, minutes)
        assert client.get(HOME).status_code == 200, minutes
    at(clock, 8 * 60 + 1)
    response = client.get(HOME)
    assert signed_out_to_login(response)
    assert "reached its maximum length" in client.get(response["Location"]).content.decode()


def test_the_limits_are_settings(client, world, clock, settings):
    settings.RESMON_SESSION_IDLE_MINUTES = 5
    client.force_login(world.users["hni_officer"])
    at(clock, 6)
    assert signed_out_to_login(client.get(HOME))


def test_an_htmx_request_after_the_timeout_sends_the_whole_page_to_the_sign_in(client, world, clock):
    client.force_login(world.users["hni_officer"])
    at(clock, 31)
    response = client.get(reverse("reporting:hub"), headers={"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Redirect"].startswith(LOGIN)


def test_api_tokens_are_not_sessions_but_a_browser_session_on_the_api_times_out(client, world, clock):
    user = world.users["hni_officer"]
    _token, raw = create_token(user, "job")
    client.force_login(user)
    at(clock, 9 * 60)
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_a_session_signed_in_through_the_forms_has_the_same_limits(client, world, clock):
    assert sign_in(client, "hni_leader", **EN).status_code == 302
    at(clock, 31)
    assert signed_out_to_login(client.get(HOME))


# --- the sign-in history ------------------------------------------------------------------------------


def test_the_history_shows_the_users_own_sign_ins_and_refusals(client, world, clock):
    client.post(LOGIN, {"username": "hni_officer", "password": "wrong"}, **EN)
    client.post(LOGIN, {"username": "hcm_officer", "password": "wrong"}, REMOTE_ADDR="10.9.9.9")
    assert sign_in(client, "hni_officer", **EN).status_code == 302
    page = client.get(reverse("accounts:sign_in_history"))
    body = page.content.decode()
    assert page.status_code == 200
    assert body.count('data-outcome="success"') == 1 and body.count('data-outcome="wrong_password"') == 1
    assert "10.1.2.3" in body and "Firefox, Android" in body
    assert "10.9.9.9" not in body  # someone else's attempt
    assert "Wrong password" in client.get(reverse("accounts:security")).content.decode()


def test_the_history_keeps_the_last_fifty_in_pages(client, world, clock):
    user = world.users["hni_officer"]
    SignInEvent.objects.bulk_create(
        SignInEvent(user=user, at=core_clock.now() - dt.timedelta(hours=i), outcome="wrong_password")
        for i in range(1, 61)
    )
    client.force_login(user)
    first = client.get(reverse("accounts:sign_in_history")).content.decode()
    assert first.count("data-outcome=") == 25 and "1–25 of 50" in first
    assert 'data-outcome="success"' in first  # the sign-in just made, newest first
    second = client.get(reverse("accounts:sign_in_history"), {"page": 2}).content.decode()
    assert second.count("data-outcome=") == 25


def test_the_history_is_for_signed_in_users(client, world):
    assert signed_out_to_login(client.get(reverse("accounts:sign_in_history")))
