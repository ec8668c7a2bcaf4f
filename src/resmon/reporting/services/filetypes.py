"""What an uploaded evidence file really is, read from its content, never from its name or the
browser's content type; and whether its first lines carry a classification stamp (MẬT, TỐI MẬT,
TUYỆT MẬT) although the uploader marked it "Thường".

Only a few well-known office and image formats are allowed. Office formats are zip packages:
they are recognised by the parts inside them, and macro-enabled packages are refused. Reading is
bounded everywhere (members, bytes decompressed, lines looked at) so a crafted file cannot
exhaust the server.

The stamp check reads the text of .docx, .odt and .pdf files. For PDF it is best effort: text
drawn with simple fonts, or with fonts carrying a ToUnicode map, is read; a scanned page (an
image) cannot be read and is not refused.
"""

from __future__ import annotations

import html
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO

from resmon.core import classified

# How much of a file the checks may read (decompressed).
_XML_READ_LIMIT = 4 * 1024 * 1024
_PDF_READ_LIMIT = 8 * 1024 * 1024
_PDF_INFLATE_LIMIT = 8 * 1024 * 1024
_ZIP_MAX_MEMBERS = 20_000
# The stamp sits at the top of the first page: look at this many non-empty lines.
STAMP_LINES = 20
STAMPS = classified.STAMPS


@dataclass(frozen=True)
class FileType:
    code: str
    label: str
    content_type: str
    extensions: tuple[str, ...]

    @property
    def extension(self) -> str:
        return self.extensions[0]


PDF = FileType("pdf", "PDF", "application/pdf", (".pdf",))
DOCX = FileType(
    "docx",
    "Word (.docx)",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
)
XLSX = FileType(
    "xlsx",
    "Excel (.xlsx)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
)
PPTX = FileType(
    "pptx",
    "PowerPoint (.pptx)",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    (".pptx",),
)
ODT = FileType("odt", "OpenDocument text (.odt)", "application/vnd.oasis.opendocument.text", (".odt",))
ODS = FileType(
    "ods", "OpenDocument spreadsheet (.ods)", "application/vnd.oasis.opendocument.spreadsheet", (".ods",)
)
PNG = FileType("png", "PNG", "image/png", (".png",))
JPEG = FileType("jpeg", "JPEG", "image/jpeg", (".jpg", ".jpeg"))

ALLOWED: tuple[FileType, ...] = (PDF, DOCX, XLSX, PPTX, ODT, ODS, PNG, JPEG)
ALLOWED_EXTENSIONS: tuple[str, ...] = tuple(ext for t in ALLOWED for ext in t.extensions)

_OOXML_MAIN_PARTS = (("word/document.xml", DOCX), ("xl/workbook.xml", XLSX), ("ppt/presentation.xml", PPTX))
_ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": ODT,
    b"application/vnd.oasis.opendocument.spreadsheet": ODS,
}


def _rewind(f: IO[bytes]) -> None:
    f.seek(0)


def sniff(f: IO[bytes]) -> FileType | None:
    """The allowed type ``f``'s content shows, or None (unknown, disguised, damaged or with macros).
    ``f`` must be seekable; it is left at its start."""
    _rewind(f)
    head = f.read(16)
    _rewind(f)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        try:
            return _sniff_zip(f)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, KeyError):
            return None
        finally:
            _rewind(f)
    return None


def _sniff_zip(f: IO[bytes]) -> FileType | None:
    with zipfile.ZipFile(f) as zf:
        infos = zf.infolist()
        if len(infos) > _ZIP_MAX_MEMBERS:
            return None
        names = {i.filename for i in infos}
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            return None  # macro-enabled documents are not evidence
        if infos and infos[0].filename == "mimetype" and infos[0].file_size < 200:
            return _ODF_MIMETYPES.get(zf.read(infos[0]).strip())
        if "[Content_Types].xml" not in names:
            return None
        for part, kind in _OOXML_MAIN_PARTS:
            if part in names:
                return kind
    return None


def extension_of(name: str) -> str:
    """The lower-case extension of a file name (".pdf"), or ""."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if "." not in base.strip("."):
        return ""
    return "." + base.rsplit(".", 1)[-1].lower()


# --- classification stamps ------------------------------------------------------------------------


def stamp_in(lines: Iterable[str], limit: int = STAMP_LINES) -> str | None:
    """The classification stamp among the first ``limit`` non-empty lines, or None."""
    return classified.stamp_in(lines, limit)


def classification_stamp(f: IO[bytes], kind: FileType) -> str | None:
    """The stamp (e.g. "MẬT") printed at the top of a .docx, .odt or .pdf file, or None."""
    try:
        if kind is DOCX:
            return _zip_stamp(f, _docx_parts, _docx_lines)
        if kind is ODT:
            return _zip_stamp(f, lambda names: ["content.xml"], _odf_lines)
        if kind is PDF:
            return _pdf_stamp(f)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError, zlib.error):
        return None
    finally:
        _rewind(f)
    return None


def _docx_parts(names: list[str]) -> list[str]:
    headers = sorted(n for n in names if re.fullmatch(r"word/header\d*\.xml", n))
    return ["word/document.xml", *headers]


def _zip_stamp(f: IO[bytes], parts, lines_of) -> str | None:
    _rewind(f)
    with zipfile.ZipFile(f) as zf:
        names = zf.namelist()
        for part in parts(names):
            if part not in names:
                continue
            with zf.open(part) as member:
                xml = member.read(_XML_READ_LIMIT).decode("utf-8", errors="replace")
            found = stamp_in(lines_of(xml))
            if found:
                return found
    return None


_DOCX_TOKENS = re.compile(
    r"<w:p[\s>/]|</w:p>|<w:t(?:\s[^>]*)?>([^<]*)</w:t>|<w:(?:br|cr)\b[^>]*/>|<w:tab/>", re.S
)


def _paragraph_lines(tokens: Iterator[re.Match[str]], opener: str, closer: str) -> Iterator[str]:
    """Paragraph texts in document order (a nested paragraph, e.g. in a text box, is its own line)."""
    stack: list[list[str]] = []
    for m in tokens:
        tok = m.group(0)
        if tok.startswith(opener):
            if tok.endswith("/>") or tok.rstrip().endswith("/"):
                continue
            stack.append([])
        elif tok == closer:
            if stack:
                yield from "".join(stack.pop()).split("\n")
        elif stack:
            text = m.group(1)
            if text is not None:
                stack[-1].append(html.unescape(text))
            elif "tab" in tok:
                stack[-1].append(" ")
            else:
                stack[-1].append("\n")


def _docx_lines(xml: str) -> Iterator[str]:
    return _paragraph_lines(_DOCX_TOKENS.finditer(xml), "<w:p", "</w:p>")


_ODF_TOKENS = re.compile(
    r"<text:(?:p|h)(?:\s[^>]*)?/?>|</text:(?:p|h)>|<text:line-break/>|<text:tab/>|<text:s\b[^>]*/>"
    r"|<[^>]*>|([^<]+)",
    re.S,
)


def _odf_lines(xml: str) -> Iterator[str]:
    stack: list[list[str]] = []
    for m in _ODF_TOKENS.finditer(xml):
        tok = m.group(0)
        if m.group(1) is not None:
            if stack:
                stack[-1].append(html.unescape(tok))
        elif tok.startswith(("<text:p", "<text:h")):
            if not tok.endswith("/>"):
                stack.append([])
        elif tok.startswith(("</text:p", "</text:h")):
            if stack:
                yield from "".join(stack.pop()).split("\n")
        elif stack and tok == "<text:line-break/>":
            stack[-1].append("\n")
        elif stack and (tok == "<text:tab/>" or tok.startswith("<text:s")):
            stack[-1].append(" ")


# --- PDF (best effort) ----------------------------------------------------------------------------

_STREAM = re.compile(rb">>\s*stream(?:\r\n|\n|\r)")
_PDF_TOKEN = re.compile(
    rb"\((?:\\.|[^\\()]|\((?:\\.|[^\\()])*\))*\)|<[0-9A-Fa-f\s]*>|\[|\]|/[^\s/\[\]()<>{}%]+"
    rb"|[A-Za-z'\"*]+|[-+]?\d*\.?\d+",
    re.S,
)
_LINE_OPS = {b"T*", b"'", b'"', b"ET", b"Tm", b"TD", b"Td"}
_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")


def _pdf_streams(data: bytes) -> Iterator[bytes]:
    budget = _PDF_INFLATE_LIMIT
    for m in _STREAM.finditer(data):
        start = m.end()
        end = data.find(b"endstream", start)
        if end < 0 or budget <= 0:
            return
        # the stream's dictionary: from its "obj" keyword to the ">>" before "stream"
        lo = max(0, m.start() - 2000)
        header = data[max(data.rfind(b"obj", lo, m.start()), lo) : m.start()]
        raw = data[start:end].rstrip(b"\r\n")
        if b"/FlateDecode" in header:
            inflater = zlib.decompressobj()
            try:
                raw = inflater.decompress(raw, budget)
            except zlib.error:
                continue
        elif b"/Filter" in header:
            continue  # other filters (images, fonts) carry no text we can read
        budget -= len(raw)
        yield raw


def _literal(token: bytes) -> bytes:
    out = bytearray()
    body = token[1:-1]
    i = 0
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
    while i < len(body):
        c = body[i : i + 1]
        if c == b"\\" and i + 1 < len(body):
            nxt = body[i + 1 : i + 2]
            octal = re.match(rb"[0-7]{1,3}", body[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(0), 8) & 0xFF)
                i += 1 + len(octal.group(0))
                continue
            out += escapes.get(nxt, nxt if nxt not in b"\r\n" else b"")
            i += 2
            continue
        out += c
        i += 1
    return bytes(out)


def _cmaps(streams: list[bytes]) -> list[dict[bytes, str]]:
    """ToUnicode maps found in the file (code bytes → text)."""
    maps = []
    for s in streams:
        if b"begincmap" not in s:
            continue
        cmap: dict[bytes, str] = {}
        for block in _BFCHAR.findall(s):
            codes = _HEX.findall(block)
            for src, dst in zip(codes[::2], codes[1::2], strict=False):
                cmap[bytes.fromhex(src.decode())] = bytes.fromhex(dst.decode()).decode("utf-16-be", "replace")
        for block in _BFRANGE.findall(s):
            for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                first, last, width = int(lo, 16), int(hi, 16), len(lo) // 2
                base = int(dst, 16)
                for k, code in enumerate(range(first, min(last, first + 2048) + 1)):
                    cmap[code.to_bytes(width, "big")] = chr(base + k) if base + k < 0x110000 else ""
        if cmap:
            maps.append(cmap)
    return maps


def _decode(raw: bytes, cmap: dict[bytes, str] | None) -> str:
    if raw.startswith(b"\xfe\xff"):
        return raw[2:].decode("utf-16-be", "replace")
    if cmap:
        width = len(next(iter(cmap)))
        return "".join(cmap.get(raw[i : i + width], "") for i in range(0, len(raw), width))
    return raw.decode("latin-1")


def _pdf_text_lines(content: bytes, cmap: dict[bytes, str] | None) -> Iterator[str]:
    line: list[str] = []
    for m in _PDF_TOKEN.finditer(content):
        tok = m.group(0)
        if tok.startswith(b"("):
            line.append(_decode(_literal(tok), cmap))
        elif tok.startswith(b"<"):
            hexdigits = re.sub(rb"\s", b"", tok[1:-1])
            if len(hexdigits) % 2:
                hexdigits += b"0"
            line.append(_decode(bytes.fromhex(hexdigits.decode()), cmap))
        elif tok in _LINE_OPS:
            yield "".join(line)
            line = []
    yield "".join(line)


# --- active content ---------------------------------------------------------------------------

# What makes a PDF run or carry something besides its pages: scripts, launching programs, files
# embedded in it, multimedia players. A "#xx" escape in a name (/J#61vaScript) is decoded first.
_PDF_ACTIVE = frozenset(
    {b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/EmbeddedFiles", b"/RichMedia", b"/GoToE"}
)
_PDF_NAME = re.compile(rb"/[^\s/\[\]()<>{}%]+")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def _pdf_names(data: bytes) -> Iterator[bytes]:
    for m in _PDF_NAME.finditer(data):
        name = m.group(0)
        if b"#" in name:
            name = _PDF_NAME_ESCAPE.sub(lambda e: bytes([int(e.group(1), 16)]), name)
        yield name


def pdf_active_content(f: IO[bytes]) -> str | None:
    """The first sign of active content in a PDF ("/JavaScript", "/Launch", …), or None. The file
    and its compressed streams (where object streams hide dictionaries) are read, bounded."""
    _rewind(f)
    try:
        data = f.read(_PDF_READ_LIMIT)
        for chunk in (data, *_pdf_streams(data)):
            for name in _pdf_names(chunk):
                if name in _PDF_ACTIVE:
                    return name.decode("latin-1")
    finally:
        _rewind(f)
    return None


def _pdf_stamp(f: IO[bytes]) -> str | None:
    _rewind(f)
    data = f.read(_PDF_READ_LIMIT)
    streams = list(_pdf_streams(data))
    maps: list[dict[bytes, str] | None] = [None, *_cmaps(streams)]
    for content in streams:
        if b"BT" not in content:
            continue
        for cmap in maps:
            found = stamp_in(_pdf_text_lines(content, cmap))
            if found:
                return found
    return None
