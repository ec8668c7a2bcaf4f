"""Forecasts in a real browser: Thành ủy Hà Nội's leader opens the tasks most at risk of missing
their deadline (as many rows as the API counts), filters them to a commune, opens one and reads its
forecast panel on the task page.

Every page: no console errors (the ``page`` fixture), no sideways scrolling at 375 px, a screenshot.
Data: tests.factories.build_world() with forecasts cached as the daily job leaves them."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from resmon.planning.models import Task
from tests.monitoring.forecasts.helpers import cached

from .conftest import PHONE_WIDTH, assert_no_horizontal_scroll

pytestmark = pytest.mark.browser


def check(page, shot) -> None:
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


def test_a_leader_reads_the_tasks_at_risk(world, page, sign_in, shot):
    t_ = world.tasks
    Task.objects.filter(pk=t_["hni_xa"].pk).update(
        due_date=dt.date(2026, 9, 30), title="Chuyển đổi số cấp xã"
    )
    cached(
        t_["hni_xa"], p_miss=Decimal("0.8731"), projected_on=dt.date(2026, 12, 1),
        low_on=dt.date(2026, 10, 2), high_on=dt.date(2027, 3, 5), rate=Decimal("4.5"),
        last_report_on=dt.date(2025, 12, 14), last_percent=Decimal(40),
    )  # fmt: skip
    cached(t_["hni_so"], p_miss=Decimal("0.55"), projected_on=dt.date(2026, 4, 20))
    cached(t_["hcm"], p_miss=Decimal("0.99"), projected_on=dt.date(2027, 6, 1))  # not Hà Nội's

    sign_in("hni_leader")
    page.goto("/monitoring/forecasts/")
    rows = page.locator("table[data-table='at-risk'] tbody tr")
    api = page.request.get("/api/v1/forecasts/at-risk").json()
    expect(rows).to_have_count(api["count"])
    assert api["count"] == 2
    check(page, shot)

    # the filter bar: the commune's subtree only (the URL keeps it)
    page.goto(f"/monitoring/forecasts/?agency={world.hni_xa.pk}")
    expect(rows).to_have_count(1)
    check(page, shot)

    rows.first.locator("a").first.click()
    page.wait_for_load_state("networkidle")
    assert re.search(rf"/tasks/{t_['hni_xa'].pk}/", page.url)
    panel = page.locator("section[data-forecast]")
    expect(panel.locator("[data-projected]")).to_have_text("01/12/2026")
    expect(panel.locator("[data-p-miss]")).to_contain_text("87%")
    check(page, shot)
