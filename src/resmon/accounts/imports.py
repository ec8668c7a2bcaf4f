"""Reading an account list uploaded as Excel (.xlsx) or CSV, and the files offered for download.

Only parsing lives here: which rows and columns the file holds, with the row numbers the user
sees in Excel (header = row 1). Checking the rows against the database and creating the
accounts is ``services.bulk_import``.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from resmon.core import classified
from resmon.core.access import Role

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
MAX_COLUMNS = 40

# canonical column -> accepted headers (compared without accents, case or punctuation)
COLUMNS: dict[str, tuple[str, ...]] = {
    "username": ("username", "ten_dang_nhap", "tai_khoan", "login"),
    "full_name": ("full_name", "ho_ten", "ho_va_ten", "name"),
    "agency_code": ("agency_code", "ma_co_quan", "ma_don_vi", "agency"),
    "role": ("role", "vai_tro"),
    "email": ("email", "e_mail", "thu_dien_tu"),
    "position": ("position", "chuc_vu"),
    "phone": ("phone", "dien_thoai", "so_dien_thoai"),
}
REQUIRED = ("username", "full_name", "agency_code", "role")
TEMPLATE_HEADERS = ("ten_dang_nhap", "ho_ten", "ma_co_quan", "vai_tro", "email", "chuc_vu", "dien_thoai")

_ROLE_ALIASES = {
    "quan_tri_he_thong": Role.SYSTEM_ADMIN,
    "quan_tri_vien_he_thong": Role.SYSTEM_ADMIN,
    "quan_tri_don_vi": Role.AGENCY_ADMIN,
    "quan_tri_co_quan": Role.AGENCY_ADMIN,
    "quan_tri_vien": Role.AGENCY_ADMIN,
    "quan_tri": Role.AGENCY_ADMIN,
    "lanh_dao": Role.LEADER,
    "can_bo_dau_moi": Role.FOCAL_OFFICER,
    "dau_moi": Role.FOCAL_OFFICER,
    "chuyen_vien": Role.FOCAL_OFFICER,
    "kiem_tra": Role.INSPECTOR,
    "giam_sat": Role.INSPECTOR,
    "kiem_tra_giam_sat": Role.INSPECTOR,
}


@dataclass(frozen=True)
class RowError:
    row: int | None  # as the user sees it in Excel; None for the whole file
    field: str
    message: str


@dataclass
class ImportResult:
    created: list[tuple[Any, str]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def normalise(text: Any) -> str:
    """'Tên đăng nhập' -> 'ten_dang_nhap'."""
    s = str(text or "").strip().replace("đ", "d").replace("Đ", "D")
    s = "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")
    return re.sub(r"[^a-z0-9]+", "_", s.lower()).strip("_")


@functools.lru_cache(maxsize=1)
def _role_lookup() -> dict[str, str]:
    table = dict(_ROLE_ALIASES)
    for code, label in Role.choices:
        table[normalise(code)] = code
        for lang in ("en", "vi"):
            with translation.override(lang):
                table[normalise(str(label))] = code
    return table


def role_code(value: str) -> str | None:
    """A role given as its code or its label (English or Vietnamese); None if unknown."""
    key = normalise(value)
    return _role_lookup().get(key) if key else None


@dataclass
class ParsedFile:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @staticmethod
    def role_code(value: str) -> str | None:
        return role_code(value)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _file_error(message: str) -> ParsedFile:
    return ParsedFile(errors=[RowError(None, "file", message)])


def _read_xlsx(data: bytes) -> list[list[str]] | str:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        return _("The file could not be read as an Excel workbook (.xlsx). Use the template.")
    except Exception:  # openpyxl raises its own exception types for damaged workbooks
        return _("The file could not be read as an Excel workbook (.xlsx). Use the template.")
    try:
        ws = wb.worksheets[0]
        out: list[list[str]] = []
        for values in ws.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True):
            out.append([_cell_text(v) for v in values])
            if len(out) > MAX_ROWS + 1:
                break
        return out
    finally:
        wb.close()


def _read_csv(data: bytes) -> list[list[str]] | str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _("The CSV file is not UTF-8 text. In Excel choose “Save as” → “CSV UTF-8”.")
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out: list[list[str]] = []
    try:
        for values in reader:
            out.append([v.strip() for v in values[:MAX_COLUMNS]])
            if len(out) > MAX_ROWS + 1:
                break
    except csv.Error:
        return _("The CSV file is malformed (check quotation marks around cells).")
    return out


def parse_upload(uploaded_file: Any) -> ParsedFile:
    """Rows of the uploaded file as dicts of the canonical columns, each with its ``_row``."""
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > MAX_BYTES:
        return _file_error(_("The file is larger than 2 MB; split it into several files."))
    data = uploaded_file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return _file_error(_("The file is larger than 2 MB; split it into several files."))
    if not data.strip():
        return _file_error(_("The file is empty."))
    if data[:2] == b"PK":
        table = _read_xlsx(data)
    elif data[:4] == b"\xd0\xcf\x11\xe0":
        return _file_error(_("Old Excel files (.xls) are not accepted; save the file as .xlsx or CSV UTF-8."))
    else:
        table = _read_csv(data)
    if isinstance(table, str):
        return _file_error(table)

    numbered = [(i, row) for i, row in enumerate(table, start=1) if any(row)]
    if not numbered:
        return _file_error(_("The file is empty."))
    header_row, header = numbered[0]
    if any(classified.mark_in_text(str(v or "")) for v in header):
        return _file_error(str(classified.FILE_MESSAGE))  # a stamped file: "MẬT" above the table
    columns: dict[int, str] = {}
    aliases = {alias: canon for canon, names in COLUMNS.items() for alias in names}
    for idx, title in enumerate(header):
        canon = aliases.get(normalise(title))
        if canon and canon not in columns.values():
            columns[idx] = canon
    missing = [c for c in REQUIRED if c not in columns.values()]
    if missing:
        return _file_error(
            _("Row %(row)s must be the header; missing columns: %(cols)s. Download the template.")
            % {"row": header_row, "cols": ", ".join(f"{c} / {COLUMNS[c][1]}" for c in missing)}
        )
    data_rows = numbered[1:]
    if len(data_rows) > MAX_ROWS:
        return _file_error(
            _("The file has more than %(max)s account rows; split it into several files.") % {"max": MAX_ROWS}
        )
    if not data_rows:
        return _file_error(_("The file has a header but no account rows."))
    rows = []
    marked: list[RowError] = []
    for line, values in data_rows:
        row: dict[str, Any] = {c: "" for c in COLUMNS}
        for idx, canon in columns.items():
            if idx < len(values):
                row[canon] = values[idx]
                if classified.mark_in_text(str(values[idx] or "")):
                    marked.append(RowError(line, canon, str(classified.TEXT_MESSAGE)))
        row["_row"] = line
        rows.append(row)
    return ParsedFile(rows=rows, errors=marked)


def template_csv() -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerow(TEMPLATE_HEADERS)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def template_xlsx(example_agency_code: str = "") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "TaiKhoan"
    ws.append(list(TEMPLATE_HEADERS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for col, width in zip("ABCDEFG", (22, 28, 16, 18, 28, 22, 16), strict=True):
        ws.column_dimensions[col].width = width
    help_ws = wb.create_sheet(_("Instructions"))
    help_ws.append([_("One account per row on the first sheet; keep the header row.")])
    help_ws.append([_("Required columns: ten_dang_nhap, ho_ten, ma_co_quan, vai_tro.")])
    help_ws.append([_("Usernames: lowercase letters without accents, digits, dots, dashes, underscores.")])
    help_ws.append([_("Roles (code or name):")])
    for code, label in Role.choices:
        help_ws.append([code, str(label)])
    help_ws.append([])
    help_ws.append([_("Example row:")])
    help_ws.append(
        [
            "nguyen.van.a",
            "Nguyễn Văn A",
            example_agency_code or "HNI",
            Role.FOCAL_OFFICER,
            "nguyenvana@example.gov.vn",
            "Chuyên viên",
            "0912345678",
        ]
    )
    help_ws.column_dimensions["A"].width = 60
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _safe_cell(value: str) -> str:
    """Keep spreadsheet programs from reading a cell as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def credentials_csv(rows: list[tuple[str, str, str, str]]) -> bytes:
    """(username, full name, agency code, temporary password) rows, UTF-8 with BOM for Excel."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["ten_dang_nhap", "ho_ten", "ma_co_quan", "mat_khau_tam"])
    writer.writerows([[_safe_cell(v) for v in row] for row in rows])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
