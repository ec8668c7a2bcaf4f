"""What a document shows in odd cases: a draft carries "DỰ THẢO" and no signer; HTML special
characters stay text; long texts, control characters, an empty report and pictures never break
either renderer; numbers print in Vietnamese format."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zlib
from decimal import Decimal

import docx
import pytest
from django.test import Client
from django.urls import reverse

from resmon.exports.documents.formats import vn_date, vn_number
from resmon.exports.documents.model import Column, Document, Image, Paragraph, Signature, Table
from resmon.exports.documents.pdf import render_html, render_pdf
from resmon.exports.documents.period_report import period_report_document
from resmon.exports.documents.word import render_docx
from resmon.reporting.models import PeriodReport, ReportLine
from resmon.reporting.selectors import get_report
from tests.exports.documents_helpers import HEAD_NAME, docx_text, filed, pdf_text
from tests.reporting.evidence_samples import make_report

pytestmark = pytest.mark.django_db


def download(world, report, fmt, username="xa_ubnd_officer"):
    client = Client()
    client.force_login(world.users[username])
    response = client.get(reverse(f"exports:report_{fmt}", args=[report.pk]))
    assert response.status_code == 200
    return response.content


def test_a_report_not_yet_accepted_is_a_draft_without_a_signer(rworld, tmp_path):
    report = filed(rworld, accept=False, send=False)
    word = docx_text(download(rworld, report, "docx"))
    pdf = pdf_text(download(rworld, report, "pdf"), tmp_path)
    for text in (word, pdf):
        assert "DỰ THẢO" in text
        assert HEAD_NAME not in text  # not approved yet: the name is left for the signer
        assert "T/M ỦY BAN NHÂN DÂN" in text
    # never sent: no date yet, the office fills it in when signing
    assert "Hà Nội, ngày" in pdf and "năm 2026" in pdf
    assert "ngày 17 tháng 03" not in pdf


def test_a_sent_report_awaiting_acceptance_is_still_a_draft_but_signed(rworld, tmp_path):
    report = filed(rworld, accept=False)
    assert report.state == "sent"
    text = pdf_text(download(rworld, report, "pdf", "hni_leader"), tmp_path)
    assert "DỰ THẢO" in text and HEAD_NAME in text


def test_html_special_characters_are_escaped(rworld):
    report = filed(rworld)
    user = rworld.users["xa_ubnd_officer"]
    html = render_html(period_report_document(user, get_report(user, report.pk)))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; cập nhật" in html


def test_long_texts_control_characters_and_an_empty_report_render(rworld, tmp_path):
    report = make_report(rworld)
    long_word = "Đ" * 3000
    PeriodReport.objects.filter(pk=report.pk).update(
        # control characters Word cannot carry (PostgreSQL refuses \x00 itself), an emoji, long texts
        results=f"{long_word}\n\x0bKết quả\x1f có ký tự lạ 😀\n" + "Câu dài. " * 2000,
        obstacles="<b>không</b> & \"nháy\" 'đơn'",
    )
    user = rworld.users["xa_ubnd_officer"]
    doc = period_report_document(user, get_report(user, report.pk))
    word, pdf = render_docx(doc), render_pdf(doc)
    assert "Kết quả có ký tự lạ" in docx_text(word)
    text = pdf_text(pdf, tmp_path)
    assert "<b>không</b> & \"nháy\" 'đơn'" in text
    assert "DỰ THẢO" in text

    ReportLine.objects.filter(report=report).delete()
    PeriodReport.objects.filter(pk=report.pk).update(results="", obstacles="", next_steps="")
    empty = period_report_document(user, get_report(user, report.pk))
    assert "Không có." in docx_text(render_docx(empty))
    assert "Không có." in pdf_text(render_pdf(empty), tmp_path)


def _png(width: int = 40, height: int = 20) -> bytes:
    """A small grey PNG (a stand-in for a chart)."""
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_the_model_alone_renders_both_ways(tmp_path):
    doc = Document(
        issuer="BAN CÁN SỰ ĐẢNG UBND THÀNH PHỐ",
        superior="THÀNH ỦY HÀ NỘI",
        symbol="BC/BCSĐ",
        number="15",
        place="Hà Nội",
        date=dt.date(2026, 12, 3),
        year=2026,
        summary="Kết quả thực hiện Nghị quyết 57-NQ/TW năm 2026",
        urgency="KHẨN",
        body=[
            Paragraph("Nội dung.\x00\x08"),  # control characters are dropped
            Table([Column("Chỉ tiêu", 3), Column("Giá trị", 1, numeric=True)], [["A", "1.234,5"], ["B"]]),
            Image(_png(), width_mm=60, caption="Biểu đồ tiến độ"),
        ],
        signature=Signature("K/T CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Trần Văn C"),
        recipients=["- Ban Thường vụ Thành ủy,", "- Lưu VT."],
    )
    word = render_docx(doc)
    d = docx.Document(io.BytesIO(word))
    assert len(d.inline_shapes) == 1
    text = docx_text(word)
    for expected in ("Số 15-BC/BCSĐ", "Hà Nội, ngày 03 tháng 12 năm 2026", "KHẨN", "K/T CHỦ TỊCH", "Biểu đồ"):
        assert expected in text
    pdf = pdf_text(render_pdf(doc), tmp_path)
    for expected in ("Số 15-BC/BCSĐ", "Hà Nội, ngày 03 tháng 12 năm 2026", "KHẨN", "PHÓ CHỦ TỊCH", "1.234,5"):
        assert expected in pdf
    assert "DỰ THẢO" not in pdf


def test_vietnamese_number_and_date_formats():
    assert vn_number(Decimal("45.50")) == "45,5"
    assert vn_number(Decimal("40.00")) == "40"
    assert vn_number(Decimal("1234567.8")) == "1.234.567,8"
    assert vn_number(Decimal("-0.25")) == "-0,25"
    assert vn_number(None) == ""
    assert vn_date(dt.date(2026, 3, 5)) == "05/03/2026"


def test_the_progress_chart_is_drawn_into_both_files(rworld, tmp_path):
    """The lines' percents are charted under their table, in the Word file and in the PDF."""
    import subprocess

    report = filed(rworld)
    word = docx.Document(io.BytesIO(download(rworld, report, "docx")))
    assert len(word.inline_shapes) == 1
    assert "Biểu đồ: tỷ lệ hoàn thành từng nhiệm vụ" in docx_text(download(rworld, report, "docx"))
    path = tmp_path / "chart.pdf"
    path.write_bytes(download(rworld, report, "pdf"))
    listing = subprocess.run(
        ["/usr/bin/pdfimages", "-list", str(path)], capture_output=True, text=True, check=True
    )
    images = [row for row in listing.stdout.splitlines()[2:] if row.split()[2] == "image"]
    assert len(images) == 1  # the chart (its transparency is a separate mask)
    # nothing to chart (no percent on any line): no picture
    ReportLine.objects.filter(report=report).update(percent_done=None)
    assert not docx.Document(io.BytesIO(download(rworld, report, "docx"))).inline_shapes
