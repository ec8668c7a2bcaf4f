"""A period report as an official document (báo cáo), built only from what the report API shows:
the scoped report (``reporting.selectors.get_report``), its lines (``report_lines``) with the
percent the API shows (entered on a leaf task, rolled up by ``planning.selectors.task_progress`` on
a parent), its KPI values and the proposals the reader may see (``report_proposals``)."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from resmon.agencies.models import Agency, AgencyKind
from resmon.core import clock
from resmon.planning import selectors as planning_selectors
from resmon.reporting import selectors as report_selectors
from resmon.reporting import selectors_proposals
from resmon.reporting.models import PeriodReport, Proposal, ReportLine, ReportState

from .charts import progress_chart
from .formats import vn_date, vn_number
from .model import Block, Column, Document, Heading, Image, Paragraph, Signature, Table, plain
from .selectors import audit_checkpoint

DOC_TYPE = "BÁO CÁO"
TYPE_ABBREVIATION = "BC"
NOTHING = "Không có."
CAPITAL = "Hà Nội"  # where central bodies issue their documents

# who signs for an agency of each kind (36-HD/VPTW: "T/M" for a collective body), and as what
PARTY_COMMITTEES = {
    AgencyKind.CENTRAL_COMMITTEE,
    AgencyKind.PARTY_COMMITTEE,
    AgencyKind.PROVINCIAL_PARTY,
    AgencyKind.COMMUNE_PARTY,
}
PEOPLES_COMMITTEES = {AgencyKind.PROVINCIAL_PEOPLES_COMMITTEE, AgencyKind.COMMUNE_PEOPLES_COMMITTEE}
MINISTRIES = {AgencyKind.MINISTRY, AgencyKind.MINISTERIAL_AGENCY}


def _upper(text: str) -> str:
    return plain(text).strip().upper()


def _paragraphs(text: str) -> list[Block]:
    return [Paragraph(line.strip()) for line in plain(text).splitlines() if line.strip()]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:1].isupper() else text


def place_of(agency: Agency) -> str:
    """The place printed before the date: the province of a provincial or commune body (from its
    provincial party committee's name), the capital for central bodies."""
    above = {a.path: a for a in Agency.objects.filter(path__in=agency.ancestor_paths)}
    for node in [agency, *(above[p] for p in reversed(agency.ancestor_paths) if p in above)]:
        if node.kind == AgencyKind.PROVINCIAL_PARTY:
            return node.province_name
    return CAPITAL


def superior_of(agency: Agency) -> str:
    """The body printed above the issuer: the agency's parent, unless that is the root of the tree."""
    paths = agency.ancestor_paths
    if len(paths) < 2:  # a root, or right under the root
        return ""
    parent = Agency.objects.filter(path=paths[-1]).first()
    return _upper(parent.name) if parent is not None else ""


def signature_of(report: PeriodReport) -> Signature:
    """T/M the agency; the head who approved it signs once the report was sent (else left blank)."""
    agency = report.agency
    if agency.kind in PARTY_COMMITTEES:
        authority, position = "T/M BAN THƯỜNG VỤ", "BÍ THƯ"
    elif agency.kind in PEOPLES_COMMITTEES:
        authority, position = "T/M ỦY BAN NHÂN DÂN", "CHỦ TỊCH"
    elif agency.kind in MINISTRIES:
        authority, position = "", "BỘ TRƯỞNG"
    else:
        authority, position = f"T/M {_upper(agency.name)}", ""
    head = report.head_approved_by if report.first_sent_at is not None else None
    if head is None:
        return Signature(authority, position, "")
    if head.position:
        position = _upper(head.position)
    return Signature(authority, position, plain(head.full_name or head.get_username()))


def _lines_table(lines: list[ReportLine]) -> list[Block]:
    if not lines:
        return [Paragraph(NOTHING)]
    tasks = [line.task for line in lines]
    leaves = report_selectors.leaf_task_ids(t.pk for t in tasks)
    progress = planning_selectors.task_progress(tasks)
    rows, bars = [], []
    for line in lines:
        # the API's figure: the entered percent on a leaf task, the rolled-up progress on a parent
        percent = line.percent_done if line.task_id in leaves else progress.get(line.task_id)
        rows.append(
            [line.task.code, line.task.title, vn_number(percent), vn_date(line.completed_on), line.results]
        )
        bars.append((f"{line.task.code} {line.task.title}".strip(), percent))
    columns = [
        Column("Mã", 0.8),
        Column("Nhiệm vụ", 3.2),
        Column("Tỷ lệ hoàn thành (%)", 1.3, numeric=True),
        Column("Ngày hoàn thành", 1.4),
        Column("Kết quả", 3.3),
    ]
    chart = progress_chart(bars)
    caption = "Biểu đồ: tỷ lệ hoàn thành từng nhiệm vụ (số liệu của bảng trên)"
    return [Table(columns, rows), *([Image(chart, caption=caption)] if chart else [])]


def _kpi_table(report: PeriodReport) -> list[Block]:
    observations = report.observations.select_related("indicator", "indicator_version").order_by(
        "indicator__code"
    )
    rows = [
        [o.indicator.code, o.indicator_version.name, vn_number(o.value), o.indicator_version.unit]
        for o in observations
    ]
    if not rows:
        return [Paragraph(NOTHING)]
    columns = [
        Column("Mã chỉ tiêu", 1.5),
        Column("Tên chỉ tiêu", 4.5),
        Column("Giá trị", 1.5, numeric=True),
        Column("Đơn vị tính", 1.5),
    ]
    return [Table(columns, rows)]


def _obstacles(report: PeriodReport, lines: list[ReportLine]) -> list[Block]:
    blocks = _paragraphs(report.obstacles)
    for line in lines:
        if line.obstacles.strip():
            blocks.append(
                Paragraph(f"- Nhiệm vụ {line.task.code} ({line.task.title}): {line.obstacles.strip()}")
            )
    return blocks or [Paragraph(NOTHING)]


def _proposals(user: Any, report: PeriodReport) -> list[Block]:
    labels = dict(Proposal.Status.choices)
    with translation.override("vi"):
        rows = [
            [p.text, p.addressed_to.name, str(labels.get(p.status, p.status))]
            for p in selectors_proposals.report_proposals(user, report)
        ]
    if not rows:
        return [Paragraph(NOTHING)]
    columns = [Column("Nội dung kiến nghị", 5), Column("Cơ quan nhận", 2.5), Column("Tình trạng", 1.5)]
    return [Table(columns, rows)]


def period_report_document(user: Any, report: PeriodReport) -> Document:
    """The report as a document. ``report`` comes from ``reporting.selectors.get_report(user, …)``."""
    agency, program, period = report.agency, report.program, report.period
    label = _lower_first(period.label)
    program_name = " ".join(x for x in (program.number, program.title) if x)
    intro = (
        f"Thực hiện {program_name} (Nghị quyết {report.resolution.number}), {agency.name} báo cáo "
        f"kết quả thực hiện {label} (từ {vn_date(period.start)} đến {vn_date(period.end)}) như sau:"
    )
    lines = report_selectors.report_lines(report)  # read once: the table and the obstacles
    body: list[Block] = [
        Paragraph(intro),
        Heading("I. KẾT QUẢ THỰC HIỆN"),
        Heading("1. Kết quả chung", 2),
        *(_paragraphs(report.results) or [Paragraph(NOTHING)]),
        Heading("2. Tiến độ thực hiện các nhiệm vụ", 2),
        *_lines_table(lines),
        Heading("3. Các chỉ tiêu theo dõi, đánh giá", 2),
        *_kpi_table(report),
        Heading("II. KHÓ KHĂN, VƯỚNG MẮC"),
        *_obstacles(report, lines),
        Heading("III. KIẾN NGHỊ, ĐỀ XUẤT"),
        *_proposals(user, report),
        Heading("IV. NHIỆM VỤ TRỌNG TÂM KỲ TỚI"),
        *(_paragraphs(report.next_steps) or [Paragraph(NOTHING)]),
    ]
    sent = report.sent_at.astimezone(clock.tz()).date() if report.sent_at is not None else None
    checkpoint = audit_checkpoint()
    summary = f"Kết quả thực hiện {program.title} {label}"
    return Document(
        issuer=_upper(agency.name),
        superior=superior_of(agency),
        symbol=f"{TYPE_ABBREVIATION}/{plain(agency.code)}",
        place=place_of(agency),
        date=sent,
        year=sent.year if sent is not None else clock.today().year,
        doc_type=DOC_TYPE,
        summary=plain(summary),
        draft=report.state != ReportState.ACCEPTED,
        body=body,
        signature=signature_of(report),
        recipients=[f"- {plain(report.accepting_agency.name)},", "- Lưu VT."],
        footer=f"Nhật ký kiểm toán: bản ghi số {checkpoint.seq}, mã {checkpoint.short_hash}",
        title=plain(f"Báo cáo {summary}"),
    )
