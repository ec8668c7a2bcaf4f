"""One official document, as Hướng dẫn 36-HD/VPTW (thể thức văn bản của Đảng) lays it out.

The renderers (``docx.py``, ``pdf.py``) read only this model and ``LAYOUT``, so the Word and the
PDF file of a document cannot drift apart. Texts are final: numbers already in Vietnamese format,
names already in capitals where the format wants capitals.

The fixed words of the format ("ĐẢNG CỘNG SẢN VIỆT NAM", "Nơi nhận:", "DỰ THẢO", ...) are
prescribed by the guide and are the same whatever the reader's interface language, so they are
constants here, not interface strings (see docs/decisions/012-documents.md).
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import ClassVar

PARTY_TITLE = "ĐẢNG CỘNG SẢN VIỆT NAM"
ISSUER_STAR = "*"
SUMMARY_RULE = "-----"
RECIPIENTS_LABEL = "Nơi nhận:"
DRAFT_MARK = "DỰ THẢO"

# Characters XML 1.0 (so Word) cannot carry: C0 controls but tab, newline and carriage return.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def plain(text: object) -> str:
    """``text`` as a string both renderers can carry (no control characters)."""
    return _NOT_XML.sub("", "" if text is None else str(text))


@dataclass(frozen=True)
class Layout:
    """Page and type sizes (36-HD/VPTW, appendix 2), read by both renderers."""

    page_width_mm: float = 210  # A4
    page_height_mm: float = 297
    margin_top_mm: float = 20
    margin_bottom_mm: float = 20
    margin_left_mm: float = 30
    margin_right_mm: float = 15
    fonts: tuple[str, ...] = ("Times New Roman", "Liberation Serif")  # Debian ships the second
    body_pt: float = 14  # body text: 14–15
    party_title_pt: float = 15  # "ĐẢNG CỘNG SẢN VIỆT NAM": capitals, bold, underlined
    issuer_pt: float = 14  # superior body (upright) and issuing body (bold), capitals
    number_pt: float = 14  # "Số 15-BC/UBND"
    date_pt: float = 14  # place and date, italic
    mark_pt: float = 14  # DỰ THẢO, KHẨN, classification: capitals, bold
    doc_type_pt: float = 16  # "BÁO CÁO": capitals, bold (15–16)
    summary_pt: float = 14  # the summary under it: bold (14–15)
    signature_pt: float = 14  # authority, position, name: bold
    recipients_label_pt: float = 14  # "Nơi nhận:": underlined
    recipients_pt: float = 12
    table_pt: float = 12  # tables in the body
    footer_pt: float = 10
    header_left_mm: float = 75  # the left column of the two-column header (the rest is the right)
    first_line_indent_mm: float = 10
    signature_space_pt: float = 60  # room for the signature and the seal

    @property
    def text_width_mm(self) -> float:
        return self.page_width_mm - self.margin_left_mm - self.margin_right_mm

    @property
    def font_family_css(self) -> str:
        return ", ".join(f'"{f}"' for f in self.fonts) + ", serif"


LAYOUT = Layout()


# --- the body ----------------------------------------------------------------------------------


@dataclass
class Heading:
    """A heading of the body: level 1 "I. KẾT QUẢ ..." (capitals), level 2 "1. Kết quả chung"."""

    text: str
    level: int = 1
    kind: ClassVar[str] = "heading"


@dataclass
class Paragraph:
    text: str
    italic: bool = False
    kind: ClassVar[str] = "paragraph"


@dataclass
class Column:
    title: str
    width: float = 1.0  # relative to the other columns
    numeric: bool = False  # right-aligned


@dataclass
class Table:
    columns: list[Column]
    rows: list[list[str]]
    kind: ClassVar[str] = "table"

    def widths_mm(self, total: float) -> list[float]:
        weight = sum(c.width for c in self.columns) or 1.0
        return [total * c.width / weight for c in self.columns]

    def heads(self) -> list[tuple[str, float]]:
        """The header: (title, width in percent of the table)."""
        weight = sum(c.width for c in self.columns) or 1.0
        return [(plain(c.title), round(100 * c.width / weight, 2)) for c in self.columns]

    def cells(self) -> list[list[tuple[str, bool]]]:
        """The rows as (text, numeric) pairs, each row as long as the header."""
        n = len(self.columns)
        return [
            [(plain(row[i]) if i < len(row) else "", self.columns[i].numeric) for i in range(n)]
            for row in self.rows
        ]


@dataclass
class Image:
    """A PNG picture (a chart), centred, with an optional caption under it."""

    png: bytes
    width_mm: float = 150
    caption: str = ""
    kind: ClassVar[str] = "image"

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


Block = Heading | Paragraph | Table | Image


# --- the document ------------------------------------------------------------------------------


@dataclass
class Signature:
    """Quyền hạn, chức vụ, họ tên người ký: e.g. "T/M BAN THƯỜNG VỤ" / "BÍ THƯ" / the name, or
    "K/T CHỦ TỊCH" / "PHÓ CHỦ TỊCH" / the name. Any part may be blank (a draft is not signed yet)."""

    authority: str = ""
    position: str = ""
    name: str = ""


@dataclass
class Document:
    issuer: str  # the issuing body, capitals
    symbol: str  # "BC/UBND": document type abbreviation / issuing body abbreviation
    place: str
    year: int  # the year printed when the date is not known yet
    doc_type: str = "BÁO CÁO"
    summary: str = ""
    superior: str = ""  # the superior body above the issuer (optional), capitals
    number: str = ""  # blank until the office numbers the document: "Số     -BC/UBND"
    date: dt.date | None = None  # None: "ngày     tháng     năm <year>", filled in when signed
    draft: bool = False
    urgency: str = ""  # "KHẨN", "THƯỢNG KHẨN", ...; only rendered when given
    classification: str = ""  # "MẬT", ...; only rendered when given
    body: list[Block] = field(default_factory=list)
    signature: Signature = field(default_factory=Signature)
    recipients: list[str] = field(default_factory=list)  # "- Ban Thường vụ Thành ủy," ... "- Lưu VT."
    footer: str = ""
    title: str = ""  # the file's metadata title

    @property
    def number_line(self) -> str:
        number = plain(self.number).strip() or "\u00a0" * 6
        return f"Số {number}-{plain(self.symbol)}"

    @property
    def date_line(self) -> str:
        blank = "\u00a0" * 5
        if self.date is None:
            return f"{plain(self.place)}, ngày {blank}tháng {blank}năm {self.year}"
        d = self.date
        return f"{plain(self.place)}, ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"

    @property
    def marks(self) -> list[str]:
        """The urgency and classification marks under the number (none for a normal document)."""
        return [plain(m) for m in (self.urgency, self.classification) if m]
