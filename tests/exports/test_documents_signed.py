"""An accepted period report as a signed PDF: signed with the configured certificate, verifiable
offline, audited with the file's hash; refused (with a message) before acceptance; scoped."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.management import call_command
from django.test import Client

from resmon.audit.models import AuditEntry
from resmon.exports import signing
from tests.exports.documents_helpers import filed

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(settings, tmp_path):
    path = tmp_path / "signing" / "demo-signer.p12"
    settings.SIGNING_DEMO_P12_PATH = settings.SIGNING_P12_PATH = path
    settings.SIGNING_P12_PASSWORD = settings.SIGNING_TSA_URL = ""
    call_command("make_demo_certificate", stdout=io.StringIO())
    return path


def signed_rows():
    return AuditEntry.objects.filter(action="exports.report_signed")


def test_an_accepted_report_downloads_signed_and_verifies(rworld, certificate, bearer):
    report = filed(rworld)
    client = Client()
    client.force_login(rworld.users["hni_officer"])
    response = client.get(f"/exports/reports/{report.pk}/document.signed.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('-HNI-X1-UBND.signed.pdf"')
    result = signing.verify_pdf(response.content)
    assert result.verdict == signing.TRUSTED, result
    check = result.signatures[0]
    assert "Resmon demo signer" in check.signer_name and check.intact and check.covers_whole_file
    assert check.reason == "Period report accepted by Thành ủy Hà Nội" and check.location == "Hà Nội"
    row = signed_rows().get()
    assert (
        row.object_id == str(report.pk)
        and row.after["sha256"] == hashlib.sha256(response.content).hexdigest()
    )
    # the API gives a signed file too
    api = bearer("hni_officer").get(f"/api/v1/reports/{report.pk}/document.signed.pdf")
    assert api.status_code == 200 and signing.verify_pdf(api.content).verdict == signing.TRUSTED


def test_a_report_not_accepted_is_not_signed(rworld, certificate, bearer):
    report = filed(rworld, accept=False)
    api = bearer("hni_officer").get(f"/api/v1/reports/{report.pk}/document.signed.pdf")
    assert api.status_code == 400 and api.json()["code"] == "report_not_accepted"
    client = Client()
    client.force_login(rworld.users["hni_officer"])
    page = client.get(f"/exports/reports/{report.pk}/document.signed.pdf", follow=True)
    assert page.redirect_chain[-1][0] == f"/reports/{report.pk}/"
    assert "Only an accepted report is signed" in page.content.decode()
    assert not signed_rows().exists()


def test_without_a_certificate_a_clear_message(rworld, settings, tmp_path, bearer):
    settings.SIGNING_P12_PATH = tmp_path / "missing.p12"
    report = filed(rworld)
    api = bearer("hni_officer").get(f"/api/v1/reports/{report.pk}/document.signed.pdf")
    assert api.status_code == 400 and "make_demo_certificate" in api.json()["detail"]
    assert not signed_rows().exists()


def test_out_of_scope_is_404(rworld, certificate, bearer):
    report = filed(rworld)
    assert bearer("hcm_officer").get(f"/api/v1/reports/{report.pk}/document.signed.pdf").status_code == 404
    client = Client()
    client.force_login(rworld.users["hcm_officer"])
    assert client.get(f"/exports/reports/{report.pk}/document.signed.pdf").status_code == 404
    assert not signed_rows().exists()
