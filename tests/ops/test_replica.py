"""A read replica configured (the test settings' "replica" alias, a mirror of the test database):
the dashboards' and exports' reads go to it, the sign-in data, writes and everything else to the
primary, and a request that has written reads its own writes from the primary. The pages and the
API answer the same as without it."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resmon.agencies.models import Agency
from resmon.core.dbrouter import ReplicaRouter, replica_reads
from resmon.planning.models import Task
from tests.dashboards.conftest import dworld as dworld  # the dashboards' world
from tests.dashboards.helpers import client_for

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


def tables(queries) -> str:
    return " ".join(q["sql"] for q in queries)


@pytest.fixture
def replica(settings):
    settings.DATABASE_REPLICA_READS = True


def get(client, url, **params):
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as copy,
    ):
        response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return response, tables(primary), tables(copy)


def test_the_dashboard_reads_its_figures_from_the_replica(dworld, replica):
    client = client_for(dworld, "national_leader")
    _response, primary, copy = get(client, reverse("dashboards:overview"))
    assert "rollups_progressrollup" in copy and "agencies_agency" in copy
    assert "rollups_progressrollup" not in primary
    # signing in stays with the primary: the session, the user and their grants
    # (a domain row may join its author's name: a read of the domain table, on the replica)
    assert 'FROM "django_session"' in primary and 'FROM "accounts_user"' in primary
    assert 'FROM "django_session"' not in copy and 'FROM "accounts_' not in copy


def test_the_api_and_the_exports_read_from_the_replica(dworld, replica):
    client = client_for(dworld, "national_leader")
    for url in ("/api/v1/dashboard", "/api/v1/dashboard/export.xlsx"):
        _response, primary, copy = get(client, url)
        assert "rollups_progressrollup" in copy, url
        assert "rollups_progressrollup" not in primary, url


def test_the_answers_are_the_same_with_and_without_the_replica(dworld, settings):
    client = client_for(dworld, "hni_leader")
    url = "/api/v1/dashboard"
    without = client.get(url, {"agency": dworld.hni.pk}).json()
    settings.DATABASE_REPLICA_READS = True
    for cache in caches.all():
        cache.clear()  # the same answer must come from the replica, not from a cache
    response, _primary, copy = get(client, url, agency=dworld.hni.pk)
    assert "rollups_progressrollup" in copy
    assert response.json() == without


def test_other_pages_and_every_write_use_the_primary(dworld, replica):
    client = client_for(dworld, "hni_officer")
    task = dworld.tasks["hni_xa"]
    with CaptureQueriesContext(connections["replica"]) as copy:
        assert client.get(reverse("web:task_detail", args=[task.pk])).status_code == 200
        assert client.get(reverse("web:task_list")).status_code == 200
        response = client.post(reverse("notifications:mark_all_read"))
    assert response.status_code in (200, 302)
    assert len(copy) == 0


def test_a_request_that_wrote_reads_its_writes_from_the_primary(world, replica):
    with replica_reads():
        with CaptureQueriesContext(connections["replica"]) as copy:
            assert Agency.objects.filter(pk=world.hni.pk).exists()
        assert len(copy) == 1
        with CaptureQueriesContext(connections["replica"]) as copy:
            with transaction.atomic():
                assert Task.objects.count() > 0  # inside a transaction: with it, on the primary
                Agency.objects.filter(pk=world.hni.pk).update(name="Thành ủy Hà Nội (mới)")
            assert Agency.objects.get(pk=world.hni.pk).name == "Thành ủy Hà Nội (mới)"
        assert len(copy) == 0


def test_nothing_reads_from_the_replica_unless_it_is_turned_on(dworld, settings):
    settings.DATABASE_REPLICA_READS = False
    client = client_for(dworld, "national_leader")
    with CaptureQueriesContext(connections["replica"]) as copy:
        assert client.get(reverse("dashboards:overview")).status_code == 200
    assert len(copy) == 0


def test_nothing_is_migrated_on_the_replica():
    router = ReplicaRouter()
    assert router.allow_migrate("replica", "planning") is False
    assert router.allow_migrate("default", "planning") is None
