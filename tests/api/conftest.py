import pytest
from django.test import Client

from resmon.accounts.tokens import create_token


@pytest.fixture
def bearer(world):
    """A client factory: bearer("hni_officer") -> a Client that sends that user's token."""

    def make(username: str) -> Client:
        _token, raw = create_token(world.users[username], "test")
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return make
