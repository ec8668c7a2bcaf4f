"""Signing in: deactivation, forced password change, lockout, password rules, session settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from resmon.accounts import services
from resmon.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
EN = {"REMOTE_ADDR": "10.1.2.3"}
LOGIN = "accounts:login"


def login(client, username, password, **extra):
    return client.post(reverse(LOGIN), {"username": username, "password": password}, **{**EN, **extra})


def test_successful_login_is_audited(client, world):
    response = login(client, "xa_officer", "s3cret-pass!")
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="accounts.login", actor_name="xa_officer").exists()


def test_deactivated_user_cannot_log_in(client, world):
    services.deactivate_user(world.users["hni_admin"], world.users["xa_officer"], "Nghỉ việc")
    response = login(client, "xa_officer", "s3cret-pass!")
    assert response.status_code == 200
    assert "deactivated" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_deactivation_ends_an_open_session(client, world):
    client.force_login(world.users["xa_officer"])
    services.deactivate_user(world.users["hni_admin"], world.users["xa_officer"], "Nghỉ việc")
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and reverse(LOGIN) in response["Location"]


def test_reset_password_forces_change_on_next_login(client, world):
    temp = services.reset_password(world.users["hni_admin"], world.users["xa_officer"])
    assert login(client, "xa_officer", temp).status_code == 302
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_change")
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": temp,
            "new_password1": "correct horse battery",
            "new_password2": "correct horse battery",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("web:home")).status_code == 200


def test_lockout_after_five_wrong_passwords_with_message(client, world):
    for _ in range(4):
        assert login(client, "xa_officer", "wrong-password").status_code == 200
    response = login(client, "xa_officer", "wrong-password")
    assert response.status_code == 429
    response = login(client, "xa_officer", "s3cret-pass!")  # even the right password
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # another address is not locked out of this account
    assert login(client, "xa_officer", "s3cret-pass!", REMOTE_ADDR="10.9.9.9").status_code == 302


def test_reset_password_lifts_lockout(client, world):
    for _ in range(5):
        login(client, "xa_officer", "wrong-password")
    temp = services.reset_password(world.users["hni_admin"], world.users["xa_officer"])
    assert login(client, "xa_officer", temp).status_code == 302


@pytest.mark.parametrize(
    "password, ok",
    [("correct horse battery", True), ("short", False), ("password123", False), ("12345678", False)],
)
def test_password_rules_length_and_common_without_composition(world, password, ok):
    user = world.users["xa_officer"]
    if ok:
        validate_password(password, user)
    else:
        with pytest.raises(ValidationError):
            validate_password(password, user)


def test_change_password_refuses_a_common_password_and_keeps_the_old(world):
    from resmon.core.errors import ValidationFailed

    user = world.users["xa_officer"]
    with pytest.raises(ValidationFailed):
        services.change_password(user, "s3cret-pass!", "password")
    user.refresh_from_db()
    assert user.check_password("s3cret-pass!")


def test_session_expiry_settings():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 12 * 3600


def test_real_settings_hash_with_argon2():
    """The test profile uses a fast hasher; the real profiles must use argon2 first."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "RESMON_ENV": "development", "PYTHONPATH": str(root / "src")}
    out = subprocess.run(
        [sys.executable, "-c", "from resmon import settings; print(settings.PASSWORD_HASHERS[0])"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "django.contrib.auth.hashers.Argon2PasswordHasher"
