"""A warning answered by a directive, in a real browser: a Hà Nội commune's task falls behind plan;
the daily alert job raises a warning that shows on the provincial leader's home; the leader opens
it, goes to the task and issues a directive to the lead agency (the commune People's Committee);
the commune's focal officer finds it on their home, acknowledges it and reports back; the leader
reads the report. Then the report path (through the reporting services, as the reporting tests
do): the commune's period report raises the task's percent, is approved and accepted; the alert
job runs again and the warning is gone from the leader's home.

Every page: no console errors (the ``page`` fixture), no sideways scrolling at 375 px, a screenshot.
Data: tests.factories.build_world() with the commune's people, on the real clock; labels through
gettext in the live server's language."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from resmon.catalogue import periods as cal
from resmon.catalogue.models import ReportingPeriod
from resmon.catalogue.services_periods import configured_cutoff
from resmon.core import clock
from resmon.monitoring.alerts.models import Alert, AlertKind
from resmon.monitoring.alerts.services import refresh_alerts
from resmon.monitoring.directives.models import Directive, DirectiveRecipient
from resmon.planning.models import ActionProgram, Task
from resmon.reporting.services import reports as report_services
from tests.monitoring.directives.helpers import add_people
from tests.reporting.helpers import make_periods

from .conftest import PHONE_WIDTH, assert_no_horizontal_scroll, login

pytestmark = pytest.mark.browser

TITLE = "Triển khai dịch vụ công trực tuyến toàn trình tại UBND xã Tân An"
DIRECTIVE = (
    "Đề nghị UBND xã Tân An khẩn trương đẩy nhanh tiến độ, bảo đảm hoàn thành đúng hạn; báo cáo kết quả."
)
REPORT = "UBND xã đã bổ sung nhân lực, hoàn thành 95% khối lượng; dự kiến xong trước thời hạn."


def t(msgid: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(msgid)


def exact(msgid: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*{re.escape(t(msgid))}\s*$")


def switch_user(page, username: str) -> None:
    page.context.clear_cookies()
    login(page, username)


def check(page, shot) -> None:
    """Screenshot the page, then check it at a phone's width (and screenshot that too)."""
    page.wait_for_load_state("networkidle")
    shot(page)
    size = page.viewport_size
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 812})
    try:
        page.wait_for_timeout(50)
        shot(page)
        assert_no_horizontal_scroll(page)
    finally:
        page.set_viewport_size(size)


def current_quarter() -> ReportingPeriod:
    code = cal.period_containing(cal.QUARTER, clock.today(), configured_cutoff()).code
    return ReportingPeriod.objects.get(kind=cal.QUARTER, cutoff=configured_cutoff(), code=code)


@pytest.fixture
def behind(world):
    """Hà Nội's programme issued at the start of this quarter; task "hni_xa" (led by UBND xã Tân An,
    assigned by Thành ủy Hà Nội) due in 10 days at 20 %; every other task ongoing (no warning)."""
    make_periods()
    add_people(world)
    today = clock.today()
    quarter = current_quarter()
    program = world.tasks["hni_xa"].program
    ActionProgram.objects.filter(pk=program.pk).update(
        status=ActionProgram.Status.ISSUED, issued_on=quarter.start
    )
    Task.objects.exclude(pk=world.tasks["hni_xa"].pk).update(ongoing=True, due_date=None)
    Task.objects.filter(pk=world.tasks["hni_xa"].pk).update(
        title=TITLE,
        due_date=today + dt.timedelta(days=10),
        percent_done=Decimal(20),
        first_progress_on=max(quarter.start + dt.timedelta(days=1), today - dt.timedelta(days=60)),
    )
    return world


def test_a_warning_answered_by_a_directive_clears_after_the_next_accepted_report(behind, page, shot):
    w = behind
    task = Task.objects.get(pk=w.tasks["hni_xa"].pk)
    refresh_alerts()
    alert = Alert.objects.get(task=task, kind=AlertKind.DUE_SOON_BEHIND, cleared_on__isnull=True)

    # the provincial leader sees the warning on home and opens it
    login(page, "hni_leader")
    home_alert = page.locator(f'[data-home-alerts] [data-alert="{alert.pk}"]')
    expect(home_alert).to_be_visible()
    check(page, shot)
    home_alert.locator("a[data-sentence]").click()
    expect(page).to_have_url(re.compile(rf"/monitoring/alerts/{alert.pk}/$"))
    check(page, shot)

    # from the warning to its task, and from there the directive to the lead agency
    page.locator("a[data-subject]").click()
    expect(page).to_have_url(re.compile(rf"/tasks/{task.pk}/$"))
    section = page.locator("#directives")
    expect(section).to_be_visible()
    check(page, shot)
    section.get_by_role("link", name=exact("Issue a directive")).click()
    expect(page.locator(f"#r-{w.hni_xa_ubnd.pk}")).to_be_checked()
    check(page, shot)
    page.get_by_label(exact("Directive")).fill(DIRECTIVE)
    page.get_by_role("button", name=exact("Issue the directive")).click()
    page.wait_for_load_state("networkidle")
    directive = Directive.objects.get()
    assert directive.task_id == task.pk and directive.issued_by == w.users["hni_leader"]
    assert list(directive.recipients.values_list("agency", flat=True)) == [w.hni_xa_ubnd.pk]
    expect(page).to_have_url(re.compile(rf"/monitoring/directives/{directive.pk}/$"))
    expect(page.locator("[data-text]")).to_contain_text(DIRECTIVE)
    check(page, shot)

    # the commune's focal officer finds it on home, acknowledges it and reports back
    switch_user(page, "xa_ubnd_officer")
    row = page.locator('[data-work="directives_to_report"]')
    expect(row).to_be_visible()
    check(page, shot)
    row.locator("a").click()
    expect(page.locator(f'[data-directive="{directive.pk}"]')).to_be_visible()
    check(page, shot)
    page.locator(f'[data-directive="{directive.pk}"] a').first.click()
    expect(page).to_have_url(re.compile(rf"/monitoring/directives/{directive.pk}/$"))
    check(page, shot)
    page.get_by_role("button", name=exact("Acknowledge receipt")).click()
    page.wait_for_load_state("networkidle")
    rec = DirectiveRecipient.objects.get(directive=directive)
    assert rec.acknowledged_by == w.users["xa_ubnd_officer"]
    page.get_by_label(exact("Report back")).fill(REPORT)
    page.get_by_role("button", name=exact("Send the report")).click()
    page.wait_for_load_state("networkidle")
    rec.refresh_from_db()
    assert rec.report == REPORT and rec.reported_at is not None
    expect(page.locator(f'[data-recipient="{rec.pk}"] [data-report]')).to_contain_text(REPORT)
    check(page, shot)

    # the leader reads the report on the directive
    switch_user(page, "hni_leader")
    page.goto(reverse("directives:detail", args=[directive.pk]))
    expect(page.locator(f'[data-recipient="{rec.pk}"] [data-report]')).to_contain_text(REPORT)
    check(page, shot)

    # the report path: the commune's period report raises the percent, approved and accepted
    report = report_services.create_report(
        w.users["xa_ubnd_officer"], program=task.program, period=current_quarter(), agency=w.hni_xa_ubnd
    )
    report = report_services.save_report(
        w.users["xa_ubnd_officer"],
        report,
        lines=[{"task": task.pk, "percent_done": "95", "results": REPORT}],
        results="UBND xã Tân An đẩy nhanh tiến độ theo ý kiến chỉ đạo của Thành ủy.",
    )
    report = report_services.submit_to_head(w.users["xa_ubnd_officer"], report)
    report = report_services.approve_and_send(w.users["xa_ubnd_leader"], report)
    report_services.accept_report(w.users["hni_leader"], report, expected_version=report.version)
    task.refresh_from_db()
    assert task.percent_done == Decimal(95)
    refresh_alerts()
    alert.refresh_from_db()
    assert alert.cleared_on == clock.today()

    # the warning is gone from the leader's home
    page.goto(reverse("web:home"))
    page.wait_for_load_state("networkidle")
    expect(page.locator(f'[data-alert="{alert.pk}"]')).to_have_count(0)
    expect(page.locator('[data-work="directives_awaiting"]')).to_have_count(0)
    check(page, shot)
