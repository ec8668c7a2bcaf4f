"""The evaluation list as an Excel workbook (openpyxl), in the style of the overview's: values and not
formulas, numbers as numbers, a bold frozen header row and an autofilter, Vietnamese headers (the
file is a document an office files). A second sheet states the rule and the cap check."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from resmon.core import clock

from . import explain
from .models import CRITERIA, Evaluation, Level, State
from .scoring import CapCheck, Rule

SCORE = "0.0"
PERCENT = "0.00"
DATE = "dd/mm/yyyy"
DATETIME = "dd/mm/yyyy hh:mm"
HEADER_FILL = "DDE7F3"

SHEET_LIST = "Đánh giá, xếp loại"
SHEET_RULE = "Quy tắc"

LEVEL_VI = {
    Level.EXCELLENT: "Hoàn thành xuất sắc nhiệm vụ",
    Level.GOOD: "Hoàn thành tốt nhiệm vụ",
    Level.DONE: "Hoàn thành nhiệm vụ",
    Level.NOT_DONE: "Không hoàn thành nhiệm vụ",
}
STATE_VI = {
    State.COMPUTED: "Hệ thống đã tính điểm, chờ tự đánh giá",
    State.SELF_ASSESSED: "Đã tự đánh giá, chờ thẩm định",
    State.APPRAISED: "Đã thẩm định, chờ quyết định",
    State.DECIDED: "Đã quyết định",
}
CRITERION_VI = {
    "on_time": "Hoàn thành đúng hạn (%)",
    "progress": "Tiến độ so với kế hoạch (%)",
    "kpi": "Đạt chỉ tiêu (%)",
    "reporting": "Báo cáo đầy đủ, đúng hạn (%)",
    "directives": "Thực hiện ý kiến chỉ đạo (%)",
}
NOT_APPLICABLE = "Không áp dụng"


@dataclass
class Col:
    title: str
    width: float
    fmt: str | None = None


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.astimezone(clock.tz()).replace(tzinfo=None)


def _level(value: str) -> str:
    return LEVEL_VI.get(value, "") if value else ""  # type: ignore[call-overload]


def _sheet(wb: Any, title: str, cols: list[Col], rows: Iterable[list[Any]]) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
    for i, col in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=i, value=col.title)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(i)].width = col.width
    count = 0
    for r, row in enumerate(rows, start=2):
        count += 1
        for i, (col, value) in enumerate(zip(cols, row, strict=True), start=1):
            if isinstance(value, str):  # control characters cannot be in a cell
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell = ws.cell(row=r, column=i, value=value)
            if col.fmt and value is not None and not isinstance(value, str):
                cell.number_format = col.fmt
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(count + 1, 2)}"
    return ws


LIST_COLS = [
    Col("Mã đơn vị", 16),
    Col("Đơn vị", 44),
    Col("Kỳ đánh giá", 16),
    Col("Điểm", 8, SCORE),
    Col("Xếp loại hệ thống đề xuất", 28),
    *(Col(CRITERION_VI[k], 16, PERCENT) for k in CRITERIA),
    Col("Tự đánh giá", 28),
    Col("Thẩm định, đề xuất", 28),
    Col("Quyết định", 28),
    Col("Số quyết định", 16),
    Col("Ngày quyết định", 14, DATE),
    Col("Trạng thái", 30),
    Col("Phiên bản quy tắc", 10, "0"),
    Col("Tính lúc", 17, DATETIME),
]


def _row(ev: Evaluation) -> list[Any]:
    rows = {r.key: r for r in explain.criteria(ev)}
    return [
        ev.agency.code,
        ev.agency.name,
        ev.period_label,
        ev.score,
        _level(ev.proposed_level),
        *(rows[k].rate if rows[k].rate is not None else NOT_APPLICABLE for k in CRITERIA),
        _level(ev.self_level),
        _level(ev.appraisal_level),
        _level(ev.decision_level),
        ev.decision_number or None,
        ev.decision_date,
        STATE_VI.get(ev.state, ev.state),  # type: ignore[call-overload]
        ev.rule_version,
        _local(ev.computed_at),
    ]


def _rule_rows(rule: Rule, cap: CapCheck, label: str, root_name: str) -> list[list[Any]]:
    rows: list[list[Any]] = [
        ["Đơn vị (cùng các đơn vị trực thuộc)", root_name],
        ["Kỳ đánh giá", label],
        ["Phiên bản quy tắc hiện hành", rule.version],
    ]
    rows += [
        [f"Trọng số: {CRITERION_VI[k].removesuffix(' (%)')}", int(rule.weights.get(k, 0))] for k in CRITERIA
    ]
    rows += [
        ["Hoàn thành xuất sắc nhiệm vụ: từ (điểm)", rule.excellent_from],
        ["Hoàn thành tốt nhiệm vụ: từ (điểm)", rule.good_from],
        ["Hoàn thành nhiệm vụ: từ (điểm)", rule.pass_from],
        ["Xuất sắc tối đa (% số được xếp loại từ tốt trở lên)", rule.cap_percent],
        ["Số xếp loại xuất sắc (đã quyết định, hoặc đã thẩm định)", cap.excellent],
        ["Số xếp loại tốt (đã quyết định, hoặc đã thẩm định)", cap.good],
        ["Tỷ lệ xuất sắc / từ tốt trở lên (%)", cap.share],
        ["Vượt tỷ lệ tối đa", "Có" if cap.exceeded else "Không"],
        ["Thời điểm xuất", _local(clock.now())],
        [
            "Ghi chú",
            "Tiêu chí không có số liệu thì không áp dụng; trọng số của tiêu chí đó được chia cho các tiêu "
            "chí còn lại theo tỷ lệ trọng số. Hệ thống đề xuất, cấp có thẩm quyền quyết định.",
        ],
    ]
    return rows


def evaluation_workbook(
    evaluations: Iterable[Evaluation], *, rule: Rule, cap: CapCheck, label: str, root_name: str
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, SHEET_LIST, LIST_COLS, (_row(ev) for ev in evaluations))
    ws = _sheet(
        wb, SHEET_RULE, [Col("Nội dung", 52), Col("Giá trị", 70)], _rule_rows(rule, cap, label, root_name)
    )
    for (cell,) in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        if isinstance(cell.value, dt.datetime):
            cell.number_format = DATETIME
        elif isinstance(cell.value, Decimal):
            cell.number_format = SCORE
        elif isinstance(cell.value, str):
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
