"""A period report downloaded as an official document: the Word and the PDF file carry the party
document format (A4, 36-HD/VPTW margins and type), the report's texts and the API's numbers; both
are scoped like the report and every download leaves an audit row."""

from __future__ import annotations

import io
import subprocess

import docx
import pytest
from django.test import Client
from django.urls import reverse
from docx.shared import Mm, Pt
from PIL import Image

from resmon.audit.models import AuditChainHead, AuditEntry
from resmon.exports.documents.model import PARTY_TITLE
from tests.exports.documents_helpers import (
    HEAD_NAME,
    artifacts_dir,
    docx_text,
    filed,
    pdf_info,
    pdf_text,
)

pytestmark = pytest.mark.django_db
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def report(rworld):
    return filed(rworld)


def page_client(world, username="xa_ubnd_officer") -> Client:
    client = Client()
    client.force_login(world.users[username])
    return client


def api_percent(bearer, report) -> str:
    """The line's percent as the report API shows it, in Vietnamese format."""
    body = bearer("xa_ubnd_officer").get(f"/api/v1/reports/{report.pk}").json()
    [line] = body["lines"]
    return line["percent_done"].replace(".", ",")


def downloads(report):
    return AuditEntry.objects.filter(
        action="exports.document_downloaded", object_type="reporting.periodreport", object_id=str(report.pk)
    )


def test_word_document_has_the_party_format_and_the_api_numbers(rworld, report, bearer):
    response = page_client(rworld).get(reverse("exports:report_docx", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="bao-cao-2026-Q1-HNI-X1-UBND.docx"'
    assert response["X-Content-Type-Options"] == "nosniff"

    d = docx.Document(io.BytesIO(response.content))
    section = d.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [20, 20, 30, 15]
    assert d.styles["Normal"].font.size == Pt(14)
    assert d.styles["Normal"].font.name == "Times New Roman"

    header = d.tables[0]
    title = next(p for p in header.cell(0, 1).paragraphs if p.text == PARTY_TITLE)
    assert all(run.bold and run.underline for run in title.runs)
    [date] = header.cell(1, 1).paragraphs
    assert date.text.startswith("Hà Nội, ngày 17 tháng 03 năm 2026")  # sent on 17/03/2026
    assert all(run.italic for run in date.runs)
    bodies = [p.text for p in header.cell(0, 0).paragraphs]
    assert bodies == ["ĐẢNG ỦY XÃ TÂN AN", "UBND XÃ TÂN AN", "*"]
    assert header.cell(1, 0).paragraphs[0].text.endswith("-BC/HNI-X1-UBND")
    assert header.cell(1, 0).paragraphs[0].text.startswith("Số ")
    assert round(sum(cell.width for cell in header.rows[0].cells) / Mm(1)) == 165  # the text width

    text = docx_text(response.content)
    assert "BÁO CÁO" in text
    assert "Kết quả thực hiện CTHĐ Thành ủy Hà Nội quý I/2026" in text
    assert "Nơi nhận:" in text and "- Thành ủy Hà Nội," in text and "- Lưu VT." in text
    assert "T/M ỦY BAN NHÂN DÂN" in text and "CHỦ TỊCH" in text and HEAD_NAME in text
    assert "DỰ THẢO" not in text  # accepted
    lines = next(t for t in d.tables if t.cell(0, 0).text == "Mã")
    assert lines.cell(1, 0).text == "1.2"
    assert lines.cell(1, 2).text == api_percent(bearer, report) == "45,5"
    assert lines.cell(1, 2).paragraphs[0].alignment == 2  # right
    kpis = next(t for t in d.tables if t.cell(0, 0).text == "Mã chỉ tiêu")
    assert [c.text for c in kpis.rows[1].cells] == ["XA-DVC", "Tỷ lệ hồ sơ trực tuyến", "72,5", "%"]
    proposals = next(t for t in d.tables if t.cell(0, 0).text == "Nội dung kiến nghị")
    assert proposals.cell(1, 1).text == "Thành ủy Hà Nội"

    head = AuditChainHead.objects.get(pk=1)
    footer = d.sections[0].first_page_footer.paragraphs[0].text
    assert footer == f"Nhật ký kiểm toán: bản ghi số {head.last_seq}, mã {head.last_hash[:16]}"
    assert head.last_seq > 0
    assert downloads(report).get().after == {"format": "docx"}


def test_pdf_document_carries_the_same_texts_on_a4(rworld, report, bearer, tmp_path):
    response = page_client(rworld).get(reverse("exports:report_pdf", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="bao-cao-2026-Q1-HNI-X1-UBND.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"%PDF-")

    assert "Page size:       595.276 x 841.89 pts (A4)" in pdf_info(response.content, tmp_path)
    text = pdf_text(response.content, tmp_path)
    for expected in (
        PARTY_TITLE,
        "UBND XÃ TÂN AN",
        "Hà Nội, ngày 17 tháng 03 năm 2026",
        "BÁO CÁO",
        "Nơi nhận:",
        "T/M ỦY BAN NHÂN DÂN",
        HEAD_NAME,
        "Nhật ký kiểm toán: bản ghi số",
        "72,5",
    ):
        assert expected in text, expected
    assert api_percent(bearer, report) in text
    assert "<script>alert('x')</script>" in text  # shown as text, never run as markup
    assert "DỰ THẢO" not in text
    assert downloads(report).get().after == {"format": "pdf"}

    pdf = tmp_path / "page.pdf"
    pdf.write_bytes(response.content)
    prefix = artifacts_dir() / f"bao-cao-{report.pk}"
    subprocess.run(
        ["/usr/bin/pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(prefix)],
        check=True,
    )
    png = prefix.with_suffix(".png")
    assert png.exists()
    with Image.open(png) as picture:
        assert picture.size[0] < picture.size[1]  # portrait
        darkest, lightest = picture.convert("L").getextrema()
    assert darkest < 100 and lightest > 200  # ink on paper, not a blank page


def test_the_api_answers_the_same_documents(rworld, report, bearer, tmp_path):
    client = bearer("hni_leader")  # the accepting level
    word = client.get(f"/api/v1/reports/{report.pk}/document.docx")
    assert word.status_code == 200, word.content[:300]
    assert word["Content-Type"] == DOCX_TYPE
    assert word["Content-Disposition"].startswith("attachment;")
    assert word["X-Content-Type-Options"] == "nosniff"
    assert "45,5" in docx_text(word.content)
    pdf = client.get(f"/api/v1/reports/{report.pk}/document.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "45,5" in pdf_text(pdf.content, tmp_path)
    assert sorted(e.after["format"] for e in downloads(report)) == ["docx", "pdf"]
    row = downloads(report).first()
    assert row.actor_name == "hni_leader" and row.agency_path == rworld.hni_xa_ubnd.path


def test_a_report_outside_the_scope_or_missing_is_not_found(rworld, report, bearer):
    outsider = page_client(rworld, "hcm_officer")
    for name in ("exports:report_docx", "exports:report_pdf"):
        assert outsider.get(reverse(name, args=[report.pk])).status_code == 404
        assert page_client(rworld).get(reverse(name, args=[2**31 - 1])).status_code == 404
    for fmt in ("docx", "pdf"):
        response = bearer("hcm_officer").get(f"/api/v1/reports/{report.pk}/document.{fmt}")
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/problem+json")
        missing = bearer("xa_ubnd_officer").get(f"/api/v1/reports/{2**31 - 1}/document.{fmt}")
        assert missing.status_code == 404
    assert not downloads(report).exists()
    anonymous = Client().get(reverse("exports:report_pdf", args=[report.pk]))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("accounts:login"))
    assert Client().get(f"/api/v1/reports/{report.pk}/document.pdf").status_code == 401


def test_the_report_page_links_to_both_documents(rworld, report):
    html = page_client(rworld).get(reverse("reporting:detail", args=[report.pk])).content.decode()
    assert f'href="{reverse("exports:report_docx", args=[report.pk])}"' in html
    assert f'href="{reverse("exports:report_pdf", args=[report.pk])}"' in html
