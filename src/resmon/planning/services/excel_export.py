"""Export of an action programme to the Excel template of :mod:`resmon.planning.excel_format`.

Values only (no formulas). Each task's code is its place in the tree: a stored code is kept when it
fits ("parent code" + "." + a number larger than the previous sibling's), otherwise the next free
number is given, so the exported codes always describe the tree and import back to it.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.utils.text import slugify

from .. import excel_format as fmt
from .. import selectors_excel
from ..models import ActionProgram, Task

HEADER_FILL = "DDE7F3"


def natural_key(task: Task) -> tuple[Any, ...]:
    parts = fmt.code_parts(task.code or "")
    return (task.position, 0 if parts else 1, parts or (), task.pk)


def tree_order(tasks: Iterable[Task]) -> list[tuple[Task, str]]:
    """The tasks depth first, siblings in their order, each with its hierarchical code."""
    tasks = list(tasks)
    ids = {t.pk for t in tasks}
    children: dict[int | None, list[Task]] = defaultdict(list)
    for t in tasks:
        children[t.parent_id if t.parent_id in ids else None].append(t)
    out: list[tuple[Task, str]] = []

    def walk(parent_id: int | None, prefix: tuple[int, ...]) -> None:
        last = 0
        for t in sorted(children.get(parent_id, ()), key=natural_key):
            parts = fmt.code_parts(t.code or "")
            fits = parts is not None and parts[:-1] == prefix and parts[-1] > last
            number = parts[-1] if fits else last + 1
            last = number
            mine = (*prefix, number)
            out.append((t, ".".join(str(p) for p in mine)))
            walk(t.pk, mine)

    walk(None, ())
    return out


def export_filename(program: ActionProgram) -> str:
    return f"chuong-trinh-{slugify(f'{program.resolution.number}-{program.agency.code}')}.xlsx"


def _row_values(task: Task, code: str) -> dict[str, Any]:
    coordinations = list(task.coordinations.all())
    due: Any = fmt.ONGOING if task.ongoing else task.due_date
    return {
        "code": code,
        "title": task.title,
        "lead": task.lead_agency.code,
        "officer": task.responsible_officer,
        "coordinating": f"{fmt.LIST_SEPARATOR} ".join(c.agency.code for c in coordinations),
        "sub_deliverables": (
            f"{fmt.LIST_SEPARATOR} ".join(c.sub_deliverable for c in coordinations)
            if any(c.sub_deliverable for c in coordinations)
            else ""
        ),
        "due": due,
        "review_period": fmt.REVIEW_PERIOD_LABELS.get(task.review_period, ""),
        "deliverable_type": fmt.DELIVERABLE_LABELS.get(task.deliverable_type, ""),
        "deliverable": task.deliverable,
        "authority": task.authority,
        "weight": task.weight,
        "justification": task.deadline_justification,
        "clauses": f"{fmt.LIST_SEPARATOR} ".join(c.reference for c in task.clauses.all()),
        "description": task.description,
        "id": task.pk,
    }


def export_program(user: Any, program: ActionProgram) -> bytes:
    """The programme as an .xlsx file: the tasks the user may see, in the fixed template."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    rows = tree_order(selectors_excel.program_tasks_for_export(user, program))
    agencies = list(selectors_excel.program_agency_choices(program))
    clause_refs = list(program.resolution.clauses.order_by("order", "id").values_list("reference", flat=True))

    wb = Workbook()
    ws = wb.active
    ws.title = fmt.SHEET_TASKS
    bold = Font(bold=True)
    unlocked = Protection(locked=False)
    letters = {c.key: get_column_letter(i) for i, c in enumerate(fmt.COLUMNS, start=1)}

    # the header block
    info = [
        (fmt.INFO_RESOLUTION, f"{program.resolution.number} – {program.resolution.title}"),
        (fmt.INFO_AGENCY, f"{program.agency.name} ({program.agency.code})"),
        (fmt.INFO_PROGRAM_ID, program.pk),
        (fmt.INFO_NUMBER, program.number),
        (fmt.INFO_TITLE, program.title),
        (fmt.INFO_STATUS, fmt.STATUS_LABELS.get(program.status, program.status)),
    ]
    for (row, label), value in info:
        ws.cell(row=row, column=1, value=label).font = bold
        # control characters (which a cell cannot hold) left out, as in the Word and PDF documents
        ws.cell(
            row=row, column=2, value=ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
        )

    # the table
    fill = PatternFill("solid", fgColor=HEADER_FILL)
    for i, column in enumerate(fmt.COLUMNS, start=1):
        cell = ws.cell(row=fmt.HEADER_ROW, column=i, value=column.header)
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        dim = ws.column_dimensions[letters[column.key]]
        dim.width = column.width
        if column.key != "id":
            dim.protection = unlocked
    ws.column_dimensions[letters["id"]].hidden = True
    ws.column_dimensions[letters["code"]].number_format = "@"

    keys = [c.key for c in fmt.COLUMNS]
    for r, (task, code) in enumerate(rows, start=fmt.FIRST_DATA_ROW):
        values = _row_values(task, code)
        for i, key in enumerate(keys, start=1):
            value = values[key]
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell = ws.cell(row=r, column=i, value=None if value == "" else value)
            if key == "id":
                continue
            cell.protection = unlocked
            if key == "code":
                cell.number_format = "@"
            elif key == "due" and value and value != fmt.ONGOING:
                cell.number_format = fmt.DATE_FORMAT
            elif key in {"title", "deliverable", "description"}:
                cell.alignment = Alignment(wrap_text=True, vertical="top")

    last_row = fmt.FIRST_DATA_ROW + len(rows) + fmt.SPARE_ROWS
    lists_sheet = f"'{fmt.SHEET_LISTS}'"

    def validate(key: str, dv: DataValidation) -> None:
        dv.add(f"{letters[key]}{fmt.FIRST_DATA_ROW}:{letters[key]}{last_row}")
        ws.add_data_validation(dv)

    validate(
        "lead",
        DataValidation(
            type="list",
            formula1=f"={lists_sheet}!$A$2:$A${max(len(agencies), 1) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Cơ quan chủ trì",
            error="Chọn mã cơ quan trong sheet “Danh mục”.",
        ),
    )
    validate(
        "deliverable_type",
        DataValidation(
            type="list",
            formula1=f"={lists_sheet}!$D$2:$D${len(fmt.DELIVERABLE_LABELS) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            error="Chọn loại sản phẩm trong danh sách.",
        ),
    )
    validate(
        "review_period",
        DataValidation(
            type="list",
            formula1=f"={lists_sheet}!$F$2:$F${len(fmt.REVIEW_PERIOD_LABELS) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            error="Chọn định kỳ đánh giá trong danh sách.",
        ),
    )
    validate(
        "weight",
        DataValidation(
            type="decimal",
            operator="greaterThanOrEqual",
            formula1="0",
            allow_blank=True,
            showErrorMessage=True,
            error="Trọng số là số không âm.",
        ),
    )
    validate(
        "due",
        DataValidation(
            allow_blank=True,
            showInputMessage=True,
            promptTitle="Thời hạn",
            prompt="Ngày dạng dd/mm/yyyy hoặc “Thường xuyên”.",
        ),
    )
    ws.freeze_panes = f"C{fmt.FIRST_DATA_ROW}"
    ws.auto_filter.ref = (
        f"A{fmt.HEADER_ROW}:{letters['description']}{fmt.FIRST_DATA_ROW + max(len(rows), 1) - 1}"
    )
    ws.protection.sheet = True
    for allowed in (
        "formatCells",
        "formatColumns",
        "formatRows",
        "insertRows",
        "deleteRows",
        "sort",
        "autoFilter",
    ):
        setattr(ws.protection, allowed, False)

    _guide_sheet(wb.create_sheet(fmt.SHEET_GUIDE), letters)
    _lists_sheet(wb.create_sheet(fmt.SHEET_LISTS), agencies, clause_refs)

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _guide_sheet(ws: Any, letters: dict[str, str]) -> None:
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    ws.cell(row=1, column=1, value=fmt.GUIDE_INTRO[0]).font = Font(bold=True, size=13)
    for i, line in enumerate(fmt.GUIDE_INTRO[1:], start=2):
        ws.cell(row=i, column=1, value=line)
    start = len(fmt.GUIDE_INTRO) + 2
    for i, header in enumerate(("Cột", "Tiêu đề", "Hướng dẫn"), start=1):
        ws.cell(row=start, column=i, value=header).font = bold
    for r, column in enumerate(fmt.COLUMNS, start=start + 1):
        ws.cell(row=r, column=1, value=letters[column.key])
        ws.cell(row=r, column=2, value=column.header)
        ws.cell(row=r, column=3, value=column.guide).alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 8
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].width = 100


def _lists_sheet(ws: Any, agencies: list[Any], clause_refs: list[str]) -> None:
    from openpyxl.styles import Font

    bold = Font(bold=True)
    headers = {
        1: "Mã cơ quan",
        2: "Tên cơ quan",
        4: "Loại sản phẩm",
        6: "Định kỳ đánh giá",
        8: "Nội dung Nghị quyết",
    }
    for column, header in headers.items():
        ws.cell(row=1, column=column, value=header).font = bold
    for r, agency in enumerate(agencies, start=2):
        ws.cell(row=r, column=1, value=agency.code)
        ws.cell(row=r, column=2, value=agency.name)
    for r, label in enumerate(fmt.DELIVERABLE_LABELS.values(), start=2):
        ws.cell(row=r, column=4, value=label)
    for r, label in enumerate(fmt.REVIEW_PERIOD_LABELS.values(), start=2):
        ws.cell(row=r, column=6, value=label)
    for r, ref in enumerate(clause_refs, start=2):
        ws.cell(row=r, column=8, value=ref)
    for letter, width in (("A", 16), ("B", 50), ("D", 34), ("F", 18), ("H", 20)):
        ws.column_dimensions[letter].width = width
