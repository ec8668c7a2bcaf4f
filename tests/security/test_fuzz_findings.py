"""What the API fuzzing found, kept as plain tests: deleting a task other records refer to was a 500."""

from __future__ import annotations

import pytest

from resmon.audit.models import AuditEntry
from resmon.planning.models import Task
from tests.reporting import matrix_helpers as reporting

pytestmark = pytest.mark.django_db


def test_deleting_a_task_that_a_report_refers_to_is_a_clear_400(world, bearer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    reporting.matrix_objects(world, "report")  # sent reports with a line on task "hni_xa"
    task = world.tasks["hni_xa"]
    response = bearer("hni_officer").delete(f"/api/v1/tasks/{task.pk}")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "task_in_use" and "cancel it with a reason" in body["detail"]
    assert Task.objects.filter(pk=task.pk).exists()
    assert not AuditEntry.objects.filter(action="planning.task_deleted").exists()


def test_a_task_nothing_refers_to_is_still_deleted(world, bearer):
    task = world.tasks["hni_xa"]
    assert bearer("hni_officer").delete(f"/api/v1/tasks/{task.pk}").status_code == 204
    assert not Task.objects.filter(pk=task.pk).exists()
    assert AuditEntry.objects.filter(action="planning.task_deleted").exists()


def test_a_nul_character_in_the_credentials_is_a_401_not_a_500(world, client):
    """PostgreSQL refuses NUL in a text query: the credentials are refused before any query."""
    import json

    for body in (
        {"username": "hni_officer\x00", "password": "s3cret-pass!"},
        {"username": "hni_officer", "password": "s3cret-pass!\x00"},
        {"username": "hni_officer", "password": "s3cret-pass!", "otp": "12\x0034"},
    ):
        response = client.post("/api/v1/auth/token", json.dumps(body), content_type="application/json")
        assert response.status_code == 401 and response.json()["code"] == "invalid_credentials"


def test_the_programme_export_leaves_out_control_characters(world, bearer):
    """A task text with control characters (the API accepted them) made the Excel export a 500."""
    import io

    from openpyxl import load_workbook

    from resmon.planning import excel_format as fmt

    task = world.tasks["hni_so"]
    Task.objects.filter(pk=task.pk).update(title="Chuyển\x01 đổi số\x1f", description="Dòng\x0bmột")
    response = bearer("hni_officer").get(f"/api/v1/programs/{task.program_id}/export.xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content))[fmt.SHEET_TASKS]
    texts = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "Chuyển đổi số" in texts and "Dòngmột" in texts
