"""Settings read at start-up, in processes of their own: with PROMETHEUS_MULTIPROC_DIR the metrics
of several web processes add up in one scrape (gunicorn runs several); with LOG_FORMAT=json and
LOG_REQUESTS=1 every request writes one JSON line carrying its request id."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.slow

# a web process answering requests through Django's test client, without a server
CHILD = """
import os, sys
sys.path.insert(0, "src")
os.environ["DJANGO_SETTINGS_MODULE"] = "resmon.settings"
import django
django.setup()
from django.test import Client
client = Client()
for i in range(int(sys.argv[1])):
    client.get("/healthz", HTTP_X_REQUEST_ID=f"{sys.argv[2]}-{i}")
if sys.argv[3] == "scrape":
    sys.stdout.write(client.get("/metrics").content.decode())
"""


def web_process(env: dict[str, str], requests: int, name: str, scrape: bool = False):
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(requests), name, "scrape" if scrape else "-"],
        cwd=Path(settings.PROJECT_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_two_web_processes_add_up_in_one_scrape_and_log_json_lines(tmp_path):
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    (tmp_path / "data" / "static").mkdir(parents=True)  # else whitenoise warns on standard error
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "RESMON_ENV", "DATABASE_URL"}
    }
    env.update(
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        LOG_FORMAT="json",
        LOG_REQUESTS="1",
        SQLITE_PATH=str(tmp_path / "empty.sqlite3"),
        RESMON_DATA_DIR=str(tmp_path / "data"),
    )
    first = web_process(env, 3, "first")
    second = web_process(env, 2, "second", scrape=True)

    counts = {
        tuple(sorted(s.labels.items())): s.value
        for family in text_string_to_metric_families(second.stdout)
        for s in family.samples
        if s.name == "resmon_http_request_duration_seconds_count"
    }
    assert counts[(("method", "GET"), ("route", "ops:healthz"), ("status", "2xx"))] == 5
    assert len(list(metrics_dir.glob("*.db"))) >= 2  # one file per process

    lines = [json.loads(line) for line in first.stderr.splitlines()]
    assert [line["request_id"] for line in lines] == ["first-0", "first-1", "first-2"]
    assert all(line["route"] == "ops:healthz" and line["status"] == 200 for line in lines)
