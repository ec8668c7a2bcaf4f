"""Small but real sample files for the evidence tests: built with python-docx and openpyxl, a PDF
written by hand (with correct cross-reference offsets), a 1×1 PNG, a JPEG header, an ODT."""

from __future__ import annotations

import io
import zipfile
import zlib

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

# a real 1×1 transparent PNG
PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
JPEG_HEAD = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffdb") + b"\x00" * 64 + b"\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 100
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def docx_bytes(*paragraphs: str, header: str | None = None) -> bytes:
    doc = Document()
    if header is not None:
        doc.sections[0].header.paragraphs[0].text = header
    for text in paragraphs:
        doc.add_paragraph(text)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def xlsx_bytes() -> bytes:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Chỉ tiêu"
    wb.active["B1"] = 42
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def odt_bytes(*paragraphs: str) -> bytes:
    body = "".join(f"<text:p>{p}</text:p>" for p in paragraphs)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>',
        )
    return buf.getvalue()


def macro_docx_bytes() -> bytes:
    """A .docx package that carries a VBA project (as a .docm would)."""
    src = zipfile.ZipFile(io.BytesIO(docx_bytes("Báo cáo")))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for info in src.infolist():
            zf.writestr(info, src.read(info))
        zf.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\x00" * 32)
    return buf.getvalue()


def _pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(data: bytes, *, compress: bool = False, extra: bytes = b"") -> bytes:
    if compress:
        data = zlib.compress(data)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def pdf_bytes(*lines: str) -> bytes:
    """A one-page PDF with Helvetica text lines (ASCII/Latin-1), content compressed."""
    ops = [b"BT /F1 12 Tf 72 760 Td 14 TL"]
    for line in lines:
        escaped = line.encode("latin-1").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        ops.append(b"(" + escaped + b") Tj T*")
    ops.append(b"ET")
    content = b"\n".join(ops)
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            _stream(content, compress=True),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


def pdf_unicode_bytes(*lines: str) -> bytes:
    """A one-page PDF whose text is drawn with 2-byte glyph codes and a ToUnicode map (as office
    suites write Vietnamese text)."""
    chars = sorted({c for line in lines for c in line})
    code = {c: i + 1 for i, c in enumerate(chars)}
    ops = [b"BT /F1 12 Tf 72 760 Td"]
    for line in lines:
        ops.append(b"<" + "".join(f"{code[c]:04X}" for c in line).encode() + b"> Tj 0 -14 Td")
    ops.append(b"ET")
    bfchar = b"\n".join(b"<%04X> <%04X>" % (code[c], ord(c)) for c in chars)
    cmap = (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        + b"%d beginbfchar\n" % len(chars)
        + bfchar
        + b"\nendbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end"
    )
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            _stream(b"\n".join(ops), compress=True),
            b"<< /Type /Font /Subtype /Type0 /BaseFont /Arial /Encoding /Identity-H "
            b"/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Arial "
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>",
            _stream(cmap, compress=True),
        ]
    )


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def pptx_bytes() -> bytes:
    """The parts a PowerPoint package is recognised by (python-pptx is not installed)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.presentationml.presentation.main+xml"/></Types>',
        )
        zf.writestr("ppt/presentation.xml", '<?xml version="1.0"?><p:presentation/>')
    return buf.getvalue()


def ods_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>", compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


# --- a report to attach things to (rows written directly, independent of create_report) ----------


def make_report(world, *, state: str = "draft", agency=None, accepting=None, task=None, period=None):
    """The commune People's Committee's report on Hà Nội's programme for 2026-Q1 (accepting level:
    Thành ủy Hà Nội), with one line for its task "hni_xa"."""
    import datetime as dt

    from resmon.core import clock
    from resmon.reporting.models import PeriodReport, ReportLine
    from tests.reporting.helpers import quarter

    task = task or world.tasks["hni_xa"]
    period = period or quarter("2026-Q1")
    report = PeriodReport.objects.create(
        program=task.program,
        resolution=task.program.resolution,
        period=period,
        agency=agency or task.lead_agency,
        accepting_agency=accepting or world.hni,
        state=state,
        due_date=period.end + dt.timedelta(days=5),
        grace_until=period.end + dt.timedelta(days=10),
        first_sent_at=clock.now() if state in ("sent", "accepted", "returned") else None,
        accepted_at=clock.now() if state == "accepted" else None,
    )
    ReportLine.objects.create(report=report, task=task, position=0)
    return report
