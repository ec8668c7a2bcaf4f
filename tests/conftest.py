import os

import pytest
from hypothesis import settings as hypothesis_settings

hypothesis_settings.register_profile("ci", deadline=None, max_examples=200, derandomize=True)
hypothesis_settings.register_profile("dev", deadline=None, max_examples=100)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def world(db):
    from tests.factories import build_world

    return build_world()


@pytest.fixture(autouse=True)
def _audit_checkpoints(tmp_path, settings):
    """Each test keeps its audit chain checkpoints in its own file (never var/ of the checkout)."""
    settings.AUDIT_CHECKPOINT_PATH = tmp_path / "audit-checkpoints.jsonl"


@pytest.fixture(autouse=True)
def _force_login_passes_the_code_step(monkeypatch):
    """``client.force_login(user)`` (and ``client.login``) signs the user in completely: a session of
    an account that needs the one-time-code step (two-factor sign-in on, or required by its role) is
    also verified with a real device (tests/signin.py), as the code step would have done."""
    from django.test.client import ClientMixin

    from tests.signin import verify_session

    original = ClientMixin._login

    def _login(self, user, backend=None):
        original(self, user, backend)
        verify_session(self, user)

    monkeypatch.setattr(ClientMixin, "_login", _login)


@pytest.fixture(autouse=True)
def _fresh_caches():
    """No cached answer outlives its test (the ids of one test's data recur in the next)."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def _rate_limit_counters():
    """Each test starts with no rate-limit counts (the "ratelimit" cache is per process in tests)."""
    from django.core.cache import caches

    caches["ratelimit"].clear()


@pytest.fixture
def bearer(world):
    """A client factory: bearer("hni_officer") -> a Client that sends that user's API token;
    ``confirmed=True``: the token has confirmed it is its holder (POST /api/v1/auth/confirm), as a
    sensitive operation (accepting, reopening, account administration...) needs."""
    from django.test import Client

    from resmon.accounts.tokens import create_token
    from tests.signin import confirm_api

    def make(username: str, *, confirmed: bool = False) -> Client:
        _token, raw = create_token(world.users[username], "test")
        client = Client(headers={"Authorization": f"Bearer {raw}"})
        if confirmed:
            response = confirm_api(client, world.users[username])
            assert response.status_code == 200, response.content
        return client

    return make
