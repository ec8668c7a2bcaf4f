"""/api/v1/documents: 202 and a URL to poll, the status and progress, the file once done (409
before), the list, deletion; bad input a 400 naming the field, out of scope a 404 — problem+json."""

from __future__ import annotations

import pytest

from resmon.exports.models import StoredDocument
from resmon.exports.stored import services as stored
from tests.exports.overview_helpers import SUMMARY, summary, workbook
from tests.exports.stored.helpers import audit, made
from tests.reporting.helpers import quarter

pytestmark = pytest.mark.django_db
Status = StoredDocument.Status
PROBLEM = "application/problem+json"


def test_ask_poll_download(dworld, bearer):
    api = bearer("hni_leader", confirmed=True)  # the whole province: "confirm it is you" first
    body = {
        "format": "xlsx",
        "agency": dworld.hni.pk,
        "resolution": dworld.res.pk,
        "period": quarter("2026-Q1").pk,
    }
    response = api.post("/api/v1/documents", body, content_type="application/json")
    assert response.status_code == 202, response.content
    data = response.json()
    assert data["url"] == f"/api/v1/documents/{data['id']}"
    assert (data["status"], data["status_label"], data["progress"], data["file_url"]) == (
        "queued",
        "Waiting to start",
        0,
        None,
    )
    assert (data["agency"]["id"], data["resolution"]["number"], data["period"]["code"]) == (
        dworld.hni.pk,
        "57-NQ/TW",
        "2026-Q1",
    )
    assert data["requested_by"] == "hni_leader" and data["scheduled"] is False

    # while it is not ready: the file is a 409 saying so
    response = api.get(f"/api/v1/documents/{data['id']}/file")
    assert response.status_code == 409 and response["Content-Type"].startswith(PROBLEM)
    assert response.json()["code"] == "document_not_ready" and response.json()["document_status"] == "queued"
    StoredDocument.objects.filter(pk=data["id"]).update(status=Status.RUNNING, progress=10)
    running = api.get(data["url"]).json()
    assert (running["status"], running["progress"]) == ("running", 10)
    response = api.get(f"/api/v1/documents/{data['id']}/file")
    assert response.status_code == 409 and response.json()["document_status"] == "running"
    StoredDocument.objects.filter(pk=data["id"]).update(status=Status.QUEUED, progress=0)

    made(StoredDocument.objects.get(pk=data["id"]))
    done = api.get(data["url"]).json()
    assert (done["status"], done["progress"], done["progress_note"]) == ("done", 100, "Ready to download")
    assert done["file_url"] == f"/api/v1/documents/{data['id']}/file" and len(done["sha256"]) == 64
    response = api.get(done["file_url"])
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{done["filename"]}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    content = b"".join(response.streaming_content)
    assert len(content) == done["size"]
    assert summary(workbook(content)[SUMMARY])["Nghị quyết"] == "57-NQ/TW"
    assert audit("exports.document_downloaded").count() == 1


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"format": "exe"}, 400, "format"),
        ({"format": "pdf", "kind": "minutes"}, 400, "kind"),
        ({"format": "pdf", "period": 999999}, 400, "period"),
        ({"format": "pdf", "resolution": 999999}, 400, "resolution"),
        ({"format": "pdf", "agency": 0}, 400, "agency"),
        ({"format": "pdf", "agency": 2**70}, 400, "agency"),
        ({}, 400, "format"),
        ({"format": "pdf", "agency": "x"}, 400, "agency"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(dworld, bearer, body, status, field):
    api = bearer("hni_leader", confirmed=True)  # by default the whole province
    response = api.post("/api/v1/documents", body, content_type="application/json")
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    assert field in response.json()["errors"]
    assert not StoredDocument.objects.exists()


def test_outside_the_scope_is_a_404(dworld, bearer):
    api = bearer("hni_leader")
    response = api.post(
        "/api/v1/documents", {"format": "pdf", "agency": dworld.hcm.pk}, content_type="application/json"
    )
    assert response.status_code == 404 and response["Content-Type"].startswith(PROBLEM)
    theirs = made(stored.request_overview_document(dworld.users["hcm_officer"], "xlsx"))
    for url in (f"/api/v1/documents/{theirs.pk}", f"/api/v1/documents/{theirs.pk}/file"):
        assert api.get(url).status_code == 404
    assert api.delete(f"/api/v1/documents/{theirs.pk}").status_code == 404
    assert api.get("/api/v1/documents", {"agency": dworld.hcm.pk}).status_code == 404
    assert StoredDocument.objects.filter(pk=theirs.pk).exists()


def test_a_second_identical_request_is_a_409_pointing_to_the_first(dworld, bearer):
    api = bearer("hni_leader", confirmed=True)
    first = api.post("/api/v1/documents", {"format": "pdf"}, content_type="application/json").json()
    response = api.post("/api/v1/documents", {"format": "pdf"}, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["code"] == "document_pending" and response.json()["document"] == first["id"]


def test_the_list(dworld, bearer):
    stored.generate_period_documents()
    mine = made(stored.request_overview_document(dworld.users["hni_leader"], "docx", agency=dworld.hni_xa.pk))
    api = bearer("hni_leader")
    data = api.get("/api/v1/documents").json()
    assert data["count"] == 3
    assert data["items"][0]["id"] == mine.pk  # newest first
    assert {i["scheduled"] for i in data["items"][1:]} == {True}
    assert api.get("/api/v1/documents", {"mine": "true"}).json()["count"] == 1
    assert api.get("/api/v1/documents", {"status": "done"}).json()["count"] == 1
    assert (
        api.get("/api/v1/documents", {"format": "pdf", "period": quarter("2026-Q1").pk}).json()["count"] == 1
    )
    assert api.get("/api/v1/documents", {"agency": dworld.hni_xa.pk}).json()["count"] == 1
    assert api.get("/api/v1/documents", {"limit": 1, "offset": 1}).json()["count"] == 3
    assert len(api.get("/api/v1/documents", {"limit": 1, "offset": 1}).json()["items"]) == 1
    for bad in ({"status": "lost"}, {"format": "exe"}, {"kind": "x"}, {"period": 999999}, {"limit": 501}):
        response = api.get("/api/v1/documents", bad)
        assert response.status_code == 400 and response["Content-Type"].startswith(PROBLEM), bad
    assert bearer("hcm_officer").get("/api/v1/documents").json()["count"] == 2  # Hồ Chí Minh's own


def test_delete(dworld, bearer):
    stored.generate_period_documents()
    mine = made(stored.request_overview_document(dworld.users["hni_leader"], "xlsx"))
    api = bearer("hni_leader")
    scheduled = StoredDocument.objects.filter(agency=dworld.hni, requested_by__isnull=True).first()
    response = api.delete(f"/api/v1/documents/{scheduled.pk}")
    assert response.status_code == 403 and "Only a system administrator" in response.json()["detail"]
    assert api.delete(f"/api/v1/documents/{mine.pk}").status_code == 204
    assert api.get(f"/api/v1/documents/{mine.pk}").status_code == 404
    assert bearer("sysadmin").delete(f"/api/v1/documents/{scheduled.pk}").status_code == 204
    assert [e.object_id for e in audit("exports.document_deleted").order_by("id")] == [
        str(mine.pk),
        str(scheduled.pk),
    ]
