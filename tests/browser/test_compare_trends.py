"""Compare and trends in a real browser: the national leader opens the comparison of the agencies
on one indicator from the overview, the bar chart draws (no CSP or console error), its table view
shows the ranked values, the ranking table has as many rows as the API lists; one click drills into
Hà Nội; then the trends page draws its three charts, whose table views show the API's quarters.
Both pages fit a 375 px phone screen. Data: tests.dashboards.test_compare.build_compare."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from resmon.rollups import services as rollups
from tests.dashboards.test_compare import build_compare
from tests.reporting.helpers import add_reporting_people, make_periods

from .conftest import PHONE_WIDTH, assert_no_horizontal_scroll

pytestmark = pytest.mark.browser


@pytest.fixture
def compare_world(world):
    make_periods()
    add_reporting_people(world)
    world.indicators = build_compare(world)
    rollups.rebuild()
    # load the URLconf (and the API's heavy imports) here, not during the first page's 15 s timeout
    reverse("api:dashboard_compare")
    return world


def on_phone(page, shot) -> None:
    size = page.viewport_size
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 812})
    page.wait_for_timeout(300)
    shot(page)
    assert_no_horizontal_scroll(page)
    page.set_viewport_size(size)


def test_a_national_leader_compares_and_reads_the_trends(compare_world, page, sign_in, shot, visit):
    w = compare_world
    rate = w.indicators["RATE"]
    sign_in("national_leader")
    visit("/dashboards/")
    page.locator("a[data-testid='compare-link']").click()
    page.wait_for_load_state("networkidle")
    with page.expect_navigation():
        page.locator("#c-indicator").select_option(str(rate.pk))  # submits itself
    page.wait_for_load_state("networkidle")
    assert f"indicator={rate.pk}" in page.url
    shot(page, "dashboard-compare")

    card = page.locator("[data-chart-card]")
    assert card.locator("[data-chart='compare'] canvas").count() >= 1
    table = card.locator("[data-chart-table]")
    assert table.is_hidden()
    card.locator("[data-table-toggle]").click()
    assert table.is_visible()
    shot(page)
    api = page.request.get(f"/api/v1/dashboard/compare?indicator={rate.pk}").json()
    rows = page.locator("table[data-table='compare'] tbody tr")
    assert rows.count() == api["count"] == len(api["items"]) == 5
    ranked = [i for i in api["items"] if i["group"] in ("ranked", "small_denominator")]
    assert table.locator("tbody tr").count() == len(ranked) == 3
    assert [rows.nth(i).get_attribute("data-agency") for i in range(5)] == [
        str(i["agency"]["id"]) for i in api["items"]
    ]
    assert "not compared" in page.locator(f"tr[data-agency='{w.vptw.pk}']").inner_text()
    on_phone(page, shot)

    page.locator(f"tr[data-agency='{w.hni.pk}'] a[data-drill]").click()
    page.wait_for_load_state("networkidle")
    assert f"agency={w.hni.pk}" in page.url and f"indicator={rate.pk}" in page.url
    shot(page)
    down = page.request.get(f"/api/v1/dashboard/compare?indicator={rate.pk}&agency={w.hni.pk}").json()
    assert page.locator("table[data-table='compare'] tbody tr").count() == down["count"] == 3
    assert page.locator("[data-compare-crumbs] li[data-agency]").count() == 2

    page.locator("a[data-testid='trends-link']").click()
    page.wait_for_load_state("networkidle")
    assert re.search(r"/dashboards/trends/\?agency=\d+", page.url)
    shot(page, "dashboard-trends")
    cards = page.locator("[data-chart-card]")
    assert cards.count() == 3
    for i in range(3):
        assert cards.nth(i).locator("canvas").count() >= 1
    trend = page.request.get(f"/api/v1/dashboard/trends?agency={w.hni.pk}").json()
    cards.nth(1).locator("[data-table-toggle]").click()
    tasks = page.locator("table[data-table='trend-tasks'] tbody tr")
    assert tasks.count() == len(trend["quarters"]) > 0
    for i, q in enumerate(trend["quarters"]):
        assert tasks.nth(i).locator("[data-col='overdue']").inner_text() == str(q["overdue"])
    shot(page)
    on_phone(page, shot)
