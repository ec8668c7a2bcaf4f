"""Signed PDFs: signing with the configured certificate, offline verification, the demo certificate
and the two commands. Every certificate lives in tmp_path (never var/ of the checkout), and nothing
reaches the network."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from resmon.core import clock
from resmon.core.errors import ValidationFailed
from resmon.exports import signing
from resmon.exports.signing import certificates

# 17/03/2026 10:00 in Hà Nội, like the other tests' frozen clock.
NOW = dt.datetime(2026, 3, 17, 3, 0, tzinfo=dt.UTC)

_unsigned_pdf: bytes | None = None


def unsigned_pdf() -> bytes:
    """A small real PDF, made once by weasyprint from Vietnamese text."""
    global _unsigned_pdf
    if _unsigned_pdf is None:
        from weasyprint import HTML

        _unsigned_pdf = HTML(
            string="<h1>BÁO CÁO</h1><p>Kết quả thực hiện Nghị quyết 57-NQ/TW, quý I năm 2026.</p>"
        ).write_pdf()
    return _unsigned_pdf


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def signing_cert(settings, tmp_path, frozen) -> Path:
    """The demo certificate made by the command, in tmp_path."""
    path = tmp_path / "signing" / "demo-signer.p12"
    settings.SIGNING_DEMO_P12_PATH = path
    settings.SIGNING_P12_PATH = path
    settings.SIGNING_P12_PASSWORD = ""
    settings.SIGNING_TSA_URL = ""
    call_command("make_demo_certificate", stdout=io.StringIO())
    return path


@pytest.fixture
def signed_pdf(signing_cert) -> bytes:
    return signing.sign_pdf(unsigned_pdf(), reason="Báo cáo đã tiếp nhận", location="Hà Nội")


def flip(data: bytes, position: int) -> bytes:
    changed = bytearray(data)
    changed[position] ^= 0x01
    return bytes(changed)


def byte_range(data: bytes) -> list[int]:
    (embedded,) = PdfFileReader(io.BytesIO(data), strict=False).embedded_regular_signatures
    return list(embedded.byte_range)


# --- signing and verifying ----------------------------------------------------------------------


def test_a_signed_pdf_verifies_as_intact_with_signer_and_time(signed_pdf):
    original = unsigned_pdf()
    assert signed_pdf.startswith(original), "the signature is an incremental update: the original stays"

    result = signing.verify_pdf(signed_pdf)

    assert result.verdict == signing.TRUSTED
    assert result.signed and result.intact and result.trusted
    (sig,) = result.signatures
    assert sig.signer_name == certificates.DEMO_COMMON_NAME
    assert sig.signer_organisation == "Văn phòng Trung ương Đảng (demo)"
    assert sig.signed_at == clock.now()  # the frozen server clock
    assert sig.signed_at.strftime("%d/%m/%Y %H:%M") == "17/03/2026 10:00"  # shown in Vietnam time
    assert str(sig.signed_at.tzinfo) == "Asia/Ho_Chi_Minh"
    assert sig.time_source == "signer"
    assert (sig.reason, sig.location, sig.field_name) == ("Báo cáo đã tiếp nhận", "Hà Nội", "Signature1")
    assert sig.covers_whole_file and sig.configured_certificate and sig.self_signed
    assert sig.problem == ""
    assert "self-signed demonstration certificate" in result.message


def test_one_changed_byte_inside_the_signed_range_is_detected(signed_pdf):
    start, first_len, second_start, second_len = byte_range(signed_pdf)
    stream_data = signed_pdf.index(b"stream\n", start) + 20  # inside a page's compressed content
    assert stream_data < start + first_len

    result = signing.verify_pdf(flip(signed_pdf, stream_data))

    assert result.verdict == signing.ALTERED
    assert not result.intact
    (sig,) = result.signatures
    assert not sig.intact and not sig.bytes_intact
    assert sig.signer_name == certificates.DEMO_COMMON_NAME  # who signed is still reported
    assert "changed after signing" in sig.problem
    assert result.message == "The document was changed after it was signed: do not rely on this copy."


def test_no_single_byte_change_anywhere_in_the_signed_range_passes(signed_pdf):
    start, first_len, second_start, second_len = byte_range(signed_pdf)
    positions = [*range(start, start + first_len, 97), *range(second_start, second_start + second_len, 53)]
    for position in positions:
        result = signing.verify_pdf(flip(signed_pdf, position))
        assert not result.intact, f"a change at byte {position} went unnoticed"
        assert result.verdict in (signing.ALTERED, signing.UNREADABLE, signing.NOT_SIGNED), position


def test_a_change_to_the_signature_itself_is_detected(signed_pdf):
    start, first_len, second_start, _ = byte_range(signed_pdf)
    inside_contents = (start + first_len + second_start) // 2  # the hex of the signature container
    result = signing.verify_pdf(flip(signed_pdf, inside_contents))
    assert not result.intact


def test_content_replaced_in_a_later_update_is_detected(signed_pdf):
    """Appending a revision that swaps the page content keeps the signed bytes, but is not allowed."""
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_pdf), strict=False)
    page = writer.root["/Pages"]["/Kids"][0]
    page["/Contents"] = writer.add_object(
        generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 72 Td (GIA) Tj ET")
    )
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)

    result = signing.verify_pdf(out.getvalue())

    assert result.verdict == signing.ALTERED
    (sig,) = result.signatures
    assert sig.bytes_intact and not sig.covers_whole_file and not sig.intact


def test_a_second_signature_keeps_the_first_one_intact(signed_pdf):
    twice = signing.sign_pdf(signed_pdf, reason="Lưu", location="Hà Nội", field_name="Signature2")
    result = signing.verify_pdf(twice)
    assert result.verdict == signing.TRUSTED
    first, second = result.signatures
    assert first.intact and first.later_changes_allowed and not first.covers_whole_file
    assert second.intact and second.covers_whole_file


def test_an_unsigned_pdf_is_reported_as_not_signed(signing_cert):
    result = signing.verify_pdf(unsigned_pdf())
    assert result.verdict == signing.NOT_SIGNED
    assert not result.signed and not result.intact
    assert result.signatures == []
    assert "no digital signature" in result.message


@pytest.mark.parametrize(
    "data",
    [b"", b"not a pdf at all", b"\x00" * 5000, b"%PDF-1.7\n1 0 obj << /Type /Catalog", b"%PDF-"],
    ids=["empty", "text", "zeros", "broken-pdf", "header-only"],
)
def test_garbage_gets_a_clear_verdict(signing_cert, data):
    result = signing.verify_pdf(data)
    assert result.verdict == signing.UNREADABLE
    assert not result.intact
    assert result.message == "This file cannot be read as a PDF: it is empty, damaged or not a PDF at all."


def test_a_truncated_signed_pdf_is_not_intact(signed_pdf):
    for cut in (len(signed_pdf) // 3, len(signed_pdf) // 2, len(signed_pdf) - 200):
        result = signing.verify_pdf(signed_pdf[:cut])
        assert not result.intact, cut


def test_a_pdf_signed_by_another_certificate_is_intact_but_not_trusted(signed_pdf, frozen):
    call_command("make_demo_certificate", force=True, stdout=io.StringIO())  # a new key replaces the old

    result = signing.verify_pdf(signed_pdf)

    assert result.verdict == signing.INTACT_UNTRUSTED
    assert result.intact and not result.trusted
    (sig,) = result.signatures
    assert sig.intact and not sig.trusted and not sig.configured_certificate
    assert "not one this system trusts" in result.message


def test_verification_works_without_a_configured_certificate(signed_pdf, settings, tmp_path):
    settings.SIGNING_P12_PATH = tmp_path / "none.p12"
    result = signing.verify_pdf(signed_pdf)
    assert result.verdict == signing.INTACT_UNTRUSTED
    assert result.signatures[0].signer_name == certificates.DEMO_COMMON_NAME


# --- a missing or unusable certificate ------------------------------------------------------------


def test_signing_without_a_certificate_is_refused_with_a_clear_message(settings, tmp_path):
    settings.SIGNING_P12_PATH = tmp_path / "missing.p12"
    with pytest.raises(ValidationFailed) as caught:
        signing.sign_pdf(unsigned_pdf(), reason="x", location="y")
    assert str(caught.value) == (
        "No signing certificate is configured: run `manage.py make_demo_certificate` "
        "or set RESMON_SIGNING_P12."
    )
    assert caught.value.status == 400


def test_a_damaged_certificate_file_is_refused(settings, tmp_path):
    path = tmp_path / "damaged.p12"
    path.write_bytes(b"not a PKCS#12 file")
    settings.SIGNING_P12_PATH = path
    with pytest.raises(ValidationFailed, match="cannot be read"):
        signing.sign_pdf(unsigned_pdf(), reason="x", location="y")


def test_a_wrong_password_is_refused(signing_cert, settings):
    settings.SIGNING_P12_PASSWORD = "sai-mat-khau"
    with pytest.raises(ValidationFailed, match="RESMON_SIGNING_P12_PASSWORD"):
        signing.sign_pdf(unsigned_pdf(), reason="x", location="y")


def test_an_expired_certificate_is_refused(signing_cert):
    later = time_machine.travel(NOW + dt.timedelta(days=800), tick=False)
    with later, pytest.raises(ValidationFailed, match="expired"):
        signing.sign_pdf(unsigned_pdf(), reason="x", location="y")


def test_signing_something_that_is_not_a_pdf_is_refused(signing_cert):
    with pytest.raises(ValidationFailed, match="not a readable PDF"):
        signing.sign_pdf(b"hello", reason="x", location="y")


# --- manage.py make_demo_certificate ------------------------------------------------------------


def test_make_demo_certificate_creates_a_private_self_signed_file_once(settings, tmp_path, frozen):
    path = tmp_path / "var" / "signing" / "demo-signer.p12"
    settings.SIGNING_DEMO_P12_PATH = settings.SIGNING_P12_PATH = path
    settings.SIGNING_P12_PASSWORD = ""
    out = io.StringIO()
    call_command("make_demo_certificate", stdout=out)

    text = out.getvalue()
    assert "SELF-SIGNED DEMO certificate" in text and "not a real certificate" in text
    assert str(path) in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    cert = certificates.load_material().certificate
    assert certificates.is_self_signed(cert)
    assert cert.not_valid_after_utc - cert.not_valid_before_utc >= dt.timedelta(days=730)
    assert "C=VN" in cert.subject.rfc4514_string()
    first = path.read_bytes()

    again = io.StringIO()
    call_command("make_demo_certificate", stdout=again)
    assert "already exists" in again.getvalue()
    assert path.read_bytes() == first  # idempotent

    call_command("make_demo_certificate", force=True, stdout=io.StringIO())
    assert path.read_bytes() != first  # --force replaces it


def test_make_demo_certificate_with_a_password_is_readable_with_that_password(settings, tmp_path, frozen):
    settings.SIGNING_DEMO_P12_PATH = settings.SIGNING_P12_PATH = tmp_path / "demo.p12"
    settings.SIGNING_P12_PASSWORD = "mat-khau-demo"
    call_command("make_demo_certificate", stdout=io.StringIO())
    signed = signing.sign_pdf(unsigned_pdf(), reason="x", location="y")
    assert signing.verify_pdf(signed).verdict == signing.TRUSTED


def test_make_demo_certificate_leaves_a_configured_certificate_alone(settings, tmp_path):
    settings.SIGNING_DEMO_P12_PATH = tmp_path / "demo.p12"
    settings.SIGNING_P12_PATH = tmp_path / "real.p12"
    with pytest.raises(CommandError, match="RESMON_SIGNING_P12 is set"):
        call_command("make_demo_certificate", stdout=io.StringIO())
    assert not (tmp_path / "demo.p12").exists()


def test_make_demo_certificate_is_refused_where_demo_data_is(settings, tmp_path):
    settings.SIGNING_DEMO_P12_PATH = settings.SIGNING_P12_PATH = tmp_path / "demo.p12"
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="production"):
        call_command("make_demo_certificate", stdout=io.StringIO())
    assert not (tmp_path / "demo.p12").exists()


# --- manage.py verify_pdf -----------------------------------------------------------------------


def test_verify_pdf_command_exits_0_for_a_signed_intact_file(signed_pdf, tmp_path):
    path = tmp_path / "bao-cao.pdf"
    path.write_bytes(signed_pdf)
    out = io.StringIO()
    call_command("verify_pdf", str(path), stdout=out, stderr=io.StringIO())  # no SystemExit: status 0
    text = out.getvalue()
    assert certificates.DEMO_COMMON_NAME in text
    assert "17/03/2026 10:00:00" in text
    assert "intact (not changed after signing): yes" in text


@pytest.mark.parametrize("kind", ["changed", "unsigned", "garbage"])
def test_verify_pdf_command_exits_1_otherwise(signed_pdf, tmp_path, kind):
    start = byte_range(signed_pdf)[0]
    data = {
        "changed": flip(signed_pdf, signed_pdf.index(b"stream\n", start) + 20),
        "unsigned": unsigned_pdf(),
        "garbage": b"garbage",
    }[kind]
    path = tmp_path / "file.pdf"
    path.write_bytes(data)
    err = io.StringIO()
    with pytest.raises(SystemExit) as caught:
        call_command("verify_pdf", str(path), stdout=io.StringIO(), stderr=err)
    assert caught.value.code == 1
    expected = {
        "changed": "intact (not changed after signing): no",
        "unsigned": "Not signed",
        "garbage": "Not a readable PDF",
    }[kind]
    assert expected in err.getvalue()


def test_verify_pdf_command_names_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("verify_pdf", str(tmp_path / "nowhere.pdf"))


def test_signing_and_verifying_work_inside_a_running_event_loop(signing_cert):
    """pyhanko runs its own event loop; an async caller (or Playwright in tests) must not break it."""

    async def inside_a_loop() -> signing.Verification:
        signed = signing.sign_pdf(unsigned_pdf(), reason="x", location="y")
        return signing.verify_pdf(signed)

    with ThreadPoolExecutor(max_workers=1) as pool:  # a fresh thread: its own loop, whatever runs here
        result = pool.submit(asyncio.run, inside_a_loop()).result()
    assert result.verdict == signing.TRUSTED
