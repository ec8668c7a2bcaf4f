"""Early warnings in a real browser: a Hà Nội department's task is long overdue; the daily alert job
raises a high-severity warning; the provincial leader sees it on the home page, opens it,
tries to acknowledge it without a comment (told what to write, nothing saved), then acknowledges it
with a comment that shows on the alert. The alert list shows as many alerts as the API counts.

Every page: no console errors (the ``page`` fixture), no sideways scrolling at 375 px, a screenshot.
Data: tests.factories.build_world() on the real clock; labels through gettext in the live server's
language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import translation
from playwright.sync_api import expect

from resmon.core import clock
from resmon.monitoring.alerts.models import Alert, AlertKind
from resmon.monitoring.alerts.rules import sentence
from resmon.monitoring.alerts.services import refresh_alerts
from resmon.planning.models import Task

from .conftest import PHONE_WIDTH, assert_no_horizontal_scroll

pytestmark = pytest.mark.browser

COMMENT = "Thành ủy đã giao Sở rà soát, báo cáo lại trước ngày 30 của tháng."


def t(msgid: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(msgid)


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


def test_a_provincial_leader_acknowledges_an_alert(world, page, sign_in, shot):
    task = world.tasks["hni_so"]
    Task.objects.filter(pk=task.pk).update(due_date=clock.today() - dt.timedelta(days=40))
    refresh_alerts()
    alert = Alert.objects.get(kind=AlertKind.OVERDUE, task=task, cleared_on__isnull=True)
    with translation.override(settings.LANGUAGE_CODE):
        said = sentence(alert.kind, alert.params)

    sign_in("hni_leader")
    page.goto("/")
    card = page.locator("[data-home-alerts]")
    expect(card).to_be_visible()
    expect(card.locator(f'[data-alert="{alert.pk}"] [data-sentence]')).to_have_text(said)
    check(page, shot)

    card.locator(f'[data-alert="{alert.pk}"] [data-sentence]').click()
    page.wait_for_url(f"**/monitoring/alerts/{alert.pk}/")
    expect(page.locator("main [data-sentence]")).to_have_text(said)
    check(page, shot)

    # no comment: told what to write, nothing saved
    form = page.locator('form[data-action="acknowledge"]')
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".invalid-feedback")).to_be_visible()
    assert Alert.objects.get(pk=alert.pk).acknowledged_at is None
    check(page, shot)

    page.locator("textarea[name=comment]").fill(COMMENT)
    page.locator('form[data-action="acknowledge"] button[type=submit]').click()
    page.wait_for_url(f"**/monitoring/alerts/{alert.pk}/")
    expect(page.locator("[data-ack-comment]")).to_have_text(COMMENT)
    expect(page.locator("[data-acknowledged]").first).to_be_visible()
    check(page, shot)
    fresh = Alert.objects.get(pk=alert.pk)
    assert fresh.acknowledged_by == world.users["hni_leader"] and fresh.ack_comment == COMMENT
    assert fresh.cleared_on is None  # still open until the job finds the task done

    # the list: as many rows as the API counts, the acknowledged mark on this one
    page.goto("/monitoring/alerts/")
    rows = page.locator("[data-alert-list] > li")
    api = page.request.get("/api/v1/alerts?limit=500").json()
    expect(rows).to_have_count(api["count"])
    expect(page.locator(f'[data-alert="{alert.pk}"] [data-acknowledged]')).to_be_visible()
    check(page, shot)
    # the sidebar item is there, and current
    expect(page.locator(".app-sidebar a.active")).to_have_text(t("Alerts"))
    # the rule, as written for everyone (no form for a leader)
    page.goto("/monitoring/alerts/rules/")
    expect(page.locator("[data-rule-line]")).to_have_count(len(AlertKind.values))
    expect(page.locator("[data-rule-form]")).to_have_count(0)
    check(page, shot)
