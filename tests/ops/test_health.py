"""/healthz and /readyz: public, JSON, nothing sensitive; readiness names the check that fails."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import DatabaseError, transaction
from django.test import Client
from django.utils import timezone

from resmon.audit import sealing
from resmon.audit.services import record
from resmon.ops import health
from tests.ops.helpers import job

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sealed():
    sealing.seal()  # rows left by the migrations' data, if any: the sealer has kept up


def ready(client: Client):
    response = client.get("/readyz")
    return response.status_code, response.json()


def test_healthz_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_readyz_is_ok_when_everything_is(client):
    assert ready(client) == (
        200,
        {"status": "ok", "checks": {"database": "ok", "migrations": "ok", "worker": "ok", "sealer": "ok"}},
    )


def test_a_signed_out_visitor_gets_the_answers_not_the_sign_in_page(world):
    client = Client()
    for url in ("/healthz", "/readyz"):
        assert client.get(url).status_code == 200, url


def test_a_job_waiting_too_long_makes_readyz_say_the_worker_is_stale(client, settings):
    settings.READYZ_QUEUE_MAX_WAIT = 600
    job(waited=dt.timedelta(minutes=5))
    assert ready(client)[0] == 200  # waiting five minutes is within the limit
    job(waited=dt.timedelta(minutes=11))
    status, body = ready(client)
    assert status == 503
    assert body["status"] == "unavailable" and body["checks"]["worker"] == "stale"


def test_a_failed_or_running_job_is_not_a_stale_queue(client):
    job("FAILED", waited=dt.timedelta(hours=2))
    job("RUNNING", waited=dt.timedelta(hours=2))
    assert ready(client)[1]["checks"]["worker"] == "ok"


def test_audit_rows_the_sealer_has_not_taken_make_readyz_say_the_sealer_is_stale(client):
    with time_machine.travel(timezone.now() - dt.timedelta(minutes=5)), transaction.atomic():
        record(None, "test.waiting", object_type="test", object_id="1")
    status, body = ready(client)
    assert (status, body["checks"]["sealer"]) == (503, "stale")
    sealing.seal()
    assert ready(client) == (200, {"status": "ok", "checks": dict.fromkeys(body["checks"], "ok")})


def test_unapplied_migrations_make_readyz_say_pending(client, monkeypatch):
    monkeypatch.setattr(health, "_migrations_done", False)
    monkeypatch.setattr(
        "django.db.migrations.executor.MigrationExecutor.migration_plan",
        lambda self, targets: [("a migration", False)],
    )
    status, body = ready(client)
    assert (status, body["checks"]["migrations"]) == (503, "pending")
    assert "worker" not in body["checks"]  # not asked: the tables may not be there yet


def test_an_unreachable_database_is_named_without_details(client, monkeypatch):
    class Down:
        def cursor(self):
            raise DatabaseError('connection to server at "db.internal" (10.0.0.5) failed: password')

    monkeypatch.setattr(health, "connection", Down())
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "unreachable"}}
    assert b"10.0.0.5" not in response.content and b"password" not in response.content


def test_only_reads_are_answered(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405
