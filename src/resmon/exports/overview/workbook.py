"""The overview as an Excel workbook (openpyxl): one sheet per table of the page, values and not
formulas, numbers as numbers (the page's rounded Decimals) with number formats, a bold frozen
header row and an autofilter on every table, Vietnamese headers."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from resmon.core import clock
from resmon.dashboards import selectors as dashboards
from resmon.dashboards.selectors import Overview
from resmon.rollups.models import STATUS_FIELDS

from . import labels as vi

PERCENT = "0.00"  # progress and rates: percent figures, two decimals
COUNT = "#,##0"
DATETIME = "dd/mm/yyyy hh:mm"
DATE = "dd/mm/yyyy"
HEADER_FILL = "DDE7F3"

SHEET_SUMMARY = "Tổng hợp"
SHEET_RESOLUTIONS = "Theo Nghị quyết"
SHEET_CHILDREN = "Đơn vị trực thuộc"
SHEET_RANKING = "Xếp hạng"
SHEET_PROVINCES = "Tỉnh, thành phố"


@dataclass
class Col:
    title: str
    width: float
    fmt: str | None = None  # a number format for the column's values


def _local(value: dt.datetime | None) -> dt.datetime | None:
    """Excel has no time zones: the deployment's wall-clock time."""
    return None if value is None else value.astimezone(clock.tz()).replace(tzinfo=None)


def _sheet(wb: Any, title: str, cols: list[Col], rows: list[list[Any]]) -> Any:
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
    for r, row in enumerate(rows, start=2):
        for i, (col, value) in enumerate(zip(cols, row, strict=True), start=1):
            if isinstance(value, str):  # control characters cannot be in a cell
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell = ws.cell(row=r, column=i, value=value)
            if col.fmt and value is not None and not isinstance(value, str):
                cell.number_format = col.fmt
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(len(rows) + 1, 2)}"
    return ws


def _summary_rows(o: Overview) -> list[list[Any]]:
    h = o.headline
    period = "" if o.period is None else o.period.label
    rows: list[list[Any]] = [
        ["Đơn vị", vi.agency_label(o.agency)],
        ["Mã đơn vị", o.agency.code],
        ["Nghị quyết", vi.ALL_RESOLUTIONS if o.resolution is None else o.resolution.number],
        ["Kỳ báo cáo", period or vi.NO_PERIOD],
    ]
    if o.period is not None:
        rows += [["Từ ngày", o.period.start], ["Đến ngày", o.period.end]]
    rows += [
        ["Số liệu tính đến", _local(o.computed_at)],
        ["Thời điểm xuất", _local(clock.now())],
        ["Tổng số nhiệm vụ", h.tasks],
        ["Quá hạn – chưa hoàn thành", h.overdue],
        ["Tỷ lệ hoàn thành đúng hạn (%)", h.on_time_rate],
        ["Báo cáo chưa gửi trong kỳ", h.reports_missing],
        ["Báo cáo phải gửi trong kỳ", h.reports_expected],
        ["Số đơn vị trực thuộc", o.children_count],
        [f"Nhiệm vụ do {o.agency.name} trực tiếp chủ trì", o.own_tasks],
        ["Ghi chú", vi.ON_TIME_RULE],
        ["Ghi chú", vi.PROGRESS_RULE],
        ["Ghi chú", vi.COMPLETENESS_RULE],
    ]
    return rows


def _write_summary(wb: Any, o: Overview) -> None:
    from openpyxl.styles import Alignment

    ws = _sheet(wb, SHEET_SUMMARY, [Col("Nội dung", 42), Col("Giá trị", 90)], _summary_rows(o))
    for (cell,) in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        if isinstance(cell.value, dt.datetime):
            cell.number_format = DATETIME
        elif isinstance(cell.value, dt.date):
            cell.number_format = DATE
        elif isinstance(cell.value, Decimal):
            cell.number_format = PERCENT
        elif isinstance(cell.value, int):
            cell.number_format = COUNT
        else:
            cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")


def _write_resolutions(wb: Any, o: Overview) -> None:
    cols = [
        Col("Số nghị quyết", 14),
        Col("Trích yếu", 50),
        Col("Số nhiệm vụ", 12, COUNT),
        *(Col(vi.STATUS_LABELS[s], 16, COUNT) for s in STATUS_FIELDS),
        Col("Tiến độ (%)", 12, PERCENT),
        Col("Tỷ lệ hoàn thành đúng hạn (%)", 16, PERCENT),
    ]
    rows = [
        [
            f.resolution.number,
            f.resolution.title,
            f.tasks,
            *(f.counts[s] for s in STATUS_FIELDS),
            f.progress,
            f.on_time_rate,
        ]
        for f in o.by_resolution
    ]
    _sheet(wb, SHEET_RESOLUTIONS, cols, rows)


def _write_children(wb: Any, o: Overview) -> None:
    if o.resolution is not None:
        progress_cols = [Col(f"Tiến độ {o.resolution.number} (%)", 16, PERCENT)]
    else:
        progress_cols = [Col(f"Tiến độ {r.number} (%)", 16, PERCENT) for r in o.resolutions]
    cols = [
        Col("Mã đơn vị", 16),
        Col("Đơn vị", 44),
        Col("Số nhiệm vụ", 12, COUNT),
        *progress_cols,
        Col("Quá hạn", 10, COUNT),
        Col("Tỷ lệ hoàn thành đúng hạn (%)", 16, PERCENT),
        Col("Tỷ lệ báo cáo đã nhận (%)", 16, PERCENT),
        Col(vi.SMALL_SAMPLE, 10),
    ]
    rows = []
    for c in o.children:
        progress = [c.progress] if o.resolution is not None else c.progress_list(o.resolutions)
        rows.append(
            [
                c.agency.code,
                c.agency.name,
                c.tasks,
                *progress,
                c.overdue,
                c.on_time_rate,
                c.completeness_rate,
                vi.SMALL_SAMPLE if c.small_sample else None,
            ]
        )
    _sheet(wb, SHEET_CHILDREN, cols, rows)


def _write_ranking(wb: Any, o: Overview) -> None:
    assert o.ranking is not None and o.resolution is not None
    cols = [
        Col("Hạng", 8, "0"),
        Col("Mã đơn vị", 16),
        Col("Đơn vị", 44),
        Col(f"Tiến độ {o.resolution.number} (%)", 16, PERCENT),
        Col("Số nhiệm vụ", 12, COUNT),
        Col(vi.SMALL_SAMPLE, 10),
    ]
    rows = [
        [
            r.rank,
            r.agency.code,
            r.agency.name,
            r.progress,
            r.tasks,
            vi.SMALL_SAMPLE if r.small_sample else None,
        ]
        for r in o.ranking
    ]
    ws = _sheet(wb, SHEET_RANKING, cols, rows)
    from openpyxl.styles import Alignment

    note = ws.cell(
        row=len(rows) + 3, column=1, value=vi.ranking_rule(o.resolution.number, dashboards.SMALL_SAMPLE)
    )
    note.alignment = Alignment(wrap_text=False)


def _write_provinces(wb: Any, o: Overview) -> None:
    assert o.provinces is not None
    cols = [
        Col("Tỉnh, thành phố", 22),
        Col("Mã đơn vị", 12),
        Col("Cơ quan", 40),
        Col("Số nhiệm vụ", 12, COUNT),
        Col("Tỷ lệ hoàn thành đúng hạn (%)", 16, PERCENT),
        Col("Mức", 16),
    ]
    rows = [
        [t.label, t.agency.code, t.agency.name, t.tasks, t.on_time_rate, vi.BAND_LABELS[t.band]]
        for t in o.provinces
    ]
    ws = _sheet(wb, SHEET_PROVINCES, cols, rows)
    ws.cell(row=len(rows) + 3, column=1, value=vi.TILES_RULE)


def overview_workbook(overview: Overview) -> bytes:
    """The overview as an .xlsx file. ``overview`` holds every child (``overview_for_export``):
    the children sheet lists ``overview.children`` as they are."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    _write_summary(wb, overview)
    _write_resolutions(wb, overview)
    _write_children(wb, overview)
    if overview.ranking is not None:
        _write_ranking(wb, overview)
    if overview.provinces is not None:
        _write_provinces(wb, overview)
    wb.properties.title = f"Tổng quan – {overview.agency.name}"
    wb.properties.language = "vi-VN"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
