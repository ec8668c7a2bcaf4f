"""Evidence uploads are judged by their content, never by their name or the browser's claim: an
executable or a web page renamed .pdf is refused, a PDF that would run something (scripts, launch
actions, embedded files — also when hidden behind "#xx" escapes or inside a compressed object
stream) is refused, and nothing is stored; a plain PDF with a misleading declared type is kept as
what it is."""

from __future__ import annotations

import io
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from resmon.core.errors import ValidationFailed
from resmon.reporting.models import Evidence
from resmon.reporting.services import evidence
from tests.reporting.evidence_samples import EXE, HTML, _pdf, _stream, pdf_bytes
from tests.reporting.reports_helpers import create

pytestmark = pytest.mark.django_db

CATALOG_WITH_ACTION = b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"


def pdf_with(action: bytes) -> bytes:
    return _pdf([CATALOG_WITH_ACTION, PAGES, PAGE, action])


ACTIVE_PDFS = {
    "a script run on opening": pdf_with(b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"),
    "an escaped script name": pdf_with(b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"),
    "a program launched": pdf_with(b"<< /S /Launch /F (cmd.exe) >>"),
    "an embedded file": _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 4 0 R >> >>",
            PAGES,
            PAGE,
            b"<< /Names [(x.exe) 5 0 R] >>",
            _stream(EXE, extra=b" /Type /EmbeddedFile"),
        ]
    ),
    "a script inside a compressed object stream": _pdf(
        [
            CATALOG_WITH_ACTION,
            PAGES,
            PAGE,
            _stream(
                b"4 0 << /S /JavaScript /JS (x) >>", compress=True, extra=b" /Type /ObjStm /N 1 /First 4"
            ),
        ]
    ),
}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def line(rworld):
    report = create(rworld)
    return report.lines.get(task=rworld.tasks["hni_xa"])


def add(rworld, line, name: str, content: bytes, content_type: str = "application/pdf"):
    return evidence.add_evidence(
        rworld.users["xa_ubnd_officer"],
        line,
        classification="thuong",
        kind="file",
        title="",
        upload=SimpleUploadedFile(name, content, content_type=content_type),
    )


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    ("name", "content"),
    [("bao-cao.pdf", EXE), ("anh.png", HTML), ("bien-ban.docx", EXE), ("scan.jpg", b"#!/bin/sh\nrm -rf /\n")],
)
def test_a_disguised_file_is_refused_by_its_content(rworld, line, media, name, content):
    with pytest.raises(ValidationFailed) as info:
        add(rworld, line, name, content)
    assert info.value.code == "file_type" and "not accepted as evidence" in str(info.value)
    assert not Evidence.objects.exists() and stored_files(media) == []


@pytest.mark.parametrize("what", sorted(ACTIVE_PDFS))
def test_a_pdf_with_active_content_is_refused(rworld, line, media, what):
    with pytest.raises(ValidationFailed) as info:
        add(rworld, line, "bao-cao.pdf", ACTIVE_PDFS[what])
    assert info.value.code == "file_active_content" and "Print it to a new PDF" in str(info.value)
    assert not Evidence.objects.exists() and stored_files(media) == []


def test_a_plain_pdf_is_kept_as_what_its_content_says(rworld, line, media):
    ev = add(
        rworld, line, "bao-cao.pdf", pdf_bytes("Bao cao ket qua"), content_type="application/x-msdownload"
    )
    assert ev.content_type == "application/pdf" and len(stored_files(media)) == 1


def test_the_api_refuses_an_executable_renamed_pdf(rworld, bearer, media):
    report = create(rworld)
    task = rworld.tasks["hni_xa"]
    response = bearer("xa_ubnd_officer").post(
        f"/api/v1/reports/{report.pk}/lines/{task.pk}/evidence",
        {
            "classification": "thuong",
            "kind": "file",
            "file": SimpleUploadedFile("hop-dong.pdf", EXE, content_type="application/pdf"),
        },
    )
    assert response.status_code == 400 and response.json()["code"] == "file_type"
    assert "file" in response.json()["errors"]
    assert not Evidence.objects.exists() and stored_files(media) == []


def test_compressed_streams_are_read_within_bounds():
    """A stream that inflates enormously is read no further than the limit (no memory blow-up)."""
    from resmon.reporting.services import filetypes

    bomb = zlib.compress(b"\0" * (32 * 1024 * 1024))
    content = _pdf(
        [b"<< /Type /Catalog /Pages 2 0 R >>", PAGES, PAGE, _stream(bomb, extra=b" /Filter /FlateDecode")]
    )
    assert filetypes.pdf_active_content(io.BytesIO(content)) is None
