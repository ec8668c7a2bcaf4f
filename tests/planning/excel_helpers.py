"""Helpers for the Excel round-trip tests: open an exported file, change cells by header, save."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook, load_workbook

from resmon.planning import excel_format as fmt
from resmon.planning.services import excel

HEADERS = {c.key: i for i, c in enumerate(fmt.COLUMNS, start=1)}


def exported(user, program) -> Workbook:
    return load_workbook(io.BytesIO(excel.export_program(user, program)))


def to_bytes(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def tasks_sheet(wb: Workbook):
    return wb[fmt.SHEET_TASKS]


def row_of(wb: Workbook, code: str) -> int:
    ws = tasks_sheet(wb)
    for r in range(fmt.FIRST_DATA_ROW, ws.max_row + 1):
        if ws.cell(row=r, column=HEADERS["code"]).value == code:
            return r
    raise AssertionError(f"no row with code {code}")


def cell(wb: Workbook, code: str, key: str) -> Any:
    return tasks_sheet(wb).cell(row=row_of(wb, code), column=HEADERS[key]).value


def set_cell(wb: Workbook, code: str, key: str, value: Any) -> int:
    r = row_of(wb, code)
    tasks_sheet(wb).cell(row=r, column=HEADERS[key]).value = value
    return r


def append_row(wb: Workbook, **values: Any) -> int:
    ws = tasks_sheet(wb)
    r = max(ws.max_row + 1, fmt.FIRST_DATA_ROW)
    for key, value in values.items():
        ws.cell(row=r, column=HEADERS[key], value=value)
    return r


def letter(key: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(HEADERS[key])
