"""The overview as a status report (báo cáo tình hình) in the party document format: the same
tables as the page (per resolution, the agencies under the chosen one, the ranking, the provinces)
with their numbers in Vietnamese format, a stacked status chart and a progress chart. It is a
draft (DỰ THẢO) issued by the user's agency, not numbered, not signed, filed to "Lưu VT."."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from resmon.agencies.models import Agency
from resmon.core import clock
from resmon.dashboards import selectors as dashboards
from resmon.dashboards.selectors import Overview
from resmon.dashboards.views import STATUS_COLORS
from resmon.rollups.models import STATUS_FIELDS

from ..documents.charts import progress_chart, status_chart
from ..documents.formats import vn_date, vn_number
from ..documents.model import Block, Column, Document, Heading, Image, Paragraph, Signature, Table, plain
from ..documents.period_report import (
    MINISTRIES,
    PARTY_COMMITTEES,
    PEOPLES_COMMITTEES,
    place_of,
    superior_of,
)
from ..documents.selectors import audit_checkpoint
from . import labels as vi

DOC_TYPE = "BÁO CÁO"
TYPE_ABBREVIATION = "BC"
NONE = "–"  # no figure: as the page writes it
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")


def num(value: Decimal | int | None) -> str:
    """A figure as the document prints it: 1.234,5; "–" for none."""
    return NONE if value is None else vn_number(value)


def _signature(agency: Agency) -> Signature:
    """The authority and position of the issuing agency's signer, the name left blank (a draft)."""
    if agency.kind in PARTY_COMMITTEES:
        return Signature("T/M BAN THƯỜNG VỤ", "", "")
    if agency.kind in PEOPLES_COMMITTEES:
        return Signature("T/M ỦY BAN NHÂN DÂN", "", "")
    if agency.kind in MINISTRIES:
        return Signature("", "BỘ TRƯỞNG", "")
    return Signature(f"T/M {plain(agency.name).upper()}", "", "")


def _when(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(clock.tz())
    return f"{local:%H:%M} ngày {vn_date(local.date())}"


def _scope(o: Overview) -> str:
    return "trên phạm vi toàn quốc" if o.national else f"tại {o.agency.name} và các cơ quan trực thuộc"


def _subject(o: Overview) -> str:
    if o.resolution is not None:
        return f"Nghị quyết số {o.resolution.number}"
    return "các nghị quyết của Bộ Chính trị"


def _headline(o: Overview) -> list[Block]:
    h = o.headline
    lines = [
        f"- Tổng số nhiệm vụ do các cơ quan trong phạm vi chủ trì: {num(h.tasks)}.",
        f"- Số nhiệm vụ quá hạn chưa hoàn thành: {num(h.overdue)}.",
        f"- Tỷ lệ hoàn thành đúng hạn: {num(h.on_time_rate)}{'' if h.on_time_rate is None else '%'}.",
    ]
    if o.period is not None and h.reports_expected is not None:
        lines.append(
            f"- Báo cáo {o.period.label}: {num(h.reports_missing)} báo cáo chưa gửi trên tổng số "
            f"{num(h.reports_expected)} báo cáo phải gửi."
        )
    if o.own_tasks:
        lines.append(f"- Nhiệm vụ do {o.agency.name} trực tiếp chủ trì: {num(o.own_tasks)}.")
    blocks: list[Block] = [Paragraph(plain(line)) for line in lines]
    return [*blocks, Paragraph(vi.ON_TIME_RULE, italic=True)]


def _resolutions(o: Overview) -> list[Block]:
    if not o.by_resolution:
        return [Paragraph("Các cơ quan trong phạm vi chưa chủ trì nhiệm vụ nào.")]
    statuses = Table(
        [
            Column("Nghị quyết", 1.5),
            *(Column(vi.STATUS_LABELS[s], 1, numeric=True) for s in STATUS_FIELDS),
            Column("Tổng số", 1, numeric=True),
        ],
        [
            [f.resolution.number, *(num(f.counts[s]) for s in STATUS_FIELDS), num(f.tasks)]
            for f in o.by_resolution
        ],
    )
    progress = Table(
        [
            Column("Nghị quyết", 1.5),
            Column("Trích yếu", 4),
            Column("Số nhiệm vụ", 1.2, numeric=True),
            Column("Tiến độ (%)", 1.2, numeric=True),
            Column("Tỷ lệ hoàn thành đúng hạn (%)", 1.6, numeric=True),
        ],
        [
            [f.resolution.number, f.resolution.title, num(f.tasks), num(f.progress), num(f.on_time_rate)]
            for f in o.by_resolution
        ],
    )
    blocks: list[Block] = [Heading("1. Số nhiệm vụ theo trạng thái", 2), statuses]
    chart = status_chart(
        [(f.resolution.number, [f.counts[s] for s in STATUS_FIELDS]) for f in o.by_resolution],
        [(vi.STATUS_LABELS[s], STATUS_COLORS[s]) for s in STATUS_FIELDS],
    )
    if chart:
        blocks.append(Image(chart, caption="Biểu đồ: số nhiệm vụ theo trạng thái (số liệu của bảng trên)"))
    blocks += [Heading("2. Tiến độ thực hiện", 2), progress, Paragraph(vi.PROGRESS_RULE, italic=True)]
    chart = progress_chart([(f.resolution.number, f.progress) for f in o.by_resolution])
    if chart:
        blocks.append(
            Image(chart, caption="Biểu đồ: tiến độ thực hiện từng nghị quyết (số liệu của bảng trên)")
        )
    return blocks


def _children(o: Overview) -> list[Block]:
    if not o.children:
        return [Paragraph("Không có cơ quan, đơn vị trực thuộc.")]
    one = o.resolution is not None
    columns = [
        Column("STT", 0.8, numeric=True),
        Column("Cơ quan, đơn vị", 4),
        Column("Số nhiệm vụ", 1.1, numeric=True),
        *([Column("Tiến độ (%)", 1.1, numeric=True)] if one else []),
        Column("Quá hạn", 1, numeric=True),
        Column("Tỷ lệ hoàn thành đúng hạn (%)", 1.5, numeric=True),
        Column("Tỷ lệ báo cáo đã nhận (%)", 1.5, numeric=True),
    ]
    rows = []
    for i, c in enumerate(o.children, start=1):
        name = c.agency.name + (f" ({vi.SMALL_SAMPLE.lower()})" if c.small_sample else "")
        progress = [num(c.progress)] if one else []
        rows.append(
            [
                str(i),
                name,
                num(c.tasks),
                *progress,
                num(c.overdue),
                num(c.on_time_rate),
                num(c.completeness_rate),
            ]
        )
    blocks: list[Block] = [Table(columns, rows)]
    if not one and o.resolutions:
        blocks += [
            Paragraph("Tiến độ (%) của từng cơ quan, đơn vị trực thuộc theo từng nghị quyết:"),
            Table(
                [
                    Column("STT", 0.8, numeric=True),
                    Column("Cơ quan, đơn vị", 3.4),
                    *(Column(r.number, 1.1, numeric=True) for r in o.resolutions),
                ],
                [
                    [str(i), c.agency.name, *(num(p) for p in c.progress_list(o.resolutions))]
                    for i, c in enumerate(o.children, start=1)
                ],
            ),
        ]
    note = (
        f"Mẫu nhỏ: cơ quan, đơn vị chủ trì dưới {dashboards.SMALL_SAMPLE} nhiệm vụ. " + vi.COMPLETENESS_RULE
    )
    return [*blocks, Paragraph(note, italic=True)]


def _ranking(o: Overview) -> list[Block]:
    if o.ranking is None or o.resolution is None:
        return [Paragraph(vi.RANKING_REFUSED)]
    rule = Paragraph(vi.ranking_rule(o.resolution.number, dashboards.SMALL_SAMPLE), italic=True)
    if not o.ranking:
        return [Paragraph("Không có cơ quan, đơn vị trực thuộc chủ trì nhiệm vụ của nghị quyết này."), rule]
    table = Table(
        [
            Column("Hạng", 0.8, numeric=True),
            Column("Cơ quan, đơn vị", 4.5),
            Column("Tiến độ (%)", 1.3, numeric=True),
            Column("Số nhiệm vụ", 1.3, numeric=True),
        ],
        [
            [
                NONE if r.rank is None else str(r.rank),
                r.agency.name + (f" ({vi.SMALL_SAMPLE.lower()})" if r.small_sample else ""),
                num(r.progress),
                num(r.tasks),
            ]
            for r in o.ranking
        ],
    )
    return [table, rule]


def _provinces(o: Overview) -> list[Block]:
    assert o.provinces is not None
    if not o.provinces:
        return [Paragraph("Không có tỉnh, thành phố.")]
    table = Table(
        [
            Column("STT", 0.8, numeric=True),
            Column("Tỉnh, thành phố", 3),
            Column("Số nhiệm vụ", 1.2, numeric=True),
            Column("Tỷ lệ hoàn thành đúng hạn (%)", 1.6, numeric=True),
            Column("Mức", 1.6),
        ],
        [
            [str(i), t.label, num(t.tasks), num(t.on_time_rate), vi.BAND_LABELS[t.band]]
            for i, t in enumerate(o.provinces, start=1)
        ],
    )
    return [table, Paragraph(vi.TILES_RULE, italic=True)]


def overview_document(user: Any, overview: Overview) -> Document:
    """The overview (built by ``overview_for_export``: every child) as a draft status report issued
    by ``user``'s agency."""
    o = overview
    issuer: Agency = getattr(user, "agency", None) or o.agency
    period = f", {o.period.label}" if o.period is not None else ""
    computed = _when(o.computed_at)
    intro = (
        f"Căn cứ số liệu theo dõi trên Hệ thống theo dõi, giám sát, đánh giá việc thực hiện các nghị "
        f"quyết của Bộ Chính trị{f' (tính đến {computed})' if computed else ''}, {issuer.name} báo "
        f"cáo tình hình thực hiện {_subject(o)} {_scope(o)}{period} như sau:"
    )
    sections: list[tuple[str, list[Block]]] = [
        ("TÌNH HÌNH CHUNG", _headline(o)),
        ("TÌNH HÌNH THEO TỪNG NGHỊ QUYẾT", _resolutions(o)),
        ("TÌNH HÌNH CÁC CƠ QUAN, ĐƠN VỊ TRỰC THUỘC", _children(o)),
        ("XẾP HẠNG CÁC CƠ QUAN, ĐƠN VỊ TRỰC THUỘC", _ranking(o)),
    ]
    if o.provinces is not None:
        sections.append(("TÌNH HÌNH CÁC TỈNH, THÀNH PHỐ", _provinces(o)))
    body: list[Block] = [Paragraph(plain(intro))]
    for roman, (title, blocks) in zip(ROMAN, sections, strict=False):
        body += [Heading(f"{roman}. {title}"), *blocks]
    checkpoint = audit_checkpoint()
    summary = plain(f"Tình hình thực hiện {_subject(o)} {_scope(o)}{period}")
    footer = f"Nhật ký kiểm toán: bản ghi số {checkpoint.seq}, mã {checkpoint.short_hash}"
    if computed:
        footer = f"Số liệu tính đến {computed}. {footer}"
    return Document(
        issuer=plain(issuer.name).upper(),
        superior=superior_of(issuer),
        symbol=f"{TYPE_ABBREVIATION}/{plain(issuer.code)}",
        place=place_of(issuer),
        year=clock.today().year,
        date=None,
        doc_type=DOC_TYPE,
        summary=summary,
        draft=True,
        body=body,
        signature=_signature(issuer),
        recipients=["- Lưu VT."],
        footer=footer,
        title=plain(f"Báo cáo {summary}"),
    )
