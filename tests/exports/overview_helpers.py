"""Reading the overview's Excel and Word files the way a person reads their tables."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import docx
import openpyxl

from resmon.exports.documents.formats import vn_number

SUMMARY, RESOLUTIONS, CHILDREN, RANKING, PROVINCES = (
    "Tổng hợp",
    "Theo Nghị quyết",
    "Đơn vị trực thuộc",
    "Xếp hạng",
    "Tỉnh, thành phố",
)
STATUS_HEADERS = {
    "not_started": "Chưa thực hiện",
    "in_progress": "Đang thực hiện – trong hạn",
    "overdue": "Quá hạn – chưa hoàn thành",
    "done_on_time": "Hoàn thành đúng hạn",
    "done_late": "Hoàn thành quá hạn",
    "paused": "Tạm dừng",
    "cancelled": "Hủy bỏ",
}


def workbook(content: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(content))


def records(ws) -> list[dict[str, Any]]:
    """The sheet's table as dicts keyed by the header, up to the first empty row."""
    header = [c.value for c in ws[1]]
    out = []
    for row in ws.iter_rows(min_row=2, values_only=True):
        if all(v is None for v in row):
            break
        out.append(dict(zip(header, row, strict=True)))
    return out


def summary(ws) -> dict[str, Any]:
    return {label: value for label, value in ws.iter_rows(min_row=2, values_only=True) if label != "Ghi chú"}


def dec(value: Any) -> Decimal | None:
    """An API string ("45.50"), an Excel number (45.5) or None, as a comparable Decimal."""
    return None if value is None else Decimal(str(value))


def printed(value: Any) -> str:
    """How the Word document prints an API value: 1.234,5, "–" for none."""
    return "–" if value is None else vn_number(value)


def word_tables(content: bytes) -> list[list[list[str]]]:
    """The body's data tables (not the header and closing layout tables), as rows of cell texts."""
    d = docx.Document(io.BytesIO(content))
    tables = [[[cell.text for cell in row.cells] for row in t.rows] for t in d.tables]
    return [t for t in tables[1:-1] if t]


def word_table(content: bytes, *, has: str, without: str | None = None) -> list[dict[str, str]]:
    """The one data table whose header has the column ``has`` (and not ``without``), as dicts."""
    found = [t for t in word_tables(content) if has in t[0] and (without is None or without not in t[0])]
    assert len(found) == 1, [t[0] for t in word_tables(content)]
    header, *rows = found[0]
    return [dict(zip(header, row, strict=True)) for row in rows]
