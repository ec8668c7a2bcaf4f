"""The reporting cycle in a real browser: the commune People's Committee's focal officer prepares
the period report (results, percent, a KPI value, a PDF as evidence after a stamped-MẬT file is
refused) and sends it to the head; the head approves it for sending; the province's officer
returns it with a reason; the officer sees the reason, fixes the report, sends it again; the head
approves again; the province accepts it. The report is then locked and the task's percent is the
reported one; the audit chain of all that verifies. Data: tests.factories.build_world() with the
commune's people (tests.reporting.helpers) and the period calendar, on the real clock.

Labels are looked up with gettext in the language the live server speaks (English by default,
Vietnamese with TEST_LANGUAGE_CODE=vi), as in test_planning_flow."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from resmon.audit import sealing
from resmon.audit.models import AuditEntry, AuditVerification
from resmon.planning.models import ActionProgram, TargetPoint, Task, TaskIndicator
from resmon.reporting.models import Evidence, Observation, PeriodReport, ReportState
from tests.factories import World
from tests.planning.kpi_helpers import indicator
from tests.reporting.evidence_samples import pdf_bytes, pdf_unicode_bytes
from tests.reporting.helpers import add_reporting_people, make_periods

from .conftest import PHONE_WIDTH, assert_no_horizontal_scroll, login

pytestmark = pytest.mark.browser

KPI_CODE = "NQ57-DVC-01"
RESULTS = "Đã đưa 42 thủ tục hành chính lên dịch vụ công trực tuyến toàn trình; đang số hóa hồ sơ tồn."
OVERALL = "UBND xã Tân An triển khai đúng kế hoạch; đã phân công công chức đầu mối theo dõi."
REASON = "Tỷ lệ hoàn thành chưa khớp với số thủ tục đã triển khai; đề nghị rà soát lại và bổ sung số liệu."


def t(msgid: str) -> str:
    """``msgid`` as the live server shows it (the test profile's language)."""
    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(msgid)


def exact(msgid: str) -> re.Pattern[str]:
    """A whole-text match of a translated label or button (spaces and a required-field star ignored)."""
    return re.compile(rf"^\s*{re.escape(t(msgid))}(\s*\*)?\s*$")


@dataclass
class ReportingWorld:
    world: World
    program: ActionProgram
    task: Task  # led by the commune's People's Committee, assigned by Thành ủy Hà Nội


@pytest.fixture
def reporting_world(world) -> ReportingWorld:
    """Hà Nội's issued programme; its task "hni_xa" led by UBND xã Tân An carries the online
    public services KPI; the period calendar around the real today."""
    make_periods()
    add_reporting_people(world)
    program = world.tasks["hni"].program
    program.title = "Chương trình hành động thực hiện Nghị quyết 57-NQ/TW của Thành ủy Hà Nội"
    program.status = ActionProgram.Status.ISSUED
    program.issued_on = dt.date(2025, 9, 1)
    program.number = "12-CTr/TU"
    program.save()
    task = world.tasks["hni_xa"]
    Task.objects.filter(pk=task.pk).update(
        title="Triển khai dịch vụ công trực tuyến toàn trình tại UBND xã Tân An",
        due_date=dt.date(2027, 12, 31),
        percent_done=Decimal(20),
        first_progress_on=dt.date(2025, 10, 1),
    )
    dvc = indicator(world.bo_khcn, KPI_CODE)
    kpi = TaskIndicator.objects.create(
        task=task,
        indicator=dvc,
        indicator_version=dvc.current,
        baseline_value=Decimal(35),
        baseline_date=dt.date(2024, 12, 31),
    )
    TargetPoint.objects.create(kpi=kpi, on=dt.date(2027, 12, 31), value=Decimal(100))
    task.refresh_from_db()
    return ReportingWorld(world, program, task)


def switch_user(page, username: str) -> None:
    page.context.clear_cookies()
    login(page, username)


def confirm_next_dialog(page) -> None:
    page.once("dialog", lambda dialog: dialog.accept())


def at_phone_width(page, shot) -> None:
    """The current page fits a 375 px wide phone screen; the desktop size is restored after."""
    size = page.viewport_size
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 812})
    try:
        page.wait_for_timeout(50)
        shot(page)
        assert_no_horizontal_scroll(page)
    finally:
        page.set_viewport_size(size)


def open_report(
    page, report: PeriodReport, shot, doc_name: str | None = None, full_page: bool = True
) -> None:
    """Open the report page, screenshot it (the form's save bar sticks to the bottom of the
    window: a picture of the window shows it where a person sees it) and check it at 375 px."""
    page.goto(reverse("reporting:detail", args=[report.pk]))
    page.wait_for_load_state("networkidle")
    shot(page, doc_name, full_page=full_page)
    at_phone_width(page, shot)


def step(page, label: str, reason: str | None = None) -> None:
    """Press a workflow button (answering its confirmation), after writing the reason if given."""
    if reason is not None:
        page.get_by_label(exact("Reason for returning")).fill(reason)
    confirm_next_dialog(page)
    page.get_by_role("button", name=exact(label)).click()
    page.wait_for_load_state("networkidle")


def state_of(report: PeriodReport) -> str:
    report.refresh_from_db()
    return report.state


def test_report_cycle_prepare_return_fix_accept(reporting_world, page, sign_in, shot, tmp_path):
    rw = reporting_world
    w = rw.world
    stamped = tmp_path / "bao-cao-mat.pdf"
    stamped.write_bytes(pdf_unicode_bytes("MẬT", "Báo cáo kết quả chuyển đổi số xã Tân An"))
    clean = tmp_path / "bao-cao-ket-qua.pdf"
    clean.write_bytes(pdf_bytes("Bao cao ket qua trien khai dich vu cong truc tuyen", "UBND xa Tan An"))

    # --- the officer starts the report from the hub's "due" list --------------------------------
    sign_in("xa_ubnd_officer")
    page.goto(reverse("reporting:hub"))
    page.wait_for_load_state("networkidle")
    due = page.locator(f"tr[data-due-program='{rw.program.pk}']")
    expect(due).to_have_count(1)
    shot(page, "reports-hub")
    at_phone_width(page, shot)
    due.get_by_role("button", name=exact("Start the report")).click()
    page.wait_for_load_state("networkidle")
    report = PeriodReport.objects.get(program=rw.program, agency=w.hni_xa_ubnd)
    assert page.url.endswith(reverse("reporting:detail", args=[report.pk])), page.inner_text("main")[:800]
    assert report.state == ReportState.DRAFT and report.accepting_agency_id == w.hni.pk
    line = report.lines.get()
    card = page.locator(f"#line-{line.pk}")

    # --- results, percent and the KPI value; the draft saves itself ----------------------------
    page.get_by_label(exact("Overall results")).fill(OVERALL)
    card.get_by_label(exact("Results")).fill(RESULTS)
    card.get_by_label(exact("Percent done")).fill("45,5")
    kpi_input = page.get_by_label(t("Value of %(code)s this period") % {"code": KPI_CODE})
    kpi_input.fill("62,5")
    expect(page.locator("#autosave-status [data-autosave=saved]")).to_have_count(1, timeout=15_000)
    line.refresh_from_db()
    assert line.results == RESULTS and line.percent_done == Decimal("45.5")
    assert Observation.objects.get(report=report).value == Decimal("62.5")
    # the task's card and the KPI table above the save bar that sticks to the window's bottom
    page.locator("#kpis").evaluate(
        "e => window.scrollBy(0, e.getBoundingClientRect().bottom - window.innerHeight + 100)"
    )
    shot(page, "report-form", full_page=False)
    # (after the autosave: a screenshot leaves empty style attributes on the inputs, which htmx's
    # settling would copy, and the strict CSP would report)
    at_phone_width(page, shot)

    # --- evidence: the classification comes first; a stamped MẬT file is refused ----------------
    card.locator("summary").filter(has_text=t("Add evidence")).click()
    box = card.locator("[data-evidence-form]")
    radio = box.get_by_role  # the classification and the kind are radio buttons
    radio("radio", name=t("Confidential (Mật)"), exact=True).check()
    expect(radio("radio", name=t("File"), exact=True)).to_be_disabled()  # only its number and date
    expect(radio("radio", name=t("Document number and date only"))).to_be_checked()
    radio("radio", name=t("Normal (Thường)"), exact=True).check()
    radio("radio", name=t("File"), exact=True).check()
    box.get_by_label(exact("Title")).fill("Báo cáo kết quả chuyển đổi số")
    box.locator("input[type=file]").set_input_files(str(stamped))
    box.get_by_role("button", name=exact("Add this evidence")).click()
    page.wait_for_load_state("networkidle")
    refusal = t(
        "Documents classified Mật (Confidential) or above must not be uploaded or linked here. Record "
        "only the document's number and date (choose “Document number and date only”) and keep the "
        "document under the rules for state secrets."
    )
    card = page.locator(f"#line-{line.pk}")
    box = card.locator("[data-evidence-form]")
    expect(box).to_contain_text(refusal)
    assert not Evidence.objects.filter(line=line).exists()
    box.scroll_into_view_if_needed()
    shot(page, "report-evidence-refused", full_page=False)
    box.get_by_role("radio", name=t("Normal (Thường)"), exact=True).check()
    box.get_by_role("radio", name=t("File"), exact=True).check()
    box.get_by_label(exact("Title")).fill("Báo cáo kết quả triển khai dịch vụ công trực tuyến")
    box.locator("input[type=file]").set_input_files(str(clean))
    box.get_by_role("button", name=exact("Add this evidence")).click()
    page.wait_for_load_state("networkidle")
    evidence = Evidence.objects.get(line=line)
    assert evidence.kind == Evidence.Kind.FILE and evidence.original_name.endswith(".pdf")
    expect(page.locator(f"[data-evidence='{evidence.pk}']")).to_contain_text(evidence.title)

    # --- to the head, who approves it for sending ----------------------------------------------
    step(page, "Send to the head for approval")
    assert state_of(report) == ReportState.AWAITING_HEAD, page.inner_text("main")[:800]
    switch_user(page, "xa_ubnd_leader")
    open_report(page, report, shot, "report-approve")
    assert page.locator("#report-form").count() == 0
    step(page, "Approve and send")
    assert state_of(report) == ReportState.SENT, page.inner_text("main")[:800]
    assert report.first_sent_at is not None and not report.is_late

    # --- the province returns it with a reason --------------------------------------------------
    switch_user(page, "hni_officer")
    open_report(page, report, shot)
    step(page, "Return with a reason", reason=REASON)
    assert state_of(report) == ReportState.RETURNED, page.inner_text("main")[:800]
    assert report.return_reason == REASON
    shot(page, "report-return")

    # --- the officer sees the reason, fixes the percent and sends it again ---------------------
    switch_user(page, "xa_ubnd_officer")
    open_report(page, report, shot, "report-returned", full_page=False)
    expect(page.get_by_role("status").filter(has_text=REASON)).to_have_count(1)
    card = page.locator(f"#line-{line.pk}")
    card.get_by_label(exact("Percent done")).fill("40")
    step(page, "Send to the head for approval")
    assert state_of(report) == ReportState.AWAITING_HEAD, page.inner_text("main")[:800]
    line.refresh_from_db()
    assert line.percent_done == Decimal(40)
    switch_user(page, "xa_ubnd_leader")
    open_report(page, report, shot)
    step(page, "Approve and send")
    assert state_of(report) == ReportState.SENT

    # --- accepted: locked, and the task carries the reported percent ---------------------------
    switch_user(page, "hni_officer")
    open_report(page, report, shot)
    step(page, "Accept")
    assert state_of(report) == ReportState.ACCEPTED, page.inner_text("main")[:800]
    page.reload()
    page.wait_for_load_state("networkidle")
    main = page.locator("main")
    assert main.locator("#report-form").count() == 0, "an accepted report still shows its form"
    # nothing to type into but the reason for reopening, which only the accepting level has
    assert main.locator(".report-line input, .report-line textarea, #kpis input").count() == 0
    assert main.locator("textarea").count() == main.locator("form[data-step=reopen] textarea").count() == 1
    expect(page.get_by_test_id("report-state")).to_contain_text(t("Accepted"))
    assert RESULTS in main.inner_text()
    shot(page, "report-accepted")
    at_phone_width(page, shot)
    rw.task.refresh_from_db()
    assert rw.task.percent_done == Decimal(40)
    assert AuditEntry.objects.filter(action="planning.progress_reported", object_id=str(rw.task.pk)).exists()
    actions = list(
        AuditEntry.objects.filter(object_id=str(report.pk), action__startswith="reporting.report_")
        .order_by("id")
        .values_list("action", flat=True)
    )
    for expected in (
        "reporting.report_created",
        "reporting.report_submitted_to_head",
        "reporting.report_sent",
        "reporting.report_returned",
        "reporting.report_accepted",
    ):
        assert expected in actions, actions

    # --- the audit chain of all that verifies --------------------------------------------------
    sealing.seal()
    switch_user(page, "sysadmin")
    page.goto(reverse("audit:verify"))
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name=exact("Verify now")).click()
    page.wait_for_load_state("networkidle")
    intact = t("The audit chain is intact: %(rows)s rows checked.").split("%(rows)s")[0]
    expect(page.locator("main")).to_contain_text(intact.strip())
    assert AuditVerification.objects.latest("id").ok
    shot(page, "audit-verify")
