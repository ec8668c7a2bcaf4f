"""The planning issue's browser flow: a provincial focal officer decomposes a task the ministry side
assigned to the province into a commune sub-task with a KPI trajectory, sees the six-clears flags,
fixes them and issues the programme, which is then read-only. Data: tests.factories.build_world()
plus a ministry-assigned task and one catalogue indicator (see ``planning_world``).

Labels are looked up with gettext in the language the test profile serves (English by default,
Vietnamese with TEST_LANGUAGE_CODE=vi), so the test fills the forms the way a person reads them."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from resmon.audit.models import AuditEntry
from resmon.planning.models import ActionProgram, DeliverableType, Task
from tests.factories import World, task
from tests.planning.kpi_helpers import indicator

from .conftest import PHONE_WIDTH, assert_no_horizontal_scroll

pytestmark = pytest.mark.browser

SUBTASK_TITLE = "Triển khai dịch vụ công trực tuyến toàn trình tại UBND xã Tân An"
OFFICER = "Nguyễn Thị Lan"
AUTHORITY = "Chủ tịch UBND xã Tân An"
PROGRAM_NUMBER = "12-CTr/TU"
SIGNER = "Trần Văn Sơn"


def t(msgid: str) -> str:
    """``msgid`` as the live server shows it (the test profile's language)."""
    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(msgid)


def exact(msgid: str) -> re.Pattern[str]:
    """A whole-text match of a translated label or button (spaces and a required-field star ignored)."""
    return re.compile(rf"^\s*{re.escape(t(msgid))}(\s*\*)?\s*$")


@dataclass
class PlanningWorld:
    world: World
    program: ActionProgram
    assigned: Task  # led by Thành ủy Hà Nội, assigned by Đảng ủy Chính phủ


@pytest.fixture
def planning_world(world) -> PlanningWorld:
    """Hà Nội's draft programme for resolution 57 with clean tasks, one of them assigned to
    Thành ủy Hà Nội from the ministry side, and an active indicator in the catalogue."""
    program = world.tasks["hni"].program
    program.doc_type = ActionProgram.DocType.ACTION_PROGRAM
    program.title = "Chương trình hành động thực hiện Nghị quyết 57-NQ/TW của Thành ủy Hà Nội"
    program.save()
    # the tasks already in the programme pass the six clears: only the new sub-task is flagged
    clean = {
        "responsible_officer": "Lê Văn Minh",
        "deliverable_type": DeliverableType.values[0],
        "deliverable": "Báo cáo kết quả thực hiện trình Ban Thường vụ Thành ủy",
        "authority": "Ban Thường vụ Thành ủy Hà Nội",
    }
    titles = {
        "hni": "Xây dựng kế hoạch chuyển đổi số toàn diện của thành phố Hà Nội",
        "hni_so": "Triển khai nền tảng dữ liệu khoa học và công nghệ của thành phố",
        "hni_xa": "Số hóa hồ sơ thủ tục hành chính tại xã Tân An",
    }
    for key, title in titles.items():
        Task.objects.filter(pk=world.tasks[key].pk).update(title=title, **clean)
    assigned = task(
        program,
        world.hni,
        assigned_by=world.dang_uy_cp,
        code="2",
        title="Triển khai Đề án phát triển dịch vụ công trực tuyến toàn trình trên địa bàn thành phố",
        due_date=dt.date(2027, 12, 31),
        position=1,
        **clean,
    )
    indicator(world.bo_khcn, "NQ57-DVC-01")
    return PlanningWorld(world, program, assigned)


def open_actions(page, row_task: Task):
    """Open the Actions menu of a tree row; it loads its items with htmx."""
    row = page.locator(f"#task-{row_task.pk} > .tree-row")
    row.locator(".dropdown-toggle").click()
    menu = page.locator(f"#actions-{row_task.pk}")
    menu.get_by_role("link").first.wait_for()
    return menu


def test_officer_decomposes_a_ministry_task_fixes_the_flags_and_issues(planning_world, page, sign_in, shot):
    pw = planning_world
    w = pw.world
    sign_in("hni_officer")

    # --- the programme and its task tree ---------------------------------------------------
    page.goto(reverse("web:program_detail", args=[pw.program.pk]))
    page.get_by_role("link", name=exact("Task tree editor")).click()
    page.wait_for_load_state("networkidle")
    assert f"/planning/programs/{pw.program.pk}/tree/" in page.url
    tree = page.locator("ul.task-tree")
    assert pw.assigned.title in tree.inner_text()
    shot(page, "planning-tree")

    # --- assign a sub-task down to the commune's People's Committee ------------------------
    menu = open_actions(page, pw.assigned)
    menu.get_by_role("link", name=exact("Add sub-task")).click()
    page.wait_for_load_state("networkidle")
    assert pw.assigned.title in page.inner_text("main")  # "Part of 2 …, led by Thành ủy Hà Nội"

    page.get_by_label(exact("Title")).fill(SUBTASK_TITLE)
    lead = page.get_by_label(exact("Lead agency"))
    finder = page.locator(f"#{lead.get_attribute('id')}_q")  # the picker's search box above it
    finder.press_sequentially("Tân An", delay=20)
    # htmx narrows the list to the agencies under Thành ủy Hà Nội named "Tân An" (and the blank)
    expect(lead.locator("option")).to_have_count(3)
    listed = lead.locator("option").all_inner_texts()
    assert all("Tân An" in o or not o.strip("- ") for o in listed), listed
    commune = lead.locator("option", has_text=w.hni_xa_ubnd.code)
    lead.select_option(commune.get_attribute("value"))
    page.get_by_label(exact("Due date")).fill("30/06/2027")
    page.get_by_label(exact("Deliverable type")).select_option(index=1)
    page.get_by_label(exact("Deliverable")).fill(
        "Cổng dịch vụ công của xã cung cấp toàn trình các thủ tục hành chính"
    )
    page.get_by_role("button", name=exact("Save")).last.click()
    page.wait_for_load_state("networkidle")
    assert f"/planning/programs/{pw.program.pk}/tree/" in page.url, page.inner_text("main")[:800]
    sub = Task.objects.get(parent=pw.assigned, title=SUBTASK_TITLE)
    assert sub.lead_agency_id == w.hni_xa_ubnd.pk
    assert sub.assigned_by_id == w.hni.pk
    assert sub.due_date == dt.date(2027, 6, 30)
    assert AuditEntry.objects.filter(object_id=str(sub.pk), action="planning.subtask_assigned").exists()
    row = page.locator(f"#task-{sub.pk}")
    assert w.hni_xa_ubnd.name in row.inner_text()
    assert_no_horizontal_scroll_at_phone(page, shot)

    # --- open it and add a KPI with a baseline and a trajectory ------------------------------
    row.get_by_role("link", name=re.compile(re.escape(SUBTASK_TITLE))).click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(reverse("web:task_detail", args=[sub.pk]))
    page.locator("#kpis").get_by_role("link", name=exact("Add a KPI")).click()
    page.wait_for_load_state("networkidle")
    choice = page.get_by_label(exact("Indicator"))
    choice.select_option(choice.locator("option", has_text="NQ57-DVC-01").get_attribute("value"))
    page.get_by_label(exact("Baseline value")).fill("35")
    page.get_by_label(exact("Baseline date")).fill("31/12/2025")
    for n, (on, value) in enumerate((("30/06/2026", "50"), ("31/12/2026", "70"), ("30/06/2027", "100")), 1):
        page.get_by_label(f"{t('Date')} {n}", exact=True).fill(on)
        page.get_by_label(f"{t('Target value')} {n}", exact=True).fill(value)
    page.get_by_role("button", name=exact("Save")).click()
    page.wait_for_load_state("networkidle")
    assert page.url.split("#")[0].endswith(reverse("web:task_detail", args=[sub.pk])), page.inner_text(
        "main"
    )[:800]
    kpis = page.locator("#kpis")
    kpi_text = kpis.inner_text()
    assert "NQ57-DVC-01" in kpi_text
    for shown in ("31/12/2025", "30/06/2026", "31/12/2026", "30/06/2027"):
        assert shown in kpi_text, f"{shown} missing from the KPI table: {kpi_text}"
    kpi = sub.kpis.get()
    assert [(p.on, int(p.value)) for p in kpi.targets.order_by("on")] == [
        (dt.date(2026, 6, 30), 50),
        (dt.date(2026, 12, 31), 70),
        (dt.date(2027, 6, 30), 100),
    ]

    # --- the six clears: who and authority are missing ---------------------------------------
    clears = page.locator("#clears")
    assert clears.get_by_test_id("task-open-flags").count() == 1
    failing = clears.locator("li.text-danger").all_inner_texts()
    assert any(t("Name the officer responsible in the lead agency.") in f for f in failing), failing
    assert any(t("Name the authority that issues or accepts the deliverable.") in f for f in failing), failing
    assert len(failing) == 2, failing
    shot(page, "planning-task")
    assert_no_horizontal_scroll_at_phone(page, shot)

    # --- fix them in the task form --------------------------------------------------------------
    page.get_by_role("link", name=exact("Edit")).first.click()
    page.wait_for_load_state("networkidle")
    page.get_by_label(exact("Responsible officer")).fill(OFFICER)
    page.get_by_label(exact("Competent authority")).fill(AUTHORITY)
    page.get_by_role("button", name=exact("Save")).last.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(reverse("web:task_detail", args=[sub.pk])), page.inner_text("main")[:800]
    clears = page.locator("#clears")
    assert clears.get_by_test_id("task-open-flags").count() == 0
    assert clears.locator("li.text-danger").count() == 0
    assert clears.locator("li.text-success").count() == 6
    assert OFFICER in page.inner_text("main")
    shot(page)

    # --- issue the programme ------------------------------------------------------------------
    page.get_by_role("link", name=pw.program.title[:20]).first.click()  # the breadcrumb
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("program-flags").inner_text().strip() == t("Every task passes the six clears.")
    page.locator("#clears").get_by_role("link", name=exact("Issue")).click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("no-flags").count() == 1
    page.get_by_label(exact("Number")).fill(PROGRAM_NUMBER)
    issued_on = page.get_by_label(exact("Issued on"))
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", issued_on.input_value())  # today, dd/mm/yyyy
    page.get_by_label(exact("Signer")).fill(SIGNER)
    shot(page, "planning-issue")
    page.once("dialog", lambda dialog: dialog.accept())  # "Issue this programme? …"
    page.locator("form[method=post]").get_by_role("button", name=exact("Issue")).click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(reverse("web:program_detail", args=[pw.program.pk])), page.inner_text("main")[
        :800
    ]
    pw.program.refresh_from_db()
    assert pw.program.status == ActionProgram.Status.ISSUED
    assert pw.program.number == PROGRAM_NUMBER
    main = page.inner_text("main")
    assert t("Issued") in main and PROGRAM_NUMBER in main and SIGNER in main
    assert AuditEntry.objects.filter(action="planning.program_issued", object_id=str(pw.program.pk)).exists()
    clears = page.locator("#clears")
    assert clears.get_by_role("link", name=exact("Issue")).count() == 0
    assert clears.get_by_role("link", name=exact("Amend")).count() == 1
    shot(page)

    # --- the tree is read-only now --------------------------------------------------------------
    page.get_by_role("link", name=exact("Task tree editor")).click()
    page.wait_for_load_state("networkidle")
    main = page.locator("main")
    issued_note = t("This programme has been issued: its tasks change only while an amendment is open.")
    assert page.get_by_role("status").filter(has_text=issued_note).count() == 1
    assert main.get_by_role("link", name=re.compile(re.escape(t("Add a task")))).count() == 0
    assert main.locator(".task-col-actions .dropdown-toggle").count() == 0, "edit actions on an issued tree"
    assert SUBTASK_TITLE in main.inner_text()
    shot(page)
    page.locator(f"#task-{sub.pk}").get_by_role("link", name=re.compile(re.escape(SUBTASK_TITLE))).click()
    page.wait_for_load_state("networkidle")
    main = page.locator("main")
    assert main.get_by_role("link", name=exact("Edit")).count() == 0
    assert main.get_by_role("link", name=exact("Add a KPI")).count() == 0
    assert main.get_by_role("link", name=exact("Assign a sub-task")).count() == 0


def assert_no_horizontal_scroll_at_phone(page, shot) -> None:
    """The current page fits a 375 px wide phone screen; the desktop size is restored after."""
    size = page.viewport_size
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 812})
    try:
        page.wait_for_timeout(50)
        shot(page)
        assert_no_horizontal_scroll(page)
    finally:
        page.set_viewport_size(size)
