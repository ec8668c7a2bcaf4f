"""A filed period report for the document tests: the commune People's Committee's 2026-Q1 report on
Thành ủy Hà Nội's programme, filled in through the services (a percent of 45,5, a KPI value, a
proposal), approved by its head and, unless asked otherwise, accepted; the audit chain sealed."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
from decimal import Decimal as D
from pathlib import Path

import docx

from resmon.audit import sealing
from resmon.reporting.models import PeriodReport
from resmon.reporting.services import observations as observation_services
from resmon.reporting.services import reports as svc
from resmon.reporting.services.proposals import raise_proposal
from tests.catalogue.helpers import make_indicator
from tests.reporting.kpi_helpers import attach
from tests.reporting.reports_helpers import create

HEAD_NAME = "Nguyễn Thị Bình"
RESULTS = "Đã số hóa 1.200 hồ sơ <script>alert('x')</script> & cập nhật cổng dịch vụ công"
OBSTACLES = "Thiếu kinh phí đầu tư hạ tầng số."
PROPOSAL = "Đề nghị Thành ủy bổ sung kinh phí chuyển đổi số cho xã."
ROOT = Path(__file__).resolve().parents[2]


def filed(world, *, accept: bool = True, send: bool = True) -> PeriodReport:
    officer, head = world.users["xa_ubnd_officer"], world.users["xa_ubnd_leader"]
    head.full_name, head.position = HEAD_NAME, "Chủ tịch"
    head.save(update_fields=["full_name", "position"])
    task = world.tasks["hni_xa"]
    indicator = make_indicator(world, code="XA-DVC", name="Tỷ lệ hồ sơ trực tuyến", unit="%", min_value=0)
    attach(task, indicator, [(dt.date(2026, 12, 31), D(80))])
    report = create(world)
    report = svc.save_report(
        officer,
        report,
        lines=[{"task": task.pk, "percent_done": "45.5", "results": RESULTS, "obstacles": OBSTACLES}],
        results="Hoàn thành các mốc của quý.\nTriển khai đúng kế hoạch.",
        next_steps="Tiếp tục số hóa hồ sơ.",
    )
    observation_services.save_observation(officer, report, indicator="XA-DVC", value="72.5")
    report.refresh_from_db()
    raise_proposal(officer, report, text=PROPOSAL)
    if send:
        report.refresh_from_db()
        report = svc.submit_to_head(officer, report)
        report = svc.approve_and_send(head, report)
    if accept:
        report = svc.accept_report(world.users["hni_leader"], report)
    sealing.seal(checkpoint=False)
    return PeriodReport.objects.get(pk=report.pk)


def docx_text(content: bytes) -> str:
    d = docx.Document(io.BytesIO(content))
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["/usr/bin/pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdf_info(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "info.pdf"
    path.write_bytes(content)
    return subprocess.run(["/usr/bin/pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout


def artifacts_dir() -> Path:
    """Where the page pictures go: $ARTIFACTS_DIR, else test-artifacts/documents (gitignored)."""
    base = Path(os.environ["ARTIFACTS_DIR"]) if os.environ.get("ARTIFACTS_DIR") else ROOT / "test-artifacts"
    out = base / "documents"
    out.mkdir(parents=True, exist_ok=True)
    return out
