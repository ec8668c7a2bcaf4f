"""The dashboards' answers are kept until the roll-ups move (resmon.dashboards.cache): a repeated
request is answered without recomputing, a fold or rebuild shows the change at once, a scope never
reads another scope's answer, and a refused filter is refused every time."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from resmon.planning.models import Task
from resmon.rollups import services as rollups
from tests.dashboards.helpers import api, client_for

pytestmark = pytest.mark.django_db


def queries(client, **params) -> tuple[bytes, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = api(client, **params)
    assert response.status_code == 200, response.content
    return response.content, len(ctx)


def test_a_repeated_request_is_answered_from_the_cache_until_the_roll_ups_move(dworld):
    client = client_for(dworld, "national_leader")
    first, computed = queries(client, agency=dworld.hcm.pk)
    again, reused = queries(client, agency=dworld.hcm.pk)
    assert again == first
    assert reused < computed / 2, (reused, computed)

    Task.objects.filter(pk=dworld.tasks["hcm_xa"].pk).update(due_date="2026-03-01")
    rollups.rebuild()  # the roll-ups move: the next answer is computed again and shows the change
    after = api(client, agency=dworld.hcm.pk).json()
    assert after["headline"]["overdue"] == json.loads(first)["headline"]["overdue"] + 1


def test_a_scope_never_reads_another_scopes_answer(dworld):
    national = client_for(dworld, "national_leader")
    assert api(national, agency=dworld.hni.pk).status_code == 200  # kept for the national scope

    # the same filters from users who may not see Hà Nội: still a 404, not the kept answer
    for username in ("hcm_officer", "xa_officer"):
        assert api(client_for(dworld, username), agency=dworld.hni.pk).status_code == 404, username

    # a commune officer asking for their own commune gets their own (narrower) figures
    national_xa = api(national, agency=dworld.hni_xa.pk).json()
    own = api(client_for(dworld, "xa_officer"), agency=dworld.hni_xa.pk).json()
    assert own["breadcrumb"] == [own["agency"]]  # their top is the commune, not the nation
    assert len(national_xa["breadcrumb"]) == 3


def test_a_refused_filter_is_refused_every_time(dworld):
    client = client_for(dworld, "national_leader")
    for _ in range(2):
        response = api(client, period=999999)
        assert response.status_code == 400
        assert "period" in response.content.decode()


def test_with_the_cache_off_every_request_is_computed(dworld, settings):
    settings.RESMON_READ_CACHE_SECONDS = 0
    client = client_for(dworld, "national_leader")
    _first, computed = queries(client, agency=dworld.hcm.pk)
    _again, recomputed = queries(client, agency=dworld.hcm.pk)
    assert recomputed == computed
