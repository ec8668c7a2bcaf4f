"""LOG_FORMAT=json: one JSON object a line, with the request id of the request that wrote it."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.conf import settings
from django.test import Client
from pythonjsonlogger.json import JsonFormatter

from resmon.core.logs import RequestIdFilter

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """The request log (resmon.requests) formatted as LOG_FORMAT=json formats every line."""
    options = {k: v for k, v in settings.LOGGING["formatters"]["json"].items() if k != "()"}
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(**options))
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("resmon.requests")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_each_request_line_is_json_with_its_request_id(json_lines):
    response = Client().get("/healthz", HTTP_X_REQUEST_ID="req-0001")
    assert response["X-Request-ID"] == "req-0001"
    Client().get("/healthz")
    first, second = json_lines()
    assert (
        first["request_id"] == "req-0001"
        and first["level"] == "INFO"
        and first["logger"] == "resmon.requests"
    )
    assert (first["route"], first["method"], first["status"]) == ("ops:healthz", "GET", 200)
    assert first["message"].startswith("GET /healthz 200 ") and first["duration_ms"] >= 0
    assert "time" in first
    assert second["request_id"] not in ("req-0001", "-")


def test_outside_a_request_the_id_is_a_dash(json_lines):
    logging.getLogger("resmon.requests").info("Cơ sở dữ liệu đã sẵn sàng")
    (line,) = json_lines()
    assert line["request_id"] == "-" and line["message"] == "Cơ sở dữ liệu đã sẵn sàng"


def test_the_readable_format_stays_the_default():
    assert settings.LOG_FORMAT == "text"
    assert settings.LOGGING["handlers"]["console"]["formatter"] == "text"
