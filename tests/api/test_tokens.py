"""Personal API tokens: the service and the /accounts/tokens/ page."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import caches
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from resmon.accounts.models import ApiToken, hash_token
from resmon.accounts.tokens import CACHE, authenticate_token, create_token, list_tokens, revoke_token
from resmon.audit.models import AuditEntry
from resmon.core import clock
from resmon.core.errors import Conflict, NotFound, ValidationFailed

pytestmark = pytest.mark.django_db


def test_create_token_stores_only_a_fingerprint_and_audits(world):
    user = world.users["hni_officer"]
    token, raw = create_token(user, "Báo cáo tự động")
    assert raw.startswith("rsm_") and len(raw) > 40
    assert token.prefix == raw[:8]
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hash_token(raw) and raw not in stored.key_hash
    entry = AuditEntry.objects.get(action="accounts.token_created", object_id=str(token.pk))
    assert entry.actor_id == user.pk and entry.agency_path == world.hni.path
    assert entry.after["prefix"] == token.prefix and raw not in str(entry.after)


@pytest.mark.parametrize(
    ("name", "expires", "field"),
    [("", None, "name"), ("x" * 101, None, "name"), ("ok", dt.timedelta(days=-1), "expires_at")],
)
def test_create_token_refuses_bad_input_and_saves_nothing(world, name, expires, field):
    user = world.users["hni_officer"]
    with pytest.raises(ValidationFailed) as exc:
        create_token(user, name, expires_at=clock.now() + expires if expires else None)
    assert exc.value.field == field and str(exc.value)
    assert not ApiToken.objects.exists()
    assert not AuditEntry.objects.filter(action="accounts.token_created").exists()


def test_authenticate_token(world):
    user = world.users["hni_officer"]
    _token, raw = create_token(user, "a")
    assert authenticate_token(raw) == user
    assert authenticate_token(raw + "x") is None
    assert authenticate_token("") is None
    assert authenticate_token("Bearer " + raw) is None


def refusing_token_stamps(message: str):
    """The database answers ``message`` to the write of a token's last use (and only to it)."""

    def wrapper(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("UPDATE") and ApiToken._meta.db_table in sql:
            raise OperationalError(message)
        return execute(sql, params, many, context)

    return connection.execute_wrapper(wrapper)


def test_a_full_database_disk_does_not_stop_a_token_from_reading(world):
    """The last-use stamp cannot be written: the read answers all the same (the stamp waits);
    any other database error is not hidden."""
    user = world.users["hni_officer"]
    _token, raw = create_token(user, "a")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    with refusing_token_stamps("could not extend file: No space left on device"):
        response = client.get("/api/v1/me")
    assert response.status_code == 200 and response.json()["username"] == user.username
    assert ApiToken.objects.get(key_hash=hash_token(raw)).last_used_at is None
    caches[CACHE].clear()  # the token as read again from the database: its stamp is due
    with refusing_token_stamps("deadlock detected"), pytest.raises(OperationalError):
        authenticate_token(raw)


def test_revoked_expired_and_inactive_tokens_are_refused(world):
    user = world.users["hni_officer"]
    revoked, raw_revoked = create_token(user, "revoked")
    revoke_token(user, revoked.pk)
    assert authenticate_token(raw_revoked) is None
    _t, raw_expiring = create_token(user, "short", expires_at=clock.now() + dt.timedelta(hours=1))
    assert authenticate_token(raw_expiring) == user
    with time_machine.travel(clock.now() + dt.timedelta(hours=2)):
        assert authenticate_token(raw_expiring) is None
    _t, raw = create_token(user, "user leaves")
    user.is_active = False
    user.save()
    assert authenticate_token(raw) is None


def test_last_used_is_written_at_most_once_a_minute(world):
    user = world.users["hni_officer"]
    token, raw = create_token(user, "a")
    start = clock.now()
    with time_machine.travel(start, tick=False):
        authenticate_token(raw)
        token.refresh_from_db()
        first = token.last_used_at
        assert first is not None
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        authenticate_token(raw)
        token.refresh_from_db()
        assert token.last_used_at == first
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        authenticate_token(raw)
        token.refresh_from_db()
        assert token.last_used_at > first


def test_revoke_only_own_tokens_once_and_audited(world):
    owner, other = world.users["hni_officer"], world.users["hni_admin"]
    token, _raw = create_token(owner, "a")
    with pytest.raises(NotFound):
        revoke_token(other, token.pk)
    with pytest.raises(NotFound):
        revoke_token(owner, "abc")
    token.refresh_from_db()
    assert token.revoked_at is None
    revoke_token(owner, token.pk)
    entry = AuditEntry.objects.get(action="accounts.token_revoked", object_id=str(token.pk))
    assert entry.before["revoked_at"] is None and entry.after["revoked_at"]
    with pytest.raises(Conflict):
        revoke_token(owner, token.pk)
    assert AuditEntry.objects.filter(action="accounts.token_revoked").count() == 1


def test_list_tokens_shows_only_own(world):
    create_token(world.users["hni_officer"], "mine")
    create_token(world.users["hcm_officer"], "theirs")
    assert [t.name for t in list_tokens(world.users["hni_officer"])] == ["mine"]


# --- the page ------------------------------------------------------------------------------


def test_token_page_requires_login(client):
    response = client.get(reverse("accounts:tokens"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_token_page_creates_shows_secret_once_and_revokes(client, world):
    user = world.users["hni_officer"]
    client.force_login(user)
    url = reverse("accounts:tokens")
    response = client.post(url, {"action": "create", "name": "Kết nối hệ thống", "expires": "30"})
    assert response.status_code == 200
    raw = response.context["raw_token"]
    assert raw.startswith("rsm_") and raw in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert authenticate_token(raw) == user
    token = ApiToken.objects.get(user=user)
    assert token.expires_at.astimezone(clock.tz()).date() == (clock.now() + dt.timedelta(days=30)).date()

    listing = client.get(url).content.decode()
    assert "Kết nối hệ thống" in listing and raw not in listing and token.prefix in listing

    confirm = client.get(url, {"revoke": token.pk})
    assert confirm.context["confirm"] == token
    assert 'name="token_id"' in confirm.content.decode()
    response = client.post(url, {"action": "revoke", "token_id": token.pk})
    assert response.status_code == 302
    assert authenticate_token(raw) is None


def test_token_page_bad_input_is_shown_and_nothing_created(client, world):
    client.force_login(world.users["hni_officer"])
    response = client.post(reverse("accounts:tokens"), {"action": "create", "name": "", "expires": "30"})
    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_token_page_cannot_revoke_another_users_token(client, world):
    token, raw = create_token(world.users["hcm_officer"], "theirs")
    client.force_login(world.users["hni_officer"])
    assert client.get(reverse("accounts:tokens"), {"revoke": token.pk}).context["confirm"] is None
    response = client.post(reverse("accounts:tokens"), {"action": "revoke", "token_id": token.pk})
    assert response.status_code == 400
    assert authenticate_token(raw) is not None


def test_a_token_in_use_stops_working_at_the_next_call_after_revocation_or_deactivation(
    world, django_assert_num_queries
):
    """The token is kept per process between calls (one query a call while nothing is written),
    yet revoking it or deactivating its user refuses the very next call."""
    from resmon.accounts.services import deactivate_user

    user = world.users["hni_officer"]
    token, raw = create_token(user, "in use")
    assert authenticate_token(raw) == user
    with django_assert_num_queries(1):  # the audit head only
        assert authenticate_token(raw) == user
    revoke_token(user, token.pk)
    assert authenticate_token(raw) is None

    _t, raw = create_token(user, "second")
    assert authenticate_token(raw) == user
    deactivate_user(world.users["hni_admin"], user, "Chuyển công tác")
    assert authenticate_token(raw) is None
