"""Reading and checking an action programme's Excel file, row by row and column by column.

Nothing here writes: :func:`read_workbook` turns the file into raw cells (or refuses the file),
:func:`validate_rows` turns the cells into checked rows, collecting every problem before it refuses.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from resmon.agencies.models import Agency
from resmon.core import classified
from resmon.core.errors import ValidationFailed

from .. import excel_format as fmt

ZIP_SIGNATURE = b"PK\x03\x04"
DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
MAX_LENGTHS = {
    "code": 40,
    "title": 500,
    "officer": 150,
    "deliverable": 500,
    "authority": 300,
    "sub_deliverables": 300,
}
WEIGHT_MAX = Decimal("10000")
HEADER_SEARCH_ROWS = 30


@dataclass(frozen=True)
class CellError:
    """One problem: the row as numbered in Excel (None for the whole file), the column letter and
    header ("" when the problem is not in one column) and a message."""

    row: int | None
    column: str
    header: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "header": self.header, "message": self.message}


class ImportRejected(ValidationFailed):
    code = "import_rejected"

    def __init__(self, report: list[CellError]):
        message = ngettext(
            "The file was not imported: %(n)d problem was found. Nothing was saved.",
            "The file was not imported: %(n)d problems were found. Nothing was saved.",
            len(report),
        ) % {"n": len(report)}
        super().__init__(
            message,
            code=classified.code_of({"file": [e.message for e in report]}),  # marks alone: "classified"
            extra={"errors": [e.as_dict() for e in report]},
        )
        self.report = report


@dataclass
class Sheet:
    program_id: Any
    columns: dict[str, int]  # column key -> 0-based index
    rows: list[tuple[int, tuple[Any, ...]]]  # (Excel row number, the row's values)


@dataclass
class ParsedRow:
    row: int
    code: str
    parts: tuple[int, ...]
    task_id: int | None
    lead: Agency | None
    values: dict[str, Any] = field(default_factory=dict)
    coordinations: list[tuple[Agency, str]] | None = None
    clauses: list[str] | None = None
    due: dt.date | None = None
    justified: bool = False


def file_error(message: str) -> ImportRejected:
    return ImportRejected([CellError(None, "", "", message)])


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y")
    return str(value).replace("\x00", "").strip()


def read_workbook(data: bytes) -> Sheet:
    """The task sheet's header map and non-empty rows; ImportRejected if the file is not the template."""
    from openpyxl import load_workbook

    if len(data) > fmt.MAX_BYTES:
        raise file_error(_("The file is larger than 5 MB."))
    if not data.startswith(ZIP_SIGNATURE):
        raise file_error(
            _("The file is not an Excel workbook (.xlsx). Export the programme and use that file.")
        )
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many exception types for damaged workbooks
        raise file_error(
            _("The file could not be read as an Excel workbook (.xlsx); it may be damaged.")
        ) from None
    try:
        if fmt.SHEET_TASKS not in wb.sheetnames:
            raise file_error(
                _("The workbook has no sheet named “%(sheet)s”. Use the exported template.")
                % {"sheet": fmt.SHEET_TASKS}
            )
        ws = wb[fmt.SHEET_TASKS]
        return _read_sheet(ws)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError):
        raise file_error(
            _("The file could not be read as an Excel workbook (.xlsx); it may be damaged.")
        ) from None
    finally:
        wb.close()


def _read_sheet(ws: Any) -> Sheet:
    wanted = {fmt.normalise_label(c.header): c.key for c in fmt.COLUMNS}
    program_id: Any = None
    columns: dict[str, int] | None = None
    rows: list[tuple[int, tuple[Any, ...]]] = []
    n_columns = len(fmt.COLUMNS) + 10
    for number, values in enumerate(ws.iter_rows(max_col=n_columns, values_only=True), start=1):
        if columns is None:
            # the rows above the header: a classification stamp there marks the whole file
            if any(classified.mark_in_text(cell_text(v)) for v in values):
                raise file_error(str(classified.FILE_MESSAGE))
            first = fmt.normalise_label(cell_text(values[0])) if values else ""
            if first == fmt.normalise_label(fmt.INFO_PROGRAM_ID[1]) and len(values) > 1:
                program_id = values[1]
            labels = [fmt.normalise_label(cell_text(v)) for v in values]
            if "mã" in labels and fmt.normalise_label(fmt.COLUMN_BY_KEY["title"].header) in labels:
                columns = {}
                for i, label in enumerate(labels):
                    if label in wanted and wanted[label] not in columns:
                        columns[wanted[label]] = i
                missing = [fmt.COLUMN_BY_KEY[k].header for k in ("code", "title", "lead") if k not in columns]
                if missing:
                    raise file_error(
                        _("Row %(row)d lacks the required column(s): %(cols)s.")
                        % {"row": number, "cols": ", ".join(missing)}
                    )
            elif number >= HEADER_SEARCH_ROWS:
                break
            continue
        if all(cell_text(v) == "" for v in values):
            continue
        rows.append((number, values))
        if len(rows) > fmt.MAX_ROWS:
            raise file_error(
                _("The file has more than %(n)d task rows; split the programme or contact the administrator.")
                % {"n": fmt.MAX_ROWS}
            )
    if columns is None:
        raise file_error(
            _("The sheet “%(sheet)s” has no header row with the columns “Mã” and “Tên nhiệm vụ”.")
            % {"sheet": fmt.SHEET_TASKS}
        )
    return Sheet(program_id=program_id, columns=columns, rows=rows)


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(fmt.LIST_SEPARATOR)]


def parse_due(value: Any) -> tuple[dt.date | None, bool] | None:
    """(due date, ongoing), or None if the value is not a date nor "Thường xuyên"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, False
    if isinstance(value, dt.datetime):
        return value.date(), False
    if isinstance(value, dt.date):
        return value, False
    text = cell_text(value)
    if fmt.normalise_label(text) == fmt.normalise_label(fmt.ONGOING):
        return None, True
    match = DATE_RE.match(text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day), False
        match = ISO_DATE_RE.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            return dt.date(year, month, day), False
    except ValueError:
        return None
    return None


def parse_weight(value: Any) -> Decimal | None:
    text = cell_text(value).replace(",", ".")
    if not text:
        return Decimal(1)
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number < 0 or number > WEIGHT_MAX:
        return None
    return number.quantize(Decimal("0.01"))
