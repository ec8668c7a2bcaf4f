"""/metrics: Prometheus text for the allowed addresses or the token, a 404 for anyone else; request
latency by route, method and status class; the job queue, failed jobs, the sealer's backlog and the
last daily run, read from the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from resmon.audit.services import record
from resmon.notifications import daily
from tests.ops.helpers import job

pytestmark = pytest.mark.django_db


def scrape(client: Client | None = None, **extra) -> dict[tuple[str, tuple], float]:
    response = (client or Client()).get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.content.decode())
        for s in family.samples
    }


def latency_count(samples, route: str, method: str = "GET", status: str = "2xx") -> float:
    key = (
        "resmon_http_request_duration_seconds_count",
        (("method", method), ("route", route), ("status", status)),
    )
    return samples.get(key, 0.0)


def test_request_latency_is_counted_by_route_method_and_status_class(world):
    client = Client()
    before = scrape()
    client.get("/healthz")
    client.get("/healthz")
    client.get("/tasks/")  # signed out: a redirect to the sign-in page
    client.post("/readyz")  # refused: 405
    client.get("/no/such/page/")
    after = scrape()
    assert latency_count(after, "ops:healthz") - latency_count(before, "ops:healthz") == 2
    assert (
        latency_count(after, "web:task_list", status="3xx")
        - latency_count(before, "web:task_list", status="3xx")
        == 1
    )
    assert (
        latency_count(after, "ops:readyz", "POST", "4xx") - latency_count(before, "ops:readyz", "POST", "4xx")
        == 1
    )
    assert (
        latency_count(after, "unmatched", status="4xx") - latency_count(before, "unmatched", status="4xx")
        == 1
    )
    assert after[("resmon_database_up", ())] == 1


def test_every_response_carries_a_request_id_and_keeps_the_proxys():
    client = Client()
    given = client.get("/healthz", HTTP_X_REQUEST_ID="3f2a9c0d7e1b4a55")["X-Request-ID"]
    assert given == "3f2a9c0d7e1b4a55"
    made = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"]
    again = client.get("/healthz")["X-Request-ID"]
    assert made != "<script>" and again != made and 12 < len(made) <= 64


def test_the_job_queue_failed_jobs_and_the_sealers_backlog():
    for status, n in (("READY", 3), ("RUNNING", 1), ("FAILED", 2), ("SUCCESSFUL", 4)):
        for _ in range(n):
            job(status, waited=dt.timedelta(minutes=2))
    with transaction.atomic():
        record(None, "test.waiting", object_type="test", object_id="1")
    samples = scrape()
    assert samples[("resmon_task_queue_depth", (("state", "ready"),))] == 3
    assert samples[("resmon_task_queue_depth", (("state", "running"),))] == 1
    assert samples[("resmon_task_failed_jobs", ())] == 2
    assert 100 < samples[("resmon_task_oldest_ready_age_seconds", ())] < 600
    assert samples[("resmon_audit_unsealed_rows", ())] >= 1


def test_the_outcome_of_each_job_of_the_last_daily_run(settings):
    settings.DAILY_JOBS = ["no_such_command", "send_digests"]
    assert scrape()[("resmon_daily_run_timestamp_seconds", ())] == 0  # never ran
    daily.run()
    samples = scrape()
    assert samples[("resmon_daily_job_success", (("job", "send_digests"),))] == 1
    assert samples[("resmon_daily_job_success", (("job", "no_such_command"),))] == 0
    assert samples[("resmon_daily_jobs_failed", ())] == 1
    assert samples[("resmon_daily_job_duration_seconds", (("job", "send_digests"),))] >= 0
    assert samples[("resmon_daily_run_timestamp_seconds", ())] > 0


@pytest.mark.parametrize(
    ("allowed_ips", "remote", "headers", "status"),
    [
        (["127.0.0.1"], "127.0.0.1", {}, 200),
        (["127.0.0.1"], "10.1.2.3", {}, 404),
        (["10.1.0.0/16"], "10.1.2.3", {}, 200),  # a network
        (["127.0.0.1"], "127.0.0.1", {"HTTP_X_FORWARDED_FOR": "127.0.0.1"}, 404),  # through the proxy
        (["127.0.0.1"], "10.1.2.3", {"HTTP_AUTHORIZATION": "Bearer s3cret-token"}, 200),
        (["127.0.0.1"], "10.1.2.3", {"HTTP_AUTHORIZATION": "Bearer wrong"}, 404),
        (
            ["127.0.0.1"],
            "127.0.0.1",
            {"HTTP_X_FORWARDED_FOR": "1.2.3.4", "HTTP_AUTHORIZATION": "Bearer s3cret-token"},
            200,
        ),
        (["not an address"], "127.0.0.1", {}, 404),
    ],
)
def test_only_allowed_addresses_or_the_token_see_the_metrics(settings, allowed_ips, remote, headers, status):
    settings.METRICS_ALLOWED_IPS = allowed_ips
    settings.METRICS_TOKEN = "s3cret-token"
    response = Client().get("/metrics", REMOTE_ADDR=remote, **headers)
    assert response.status_code == status
    if status == 404:
        assert b"resmon_" not in response.content


def test_without_a_token_configured_a_bearer_is_no_key(settings):
    settings.METRICS_TOKEN = ""
    assert Client().get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer ").status_code == 404
