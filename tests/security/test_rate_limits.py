"""Rate limits: sign-in per address, API tokens per address and per user, exports and downloads per
user (session and token alike); past the limit a 429 with a translated message and Retry-After,
and nothing done. The rates are lowered here so that a few requests reach them."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from resmon.accounts.models import ApiToken
from resmon.accounts.tokens import create_token
from resmon.core.counters import CounterDatabaseCache

pytestmark = pytest.mark.django_db
PASSWORD = "s3cret-pass!"
HERE = {"REMOTE_ADDR": "10.9.8.7"}
ELSEWHERE = {"REMOTE_ADDR": "10.9.8.8"}


def sign_in(client, username, password, **extra):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, **extra)


def test_sign_in_is_limited_per_address_across_usernames(client, world, settings):
    settings.RESMON_RATE_SIGN_IN = "3/m"
    # three different usernames: axes (per username and address) would not lock any of them
    for name in ("xa_officer", "hni_officer", "hcm_officer"):
        assert sign_in(client, name, "wrong", **HERE).status_code == 200
    refused = sign_in(client, "xa2_officer", PASSWORD, **HERE)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert "Too many sign-in attempts from your network" in refused.content.decode()
    assert "_auth_user_id" not in client.session  # the right password did not sign in
    # another address is not affected
    assert sign_in(Client(), "xa2_officer", PASSWORD, **ELSEWHERE).status_code == 302


def test_sign_in_page_itself_is_not_limited(client, world, settings):
    settings.RESMON_RATE_SIGN_IN = "1/m"
    for _ in range(3):
        assert client.get(reverse("accounts:login"), **HERE).status_code == 200


def test_token_requests_are_limited_per_address_with_a_problem(client, world, settings):
    settings.RESMON_RATE_TOKENS = "2/m"
    body = json.dumps({"username": "hni_officer", "password": PASSWORD})
    for _ in range(2):
        ok = client.post("/api/v1/auth/token", body, content_type="application/json", **HERE)
        assert ok.status_code == 200
    refused = client.post("/api/v1/auth/token", body, content_type="application/json", **HERE)
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["code"] == "rate_limited" and "Too many API tokens" in problem["detail"]
    assert ApiToken.objects.count() == 2


def test_token_page_creations_are_limited_per_user_but_revoking_is_not(client, world, settings):
    settings.RESMON_RATE_TOKENS = "2/m"
    client.force_login(world.users["hni_officer"])
    url = reverse("accounts:tokens")
    for n in range(2):
        assert client.post(url, {"action": "create", "name": f"t{n}", "expires": "30"}).status_code == 200
    refused = client.post(url, {"action": "create", "name": "t3", "expires": "30"})
    assert refused.status_code == 429 and "Too many API tokens" in refused.content.decode()
    assert ApiToken.objects.filter(user=world.users["hni_officer"]).count() == 2
    token = ApiToken.objects.filter(user=world.users["hni_officer"]).first()
    assert client.post(url, {"action": "revoke", "token_id": token.pk}).status_code in (200, 302)
    # another user has a count of their own
    other = Client()
    other.force_login(world.users["hcm_officer"])
    assert other.post(url, {"action": "create", "name": "t", "expires": "30"}).status_code == 200


def test_exports_are_limited_per_user_across_session_and_token(world, settings):
    settings.RESMON_RATE_EXPORTS = "3/m"
    program = world.tasks["hni"].program
    _t, raw = create_token(world.users["hni_officer"], "export")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    page = Client()
    page.force_login(world.users["hni_officer"])
    assert api.get(f"/api/v1/programs/{program.pk}/export.xlsx").status_code == 200
    assert api.get(f"/api/v1/programs/{program.pk}/export.xlsx").status_code == 200
    assert page.get(reverse("planning:program_export_xlsx", args=[program.pk])).status_code == 200
    refused_api = api.get(f"/api/v1/programs/{program.pk}/export.xlsx")
    assert refused_api.status_code == 429 and refused_api.json()["code"] == "rate_limited"
    assert "Too many exports and downloads" in refused_api.json()["detail"]
    refused_page = page.get(reverse("planning:program_export_xlsx", args=[program.pk]))
    assert (
        refused_page.status_code == 429 and "Too many exports and downloads" in refused_page.content.decode()
    )
    assert refused_page["Retry-After"]
    # other users, and the user's other pages, are not affected
    other = Client()
    other.force_login(world.users["national_leader"])
    assert other.get(reverse("planning:program_export_xlsx", args=[program.pk])).status_code == 200
    assert page.get(reverse("web:home")).status_code == 200


def test_the_limits_can_be_switched_off(world, settings):
    settings.RESMON_RATE_EXPORTS = "1/m"
    settings.RATELIMIT_ENABLE = False
    page = Client()
    page.force_login(world.users["hni_officer"])
    url = reverse("planning:program_export_xlsx", args=[world.tasks["hni"].program.pk])
    assert [page.get(url).status_code for _ in range(3)] == [200, 200, 200]


def test_the_shared_counter_cache_counts_in_the_database(db):
    """The production cache of the counters: a database table, incremented under a row lock."""
    from django.core.management import call_command
    from django.db import connection

    cache = CounterDatabaseCache("resmon_test_counters", {})
    call_command("createcachetable", "resmon_test_counters", verbosity=0)
    try:
        assert cache.add("k", 1, 60)
        assert not cache.add("k", 1, 60)
        assert [cache.incr("k") for _ in range(3)] == [2, 3, 4]
        assert cache.get("k") == 4
        with pytest.raises(ValueError):
            cache.incr("missing")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE resmon_test_counters")
