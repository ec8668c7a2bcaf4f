"""The verification page (/exports/verify/) and POST /api/v1/signatures/verify: any signed-in user,
nothing stored, oversized files refused with a message."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from resmon.audit.models import AuditEntry
from resmon.exports.signing import certificates
from tests.exports import test_signing
from tests.exports.test_signing import byte_range, flip, unsigned_pdf

# the fixtures of the signing tests: a demo certificate in tmp_path, a PDF signed with it
frozen = test_signing.frozen
signing_cert = test_signing.signing_cert
signed_pdf = test_signing.signed_pdf

pytestmark = pytest.mark.django_db

URL = "/api/v1/signatures/verify"


def upload(data: bytes, name: str = "bao-cao.pdf") -> dict[str, SimpleUploadedFile]:
    return {"file": SimpleUploadedFile(name, data, content_type="application/pdf")}


@pytest.fixture
def officer(world) -> Client:
    client = Client()
    client.force_login(world.users["xa_officer"])
    return client


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def tampered(signed: bytes) -> bytes:
    return flip(signed, signed.index(b"stream\n", byte_range(signed)[0]) + 20)


# --- the page -----------------------------------------------------------------------------------


def test_the_page_shows_the_form(officer):
    response = officer.get(reverse("exports:verify"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert "Verify a signed PDF" in html and "20 MB" in html


def test_anonymous_users_are_sent_to_sign_in(db):
    response = Client().get(reverse("exports:verify"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_signed_pdf_shows_signer_time_and_integrity(officer, signed_pdf, media):
    before = AuditEntry.objects.count()
    response = officer.post(reverse("exports:verify"), upload(signed_pdf))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-verdict="trusted"' in html
    assert "Signed, intact, trusted certificate" in html
    assert certificates.DEMO_COMMON_NAME in html
    assert "17/03/2026 10:00:00" in html
    assert "Not changed after signing" in html
    assert "This system's signing certificate" in html
    assert "self-signed" in html
    # a read of the user's own file: nothing stored, nothing written to the audit log
    assert not media.exists() or not any(media.rglob("*"))
    assert AuditEntry.objects.count() == before


def test_a_changed_pdf_is_shown_as_changed(officer, signed_pdf):
    response = officer.post(reverse("exports:verify"), upload(tampered(signed_pdf)))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-verdict="altered"' in html
    assert "The document was changed after it was signed" in html


@pytest.mark.parametrize(
    ("data", "verdict", "text"),
    [
        (None, "not_signed", "This PDF carries no digital signature"),
        (b"plain text", "unreadable", "This file cannot be read as a PDF"),
    ],
)
def test_unsigned_and_garbage_files_get_a_verdict(officer, signing_cert, data, verdict, text):
    response = officer.post(reverse("exports:verify"), upload(data if data is not None else unsigned_pdf()))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-verdict="{verdict}"' in html and text in html


def test_an_oversized_file_is_refused_with_a_message(officer, signed_pdf, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    response = officer.post(reverse("exports:verify"), upload(signed_pdf))
    assert response.status_code == 413
    html = response.content.decode()
    assert "The file is too large" in html and "the limit is 1 KB" in html
    assert "data-verdict" not in html


def test_posting_without_a_file_asks_for_one(officer):
    response = officer.post(reverse("exports:verify"), {})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


# --- the API ------------------------------------------------------------------------------------


def test_the_api_verifies_a_signed_pdf(bearer, signed_pdf):
    client = bearer("hcm_officer")
    before = AuditEntry.objects.count()
    response = client.post(URL, upload(signed_pdf))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["verdict"] == "trusted"
    assert body["signed"] and body["intact"] and body["trusted"]
    (sig,) = body["signatures"]
    assert sig["signer_name"] == certificates.DEMO_COMMON_NAME
    assert sig["signer_organisation"] == "Văn phòng Trung ương Đảng (demo)"
    assert sig["signed_at"] == "2026-03-17T10:00:00+07:00"
    assert sig["intact"] and sig["covers_whole_file"] and sig["self_signed"] and sig["configured_certificate"]
    assert len(sig["certificate_fingerprint"].split(":")) == 32
    assert AuditEntry.objects.count() == before


def test_the_api_reports_a_changed_pdf(bearer, signed_pdf):
    body = bearer("hcm_officer").post(URL, upload(tampered(signed_pdf))).json()
    assert body["verdict"] == "altered"
    assert not body["intact"]
    assert body["signatures"][0]["bytes_intact"] is False


def test_the_api_gives_garbage_a_verdict(bearer, signing_cert):
    response = bearer("hcm_officer").post(URL, upload(b"", name="empty.pdf"))
    assert response.status_code == 200
    assert response.json()["verdict"] == "unreadable"


def test_the_api_refuses_anonymous_callers(db, signed_pdf):
    response = Client().post(URL, upload(signed_pdf))
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")


def test_the_api_refuses_an_oversized_file(bearer, signed_pdf, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    response = bearer("hcm_officer").post(URL, upload(signed_pdf))
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "file_too_large"
    assert "the limit is 1 KB" in body["detail"]


def test_the_api_asks_for_the_file(bearer):
    response = bearer("hcm_officer").post(URL, {})
    assert response.status_code == 400
    assert response.json()["errors"] == {"file": ["Attach the PDF file in the field “file”."]}


def test_the_audit_log_links_to_the_page(world):
    client = Client()
    client.force_login(world.users["sysadmin"])
    html = client.get(reverse("audit:log")).content.decode()
    assert f'href="{reverse("exports:verify")}"' in html
