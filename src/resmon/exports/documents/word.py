"""The Word rendering of a ``Document`` (python-docx): A4, the 36-HD/VPTW margins and type sizes,
the two-column header and the closing (recipients | signature) as borderless tables."""

from __future__ import annotations

import io
from typing import Any

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from .model import (
    DRAFT_MARK,
    ISSUER_STAR,
    LAYOUT,
    PARTY_TITLE,
    RECIPIENTS_LABEL,
    SUMMARY_RULE,
    Document,
    Heading,
    Image,
    Paragraph,
    Table,
    plain,
)

CENTER = WD_ALIGN_PARAGRAPH.CENTER
RIGHT = WD_ALIGN_PARAGRAPH.RIGHT
LEFT = WD_ALIGN_PARAGRAPH.LEFT
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY


def _set_font(style_or_run: Any, size: float) -> None:
    font = style_or_run.font
    font.name = LAYOUT.fonts[0]
    font.size = Pt(size)
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), LAYOUT.fonts[0])


def _para(
    container: Any,
    text: str,
    *,
    size: float | None = None,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    align: Any = CENTER,
    after: float = 0,
    indent: bool = False,
) -> Any:
    """One paragraph of one run; ``container`` is the document or a table cell."""
    p = container.add_paragraph()
    p.alignment = align
    p.paragraph_format.space_before = Pt(0)
    p.paragraph_format.space_after = Pt(after)
    if indent:
        p.paragraph_format.first_line_indent = Mm(LAYOUT.first_line_indent_mm)
    run = p.add_run(plain(text))
    run.bold, run.italic, run.underline = bold, italic, underline
    if size is not None:
        run.font.size = Pt(size)
    return p


def _first_paragraph(cell: Any) -> Any:
    """A new cell has one empty paragraph: use it for the first line instead of leaving a gap."""
    p = cell.paragraphs[0]
    p._p.getparent().remove(p._p)
    return cell


def _widths(table: Any, widths_mm: list[float]) -> None:
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)


def _box(paragraph: Any) -> None:
    """A thin border around a paragraph (the draft mark)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), "6")
        edge.set(qn("w:space"), "2")
        edge.set(qn("w:color"), "000000")
        borders.append(edge)
    ppr.append(borders)


def _page_number(paragraph: Any) -> None:
    """A PAGE field (the page number, printed from page 2 on, at the top centre)."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _repeat_header(row: Any) -> None:
    trpr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    trpr.append(flag)


def _page(doc: Any) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(LAYOUT.page_width_mm), Mm(LAYOUT.page_height_mm)
    section.top_margin, section.bottom_margin = Mm(LAYOUT.margin_top_mm), Mm(LAYOUT.margin_bottom_mm)
    section.left_margin, section.right_margin = Mm(LAYOUT.margin_left_mm), Mm(LAYOUT.margin_right_mm)
    normal = doc.styles["Normal"]
    _set_font(normal, LAYOUT.body_pt)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15


def _header(doc: Any, d: Document) -> None:
    if d.draft:
        p = _para(doc, DRAFT_MARK, size=LAYOUT.mark_pt, bold=True, align=RIGHT, after=6)
        _box(p)
    left_mm = LAYOUT.header_left_mm
    table = doc.add_table(rows=2, cols=2)
    _widths(table, [left_mm, LAYOUT.text_width_mm - left_mm])
    bodies = _first_paragraph(table.cell(0, 0))
    if d.superior:
        _para(bodies, d.superior, size=LAYOUT.issuer_pt)
    _para(bodies, d.issuer, size=LAYOUT.issuer_pt, bold=True)
    _para(bodies, ISSUER_STAR, size=LAYOUT.issuer_pt)
    title = _first_paragraph(table.cell(0, 1))
    _para(title, PARTY_TITLE, size=LAYOUT.party_title_pt, bold=True, underline=True)
    number = _first_paragraph(table.cell(1, 0))
    _para(number, d.number_line, size=LAYOUT.number_pt)
    for mark in d.marks:
        _para(number, mark, size=LAYOUT.mark_pt, bold=True)
    date = _first_paragraph(table.cell(1, 1))
    _para(date, d.date_line, size=LAYOUT.date_pt, italic=True)
    _para(doc, "", after=6)
    _para(doc, d.doc_type, size=LAYOUT.doc_type_pt, bold=True)
    if d.summary:
        _para(doc, d.summary, size=LAYOUT.summary_pt, bold=True)
    _para(doc, SUMMARY_RULE, size=LAYOUT.summary_pt, after=12)


def _table(doc: Any, block: Table) -> None:
    table = doc.add_table(rows=1, cols=len(block.columns))
    table.style = "Table Grid"
    widths = block.widths_mm(LAYOUT.text_width_mm)
    for cell, column in zip(table.rows[0].cells, block.columns, strict=True):
        _para(_first_paragraph(cell), column.title, size=LAYOUT.table_pt, bold=True)
    _repeat_header(table.rows[0])
    for row in block.cells():
        cells = table.add_row().cells
        for cell, (text, numeric) in zip(cells, row, strict=True):
            _para(_first_paragraph(cell), text, size=LAYOUT.table_pt, align=RIGHT if numeric else LEFT)
    _widths(table, widths)
    _para(doc, "", after=0)


def _body(doc: Any, d: Document) -> None:
    for block in d.body:
        if isinstance(block, Heading):
            _para(doc, block.text, bold=True, align=JUSTIFY, after=6, indent=True)
        elif isinstance(block, Paragraph):
            _para(doc, block.text, italic=block.italic, align=JUSTIFY, after=6, indent=True)
        elif isinstance(block, Table):
            _table(doc, block)
        elif isinstance(block, Image):
            doc.add_picture(io.BytesIO(block.png), width=Mm(block.width_mm))
            doc.paragraphs[-1].alignment = CENTER
            if block.caption:
                _para(doc, block.caption, italic=True, size=LAYOUT.table_pt, after=6)


def _closing(doc: Any, d: Document) -> None:
    _para(doc, "", after=6)
    half = LAYOUT.text_width_mm / 2
    table = doc.add_table(rows=1, cols=2)
    _widths(table, [half, half])
    left = _first_paragraph(table.cell(0, 0))
    _para(left, RECIPIENTS_LABEL, size=LAYOUT.recipients_label_pt, underline=True, align=LEFT)
    for line in d.recipients:
        _para(left, line, size=LAYOUT.recipients_pt, align=LEFT)
    right = _first_paragraph(table.cell(0, 1))
    sig = d.signature
    for line in (sig.authority, sig.position):
        if line:
            _para(right, line, size=LAYOUT.signature_pt, bold=True)
    _para(right, "", size=LAYOUT.signature_pt, after=LAYOUT.signature_space_pt)
    _para(right, sig.name, size=LAYOUT.signature_pt, bold=True)


def _header_footer(doc: Any, d: Document) -> None:
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    numbers = section.header.paragraphs[0]
    numbers.alignment = CENTER
    _page_number(numbers)
    for footer in (section.footer, section.first_page_footer):
        p = footer.paragraphs[0]
        p.alignment = LEFT
        run = p.add_run(plain(d.footer))
        run.italic = True
        run.font.size = Pt(LAYOUT.footer_pt)


def render_docx(d: Document) -> bytes:
    """The document as a .docx file."""
    doc = new_docx()
    _page(doc)
    doc.core_properties.title = plain(d.title or d.summary)[:250]
    doc.core_properties.language = "vi-VN"
    _header(doc, d)
    _body(doc, d)
    _closing(doc, d)
    _header_footer(doc, d)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
