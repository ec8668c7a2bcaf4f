"""The stored documents' tests: the dashboards' world (17/03/2026, caches rebuilt), the files
under a temporary MEDIA_ROOT, the django-tasks backend of the settings (the database queue) unless
a test asks for the immediate one."""

from __future__ import annotations

import pytest

from tests.dashboards.conftest import dworld  # noqa: F401
from tests.reporting.conftest import rworld  # noqa: F401

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def immediate(settings):
    """Jobs run at once, in the request, when the row is committed (with the on-commit callbacks
    executed: ``django_capture_on_commit_callbacks(execute=True)``)."""
    settings.TASKS = IMMEDIATE
