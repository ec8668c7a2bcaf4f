"""Evidence when the server's disk is full (the full-disk drill, bench/drill_disk.py): the upload is
refused with a clear message — 507 storage_full on the API, the message on the page — nothing is
left on disk or in the database, and the same upload works once space is freed."""

from __future__ import annotations

import pytest
from django.db import OperationalError, transaction
from django.urls import reverse

from resmon.audit.models import AuditEntry
from resmon.core.errors import StorageFull
from resmon.core.storage import STORAGE_FULL_MESSAGE
from resmon.reporting.models import Evidence, IdempotencyKey, ReportLine
from resmon.reporting.services import evidence as services
from resmon.reporting.services import reports as report_services
from tests.core.disk_full import files_under, fill_up
from tests.reporting.evidence_samples import pdf_bytes, upload
from tests.reporting.page_helpers import client_for
from tests.reporting.reports_helpers import create, fresh
from tests.security.fuzzing import documented_failures

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def nothing_changed(report, version: int) -> None:
    assert fresh(report).version == version
    assert not Evidence.objects.exists()
    assert not AuditEntry.objects.filter(action="reporting.evidence_added").exists()


def test_the_service_refuses_with_the_disk_full_message_and_keeps_nothing(rworld, media, monkeypatch):
    w = rworld
    report = create(w)
    line = ReportLine.objects.get(report=report)
    officer = w.users["xa_ubnd_officer"]
    fill_up(monkeypatch)

    def add():
        return services.add_evidence(
            officer,
            line,
            classification="thuong",
            kind="file",
            title="Biên bản",
            upload=upload("bien-ban.pdf", pdf_bytes("Bien ban"), "application/pdf"),
            expected_version=report.version,
            idempotency_key="disk-1",
        )

    with pytest.raises(StorageFull) as caught, transaction.atomic():  # the request's transaction
        add()
    assert str(caught.value) == str(STORAGE_FULL_MESSAGE)
    nothing_changed(report, report.version)
    assert files_under(media) == [] and not IdempotencyKey.objects.filter(key="disk-1").exists()
    monkeypatch.undo()  # space freed: the same request (same key) goes through
    ev = add()
    assert Evidence.objects.get() == ev and files_under(media) == [ev.file.name]


def test_the_api_answers_507_with_the_message(rworld, bearer, media, monkeypatch):
    w = rworld
    report = create(w)
    task = w.tasks["hni_xa"]
    fill_up(monkeypatch)
    response = bearer("xa_ubnd_officer").post(
        f"/api/v1/reports/{report.pk}/lines/{task.pk}/evidence",
        {
            "classification": "thuong",
            "kind": "file",
            "title": "Biên bản",
            "version": str(report.version),
            "file": upload("bien-ban.pdf", pdf_bytes("Bien ban"), "application/pdf"),
        },
    )
    assert response.status_code == 507, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == "storage_full" and body["detail"] == str(STORAGE_FULL_MESSAGE)
    assert documented_failures("post", "/api/v1/reports/{report_id}/lines/{task_id}/evidence", response) == []
    nothing_changed(report, report.version)
    assert files_under(media) == []


def test_the_page_shows_the_message_by_the_form(rworld, media, monkeypatch):
    w = rworld
    report = create(w)
    line = ReportLine.objects.get(report=report)
    fill_up(monkeypatch)
    prefix = f"ev{line.pk}-"
    fields = {"classification": "thuong", "kind": "file", "title": "Biên bản", "url": "", "doc_number": ""}
    fields |= {"doc_date": "", "version": report.version, "idempotency_key": ""}
    data = {prefix + k: v for k, v in fields.items()}
    data[prefix + "file"] = upload("bien-ban.pdf", pdf_bytes("Bien ban"), "application/pdf")
    response = client_for(w, "xa_ubnd_officer").post(
        reverse("reporting:evidence_add", args=[report.pk, line.pk]), data
    )
    assert response.status_code == 200
    assert str(STORAGE_FULL_MESSAGE) in response.content.decode()
    nothing_changed(report, report.version)
    assert files_under(media) == []


def test_a_write_the_database_cannot_make_is_a_507_not_a_500(rworld, bearer, monkeypatch):
    """SQLite's "database or disk is full" (or PostgreSQL's disk_full): the API and the pages say
    the disk is full; the write was rolled back."""
    w = rworld
    report = create(w)

    def full(*args, **kwargs):
        raise OperationalError("database or disk is full")

    monkeypatch.setattr(report_services, "save_report", full)
    monkeypatch.setattr(report_services, "submit_to_head", full)
    response = bearer("xa_ubnd_officer").patch(
        f"/api/v1/reports/{report.pk}",
        {"version": report.version, "results": "x"},
        content_type="application/json",
    )
    assert response.status_code == 507, response.content
    assert response.json()["code"] == "storage_full"
    assert documented_failures("patch", "/api/v1/reports/{report_id}", response) == []
    page = client_for(w, "xa_ubnd_officer").post(
        reverse("reporting:act", args=[report.pk]), {"action": "submit", "version": report.version}
    )
    assert page.status_code == 507
    assert str(STORAGE_FULL_MESSAGE) in page.content.decode()
