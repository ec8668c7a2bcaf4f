"""The KPI bands in a real browser: a provincial leader opens the KPIs of Hà Nội for 2026-Q1, the
bar chart draws (no CSP or console error), its table view shows the same counts as the chips and
the API, a chip lists its band, a row opens its task; the page fits a 375 px phone screen. The
system administrator changes the rule on its page and the KPIs move band. Data:
tests.dashboards.kpi_helpers.build_kpis."""

from __future__ import annotations

import re

import pytest

from resmon.planning.models import KpiBandRule
from tests.dashboards.kpi_helpers import build_kpis
from tests.reporting.helpers import add_reporting_people, make_periods, quarter

from .conftest import PHONE_WIDTH, assert_no_horizontal_scroll

pytestmark = pytest.mark.browser


@pytest.fixture
def kpi_world(world):
    make_periods()
    add_reporting_people(world)
    build_kpis(world)
    return world


def chips(page) -> dict[str, str]:
    out = {}
    for el in page.locator("a[data-band-count]").all():
        out[el.get_attribute("data-band-count")] = re.sub(r"\D", "", el.locator("[data-value]").inner_text())
    return out


def test_a_leader_reads_the_kpi_bands(kpi_world, page, sign_in, shot, visit):
    w = kpi_world
    sign_in("hni_leader")
    query = f"agency={w.hni.pk}&period={quarter().pk}"
    visit(f"/dashboards/kpis/?{query}", "dashboard-kpis")
    card = page.locator("[data-chart-card]")
    assert card.locator("[data-chart='kpi-bands'] canvas").count() >= 1
    table = card.locator("[data-chart-table]")
    assert table.is_hidden()
    card.locator("[data-table-toggle]").click()
    assert table.is_visible()
    shot(page)
    api = page.request.get(f"/api/v1/dashboard/kpis?{query}").json()
    assert chips(page) == {k: str(v) for k, v in api["counts"].items()}
    for key, count in api["counts"].items():
        assert table.locator(f"tr[data-band='{key}'] [data-count]").inner_text() == str(count)
    assert page.locator("table[data-table='kpis'] tbody tr").count() == len(api["items"]) == 6
    assert "85%" in page.locator("[data-band-rule]").inner_text()
    size = page.viewport_size
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 812})
    page.wait_for_timeout(200)
    shot(page)
    assert_no_horizontal_scroll(page)
    page.set_viewport_size(size)

    page.locator("a[data-band-count='at_risk']").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("table[data-table='kpis'] tbody tr").count() == 2
    page.locator("a[data-task-link]").first.click()
    page.wait_for_load_state("networkidle")
    assert re.search(r"/tasks/\d+/$", page.url)


def test_the_administrator_changes_the_rule(kpi_world, page, sign_in, shot, visit):
    w = kpi_world
    sign_in("sysadmin")
    visit(f"/dashboards/kpis/?agency={w.hni.pk}&period={quarter().pk}")
    page.locator("a[data-rule-link]").click()
    page.wait_for_load_state("networkidle")
    shot(page, "kpi-band-rule")
    page.locator("input[name='on_track_from']").fill("90")
    page.locator("input[name='at_risk_below']").fill("50")
    page.locator("[data-kpi-rule] button[type='submit']").click()
    page.wait_for_load_state("networkidle")
    assert KpiBandRule.objects.get().on_track_from == 90
    visit(f"/dashboards/kpis/?agency={w.hni.pk}&period={quarter().pk}")
    assert chips(page) == {"at_risk": "0", "behind": "2", "on_track": "3", "not_assessable": "1"}
