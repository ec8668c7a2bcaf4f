"""Evidence on the report page: the upload form (classification first), refusals next to their
field with nothing stored, removal, and the download (scoped, attachment, nosniff)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from resmon.reporting.models import Evidence, ReportLine
from tests.reporting.evidence_samples import pdf_bytes, upload
from tests.reporting.page_helpers import client_for, report_url
from tests.reporting.reports_helpers import create, fresh
from tests.web.helpers import assert_safe_page

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


def post_evidence(client, report, line, **fields):
    prefix = f"ev{line.pk}-"
    data = {
        "classification": "thuong",
        "kind": "file",
        "title": "Kế hoạch triển khai",
        "url": "",
        "doc_number": "",
        "doc_date": "",
        "version": fresh(report).version,
        "idempotency_key": "",
        **fields,
    }
    return client.post(
        reverse("reporting:evidence_add", args=[report.pk, line.pk]),
        {prefix + k: v for k, v in data.items()},
    )


def test_upload_list_download_and_remove_a_file(rworld, media):
    w = rworld
    report = create(w)
    line = ReportLine.objects.get(report=report)
    c = client_for(w, "xa_ubnd_officer")
    content = pdf_bytes("Ke hoach so 12")
    response = post_evidence(c, report, line, file=upload("ke-hoach.pdf", content, "application/pdf"))
    assert response.status_code == 302
    assert response["Location"] == report_url(report) + f"#line-{line.pk}"
    ev = Evidence.objects.get()
    assert ev.title == "Kế hoạch triển khai" and ev.original_name == "ke-hoach.pdf"
    html = assert_safe_page(c.get(report_url(report)))
    download = reverse("reporting:evidence", args=[report.pk, ev.pk])
    assert download in html and "The evidence has been added." in html
    # the download: an attachment the browser may not sniff, to whoever sees the report
    for reader in ("xa_ubnd_officer", "hni_leader", "inspector"):
        response = client_for(w, reader).get(download)
        assert response.status_code == 200, reader
        assert response["Content-Disposition"].startswith("attachment")
        assert "ke-hoach.pdf" in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == content
    assert client_for(w, "hcm_officer").get(download).status_code == 404
    other = create(w, actor="sysadmin", agency=w.hni_ubnd)  # the evidence under another report's URL
    wrong = reverse("reporting:evidence", args=[other.pk, ev.pk])
    assert client_for(w, "hni_officer").get(wrong).status_code == 404
    # remove it (the version of the report moved on with the upload: the form carries the new one)
    response = c.post(
        reverse("reporting:evidence_remove", args=[report.pk, ev.pk]), {"version": fresh(report).version}
    )
    assert response.status_code == 302
    assert not Evidence.objects.exists()


def test_a_classified_file_is_refused_next_to_the_classification_and_nothing_is_stored(rworld, media):
    w = rworld
    report = create(w)
    line = ReportLine.objects.get(report=report)
    c = client_for(w, "xa_ubnd_officer")
    response = post_evidence(
        c,
        report,
        line,
        classification="mat",
        title="Báo cáo mật số 5",
        file=upload("bao-cao.pdf", pdf_bytes("Noi dung"), "application/pdf"),
    )
    assert response.status_code == 200
    html = assert_safe_page(response)
    form = response.context["lines"][0].ev_form
    assert "classification" in form.errors
    assert "must not be uploaded or linked here" in html
    assert 'value="Báo cáo mật số 5"' in html  # the title typed is kept; the file must be chosen again
    assert '<details class="evidence-upload" open>' in html
    assert not Evidence.objects.exists() and stored(media) == []
    # recorded the right way: number and date only
    response = post_evidence(
        c,
        report,
        line,
        classification="mat",
        kind="document",
        title="Báo cáo mật số 5",
        doc_number="5-BC/UBND",
        doc_date="10/03/2026",
    )
    assert response.status_code == 302
    ev = Evidence.objects.get()
    assert ev.kind == "document" and ev.doc_number == "5-BC/UBND" and not ev.file
    html = c.get(report_url(report)).content.decode()
    download = reverse("reporting:evidence", args=[report.pk, ev.pk])
    assert "5-BC/UBND" in html and f'href="{download}"' not in html  # nothing to download


def test_evidence_cannot_be_added_by_a_reader_or_outside_the_scope(rworld, media):
    w = rworld
    report = create(w)
    line = ReportLine.objects.get(report=report)
    pdf = pdf_bytes("x")
    response = post_evidence(client_for(w, "inspector"), report, line, file=upload("a.pdf", pdf))
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    response = post_evidence(client_for(w, "hcm_officer"), report, line, file=upload("a.pdf", pdf))
    assert response.status_code == 404
    assert not Evidence.objects.exists() and stored(media) == []
