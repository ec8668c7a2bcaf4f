"""Evidence files are recognised from their content; classification stamps are found in the text."""

import io

import pytest

from resmon.reporting.services import filetypes as ft
from tests.reporting.evidence_samples import (
    EXE,
    HTML,
    JPEG_HEAD,
    PNG_1x1,
    docx_bytes,
    macro_docx_bytes,
    odt_bytes,
    pdf_bytes,
    pdf_unicode_bytes,
    xlsx_bytes,
)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (pdf_bytes("Bao cao"), ft.PDF),
        (docx_bytes("Báo cáo"), ft.DOCX),
        (xlsx_bytes(), ft.XLSX),
        (odt_bytes("Báo cáo"), ft.ODT),
        (PNG_1x1, ft.PNG),
        (JPEG_HEAD, ft.JPEG),
        (EXE, None),
        (HTML, None),
        (b"PK\x03\x04 not really a zip", None),
        (macro_docx_bytes(), None),
        (b"", None),
    ],
)
def test_sniff_reads_the_content(content, expected):
    f = io.BytesIO(content)
    assert ft.sniff(f) is expected
    assert f.tell() == 0


def test_a_zip_that_is_no_office_document_is_refused():
    buf = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("payload.exe", EXE)
    assert ft.sniff(buf) is None


@pytest.mark.parametrize(
    ("name", "ext"),
    [("bao cao.PDF", ".pdf"), ("C:\\x\\a.tar.docx", ".docx"), ("noext", ""), (".hidden", ""), ("a.", "")],
)
def test_extension_of(name, ext):
    assert ft.extension_of(name) == ext


@pytest.mark.parametrize(
    ("content", "kind", "stamp"),
    [
        (docx_bytes("MẬT", "BÁO CÁO", "Kết quả thực hiện"), ft.DOCX, "MẬT"),
        (docx_bytes("ĐẢNG CỘNG SẢN VIỆT NAM", "  Tối mật. ", "BÁO CÁO"), ft.DOCX, "TỐI MẬT"),
        (docx_bytes("Báo cáo", header="TUYỆT MẬT"), ft.DOCX, "TUYỆT MẬT"),
        (docx_bytes("BÁO CÁO", "Bảo mật thông tin là ưu tiên", "Chống lộ bí mật"), ft.DOCX, None),
        (docx_bytes(*(["Dòng"] * 30), "MẬT"), ft.DOCX, None),  # not at the top: not a stamp
        (odt_bytes("MẬT", "Báo cáo"), ft.ODT, "MẬT"),
        (odt_bytes("Báo cáo"), ft.ODT, None),
        (pdf_unicode_bytes("MẬT", "BÁO CÁO"), ft.PDF, "MẬT"),
        (pdf_unicode_bytes("BÁO CÁO", "Kết quả"), ft.PDF, None),
        (pdf_bytes("BAO CAO"), ft.PDF, None),
        (xlsx_bytes(), ft.XLSX, None),
    ],
)
def test_classification_stamp(content, kind, stamp):
    f = io.BytesIO(content)
    assert ft.classification_stamp(f, kind) == stamp
    assert f.tell() == 0


def test_stamp_in_counts_only_non_empty_lines():
    assert ft.stamp_in(["", "  ", "Mật"]) == "MẬT"
    assert ft.stamp_in(["a", "b", "MẬT"], limit=2) is None
    # decomposed Unicode (as some editors write it) is the same stamp
    import unicodedata

    assert ft.stamp_in([unicodedata.normalize("NFD", "TỐI MẬT")]) == "TỐI MẬT"
