"""/api/v1 evidence (multipart upload, download, removal) and KPI values of a report."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from resmon.audit.models import AuditEntry
from resmon.reporting.models import Evidence, Observation, PeriodReport
from tests.planning.kpi_helpers import indicator, kpi
from tests.reporting.evidence_samples import docx_bytes, pdf_bytes
from tests.reporting.reports_helpers import create, fresh

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
CLASSIFIED = "must not be uploaded or linked here"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file())


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    return response.json()


def post_evidence(client, report, task, *, file=None, key="", **fields):
    data = {"classification": "thuong", "kind": "file", "title": "Biên bản", **fields}
    if file is not None:
        data["file"] = file
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"/api/v1/reports/{report.pk}/lines/{task.pk}/evidence", data, **headers)


def test_upload_download_remove(rworld, bearer, media):
    w = rworld
    report = create(w)
    task = w.tasks["hni_xa"]
    c = bearer("xa_ubnd_officer")
    content = pdf_bytes("Bien ban nghiem thu")

    def pdf():
        return SimpleUploadedFile("Biên bản nghiệm thu.pdf", content, content_type="text/html")

    first = post_evidence(c, report, task, file=pdf(), key="e-1", version="1")
    assert first.status_code == 201, first.content
    again = post_evidence(c, report, task, file=pdf(), key="e-1", version="1")
    assert again.status_code == 201 and again.json() == first.json()
    body = first.json()
    assert body["content_type"] == "application/pdf"  # read from the content, not the browser's claim
    assert body["sha256"] == hashlib.sha256(content).hexdigest() and body["size"] == len(content)
    assert Evidence.objects.count() == 1 and len(stored(media)) == 1
    assert fresh(report).version == 2
    # the report shows it on its line
    line = c.get(f"/api/v1/reports/{report.pk}").json()["lines"][0]
    assert [e["id"] for e in line["evidence"]] == [body["id"]]

    # download: an attachment, never sniffed; scoped
    download = c.get(body["download"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"
    assert bearer("hni_leader").get(body["download"]).status_code == 200  # the accepting level
    assert problem(bearer("hcm_officer").get(body["download"]), 404)["code"] == "not_found"
    assert problem(bearer("hcm_officer").delete(f"/api/v1/evidence/{body['id']}"), 404)

    # removal: with a stale version refused, then done; the file goes after the commit
    stale = problem(c.delete(f"/api/v1/evidence/{body['id']}?version=1"), 409)
    assert stale["code"] == "stale_version"
    assert Evidence.objects.count() == 1
    assert problem(bearer("inspector").delete(f"/api/v1/evidence/{body['id']}"), 403)
    with_commit = c.delete(f"/api/v1/evidence/{body['id']}?version=2")
    assert with_commit.status_code == 204
    assert not Evidence.objects.exists()


def test_a_classified_file_is_refused_with_the_message(rworld, bearer, media):
    w = rworld
    report = create(w)
    task = w.tasks["hni_xa"]
    c = bearer("xa_ubnd_officer")
    audit_before = AuditEntry.objects.filter(action__startswith="reporting.evidence").count()

    # marked Mật: a file is refused, whatever it is
    marked = post_evidence(
        c, report, task, classification="mat", file=SimpleUploadedFile("a.pdf", pdf_bytes("Bao cao"))
    )
    body = problem(marked, 400)
    assert CLASSIFIED in body["detail"] and "classification" in body["errors"]
    # marked Thường but stamped MẬT at the top: refused too
    stamped = post_evidence(
        c, report, task, file=SimpleUploadedFile("bao-cao.docx", docx_bytes("MẬT", "Báo cáo kết quả"))
    )
    body = problem(stamped, 400)
    assert CLASSIFIED in body["detail"] and "file" in body["errors"]
    # an unknown kind and a missing title of a document: field errors
    assert "kind" in problem(post_evidence(c, report, task, kind="virus"), 400)["errors"]
    # nothing stored, nothing recorded, the version unchanged
    assert not Evidence.objects.exists() and stored(media) == []
    assert AuditEntry.objects.filter(action__startswith="reporting.evidence").count() == audit_before
    assert fresh(report).version == 1

    # the classified document is recorded by its number and date only
    doc = post_evidence(
        c, report, task, classification="mat", kind="document", doc_number="15-BC/TU", doc_date="10/03/2026"
    )
    assert doc.status_code == 201, doc.content
    assert doc.json()["doc_date"] == "2026-03-10" and doc.json()["download"] is None
    assert problem(c.get(f"/api/v1/evidence/{doc.json()['id']}"), 404)


def test_upload_refusals(rworld, bearer, media):
    w = rworld
    report = create(w)
    task = w.tasks["hni_xa"]
    # outside the scope: not found; an inspector: refused; a task without a line: not found
    file = SimpleUploadedFile("a.pdf", pdf_bytes("x"))
    assert problem(post_evidence(bearer("hcm_officer"), report, task, file=file), 404)
    file = SimpleUploadedFile("a.pdf", pdf_bytes("x"))
    assert problem(post_evidence(bearer("inspector"), report, task, file=file), 403)
    file = SimpleUploadedFile("a.pdf", pdf_bytes("x"))
    assert problem(post_evidence(bearer("xa_ubnd_officer"), report, w.tasks["hcm"], file=file), 404)
    assert not Evidence.objects.exists() and stored(media) == []


# --- KPI values ----------------------------------------------------------------------------


def put(client, url, body, **headers):
    return client.generic("PUT", url, json.dumps(body), content_type="application/json", **headers)


def test_kpi_rows_and_values(rworld, bearer):
    w = rworld
    ind = indicator(w.bo_khcn, "NQ57-DVC-01")
    kpi(w.tasks["hni_xa"], ind)
    report = create(w)
    c = bearer("xa_ubnd_officer")
    url = f"/api/v1/reports/{report.pk}/observations"

    rows = c.get(f"/api/v1/reports/{report.pk}/kpis").json()
    assert rows["count"] == 1
    row = rows["items"][0]
    assert row["indicator"]["code"] == "NQ57-DVC-01" and row["unit"] == "%" and row["observation"] is None
    assert [t["id"] for t in row["tasks"]] == [w.tasks["hni_xa"].pk]

    saved = put(
        c, url, {"indicator": "NQ57-DVC-01", "value": "45,5", "version": 1}, HTTP_IDEMPOTENCY_KEY="o-1"
    )
    assert saved.status_code == 200, saved.content
    again = put(
        c, url, {"indicator": "NQ57-DVC-01", "value": "45,5", "version": 1}, HTTP_IDEMPOTENCY_KEY="o-1"
    )
    assert again.status_code == 200 and again.json() == saved.json()
    assert saved.json()["value"] == "45.5" and saved.json()["is_outlier"] is False
    assert Observation.objects.get().value == Decimal("45.5")
    assert fresh(report).version == 2
    assert c.get(f"/api/v1/reports/{report.pk}").json()["observations"][0]["value"] == "45.5"

    # refusals: another unit, not a KPI of the report, a stale version; nothing changes
    unit = problem(
        put(c, url, {"indicator": "NQ57-DVC-01", "value": "3", "unit": "người", "version": 2}), 400
    )
    assert "unit" in unit["errors"]
    other = problem(put(c, url, {"indicator": "KHONG-CO", "value": "3", "version": 2}), 400)
    assert "indicator" in other["errors"]
    stale = problem(put(c, url, {"indicator": "NQ57-DVC-01", "value": "50", "version": 1}), 409)
    assert stale["code"] == "stale_version"
    assert problem(put(bearer("inspector"), url, {"indicator": "NQ57-DVC-01", "value": "50"}), 403)
    assert problem(put(bearer("hcm_officer"), url, {"indicator": "NQ57-DVC-01", "value": "50"}), 404)
    assert Observation.objects.get().value == Decimal("45.5")
    assert PeriodReport.objects.get(pk=report.pk).version == 2
