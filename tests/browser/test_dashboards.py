"""The dashboard in a real browser: a national leader opens "Tổng quan", the charts draw (no CSP
or console error), switches a chart to its table view, chooses a resolution, drills down
national → province → commune → the commune's task list → one task; the breadcrumb and the
filters follow; the tables' rows equal the API's counts; every page fits a 375 px phone screen.
Data: tests.factories.build_world() with the dashboards' statuses
(tests.dashboards.helpers.populate) around the real today, the roll-up caches rebuilt."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlsplit

import docx
import openpyxl
import pytest

from resmon.core import clock
from resmon.rollups import services as rollups
from tests.dashboards.helpers import populate
from tests.reporting.helpers import make_periods

from .conftest import ARTIFACTS, PHONE_WIDTH, assert_no_horizontal_scroll

pytestmark = pytest.mark.browser


@pytest.fixture
def dashboard_world(world):
    make_periods()
    populate(world, clock.today())
    rollups.rebuild()
    return world


def params(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def api(page, url_params: dict[str, str]) -> dict:
    """The API's answer for the filters the page shows (the browser's own session)."""
    response = page.request.get("/api/v1/dashboard", params=url_params)
    assert response.ok, response.status
    return response.json()


def rows(page, table: str) -> int:
    return page.locator(f"table[data-table='{table}'] tbody tr").count()


def at_phone_width(page, shot) -> None:
    size = page.viewport_size
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 812})
    try:
        page.wait_for_timeout(200)  # the charts resize after a short pause
        shot(page)
        assert_no_horizontal_scroll(page)
    finally:
        page.set_viewport_size(size)


def check_tables_equal_api(page) -> dict:
    data = api(page, {k: v for k, v in params(page.url).items() if k != "page"})
    assert rows(page, "status") == len(data["by_resolution"])
    assert rows(page, "progress") == len(data["by_resolution"])
    assert rows(page, "children") == len(data["children"])
    if data["ranking"] is not None:
        assert rows(page, "ranking") == len(data["ranking"])
    headline = page.locator("[data-headline='tasks'] [data-value]").inner_text()
    assert re.sub(r"\D", "", headline) == str(data["headline"]["tasks"])  # 1.234 (vi) or 1,234 (en)
    return data


def new_page_is_clean(page, console, shot) -> None:
    """The page just opened: no console error so far, a screenshot, no sideways scroll on a phone."""
    assert console.unexpected() == [], f"{page.url}: {console.unexpected()}"
    shot(page)
    at_phone_width(page, shot)
    assert console.unexpected() == [], f"{page.url} at phone width: {console.unexpected()}"


def test_a_national_leader_drills_down(dashboard_world, page, console, sign_in, shot, visit):
    w = dashboard_world
    sign_in("national_leader")
    page.locator(".app-sidebar a[href='/dashboards/']").click()
    page.wait_for_load_state("networkidle")
    shot(page, "dashboard-national")
    assert page.locator("[data-dashboard-agency]").get_attribute("data-dashboard-agency") == str(w.root.pk)

    # the charts are drawn from the json_script data; their tables are hidden behind a toggle
    status_card = page.locator("[data-chart-card]").filter(has=page.locator("[data-chart='status']"))
    assert status_card.locator("[data-chart='status'] canvas").count() >= 1
    table = status_card.locator("[data-chart-table]")
    assert table.is_hidden()
    toggle = status_card.locator("[data-table-toggle]")
    toggle.click()
    assert table.is_visible()
    assert toggle.get_attribute("aria-pressed") == "true"
    assert status_card.locator("[data-chart='status']").is_hidden()
    shot(page)
    data = check_tables_equal_api(page)
    assert data["provinces"] is not None
    assert page.locator("a[data-tile]").count() == len(data["provinces"])
    assert page.locator("[data-ranking-refused]").is_visible()
    at_phone_width(page, shot)
    toggle.click()  # back to the chart
    assert table.is_hidden()

    # one resolution: the ranking appears; the filters are in the URL
    with page.expect_navigation():
        page.locator("select[name='resolution']").select_option(str(w.res.pk))
    page.wait_for_load_state("networkidle")
    chosen = params(page.url)
    assert chosen["resolution"] == str(w.res.pk) and chosen["agency"] == str(w.root.pk)
    period = page.locator("select[name='period']").input_value()
    assert period
    check_tables_equal_api(page)
    shot(page)

    # national -> Hà Nội (its tile) -> xã Tân An (its row): the filters follow, the breadcrumb grows
    page.locator(f"a[data-tile='{w.hni.pk}']").click()
    page.wait_for_load_state("networkidle")
    assert params(page.url) == {"agency": str(w.hni.pk), "resolution": str(w.res.pk), "period": period}
    shot(page, "dashboard-province")
    assert page.locator("[data-dashboard-crumbs] li").count() == 2
    assert page.locator("[data-tiles]").count() == 0
    data = check_tables_equal_api(page)
    assert [r["agency"]["id"] for r in data["ranking"]][0] == w.hni_xa2.pk
    assert page.locator("table[data-table='ranking'] tr[data-small-sample]").count() == sum(
        r["small_sample"] for r in data["ranking"]
    )
    at_phone_width(page, shot)

    page.locator(f"tr[data-child='{w.hni_xa.pk}'] a[data-drill]").click()
    page.wait_for_load_state("networkidle")
    assert params(page.url) == {"agency": str(w.hni_xa.pk), "resolution": str(w.res.pk), "period": period}
    crumbs = page.locator("[data-dashboard-crumbs] li")
    assert [crumbs.nth(i).get_attribute("data-agency") for i in range(crumbs.count())] == [
        str(w.root.pk),
        str(w.hni.pk),
        str(w.hni_xa.pk),
    ]
    assert page.locator("select[name='resolution']").input_value() == str(w.res.pk)
    assert page.locator("select[name='period']").input_value() == period
    check_tables_equal_api(page)
    shot(page, "dashboard-commune")
    at_phone_width(page, shot)

    # commune -> its task list (the key number "tasks") -> one task: each page without a console
    # error, fitting a phone; the list has the rows the API counts for the same filters
    commune_tasks = check_tables_equal_api(page)["headline"]["tasks"]
    page.locator("a[data-headline='tasks']").click()
    page.wait_for_load_state("networkidle")
    assert urlsplit(page.url).path == "/tasks/"
    assert params(page.url) == {"agency": str(w.hni_xa.pk), "resolution": str(w.res.pk)}
    new_page_is_clean(page, console, shot)
    listed = page.request.get("/api/v1/tasks", params=params(page.url))
    assert listed.ok, listed.status
    count = listed.json()["count"]
    assert count == commune_tasks and 0 < count <= 50  # one page
    task_rows = page.locator("main table tbody tr")
    assert task_rows.count() == count
    first = listed.json()["items"][0]
    task_rows.locator(f"a[href='/tasks/{first['id']}/']").click()
    page.wait_for_load_state("networkidle")
    assert urlsplit(page.url).path == f"/tasks/{first['id']}/"
    assert first["title"] in page.locator("h1").inner_text()
    new_page_is_clean(page, console, shot)
    page.go_back()
    page.go_back()
    page.wait_for_load_state("networkidle")
    assert params(page.url)["agency"] == str(w.hni_xa.pk)

    # back up through the breadcrumb, filters kept
    crumbs.nth(1).locator("a").click()
    page.wait_for_load_state("networkidle")
    assert params(page.url) == {"agency": str(w.hni.pk), "resolution": str(w.res.pk), "period": period}

    # a leaf agency links to its task list
    visit(f"/dashboards/?agency={w.hni_so.pk}&resolution={w.res.pk}")
    page.locator("a[data-leaf-tasks]").click()
    page.wait_for_load_state("networkidle")
    assert urlsplit(page.url).path == "/tasks/"
    assert params(page.url) == {"agency": str(w.hni_so.pk), "resolution": str(w.res.pk)}


def test_the_overview_downloads_as_excel_and_word(dashboard_world, page, sign_in, shot, visit):
    """From the overview of one province and one resolution, "Download Excel" and "Download Word"
    give the files of that overview (saved next to the screenshots); no console error."""
    w = dashboard_world
    sign_in("national_leader")
    visit(f"/dashboards/?agency={w.hni.pk}&resolution={w.res.pk}")
    data = check_tables_equal_api(page)
    links = page.locator("[data-exports] a[data-export]")
    assert links.count() == 3
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    files = {}
    for fmt in ("xlsx", "docx"):
        link = page.locator(f"[data-exports] a[data-export='{fmt}']")
        assert params(link.get_attribute("href"))["resolution"] == str(w.res.pk)
        with page.expect_download() as info:
            link.click()
        download = info.value
        name = download.suggested_filename
        assert name.startswith("tong-quan-HNI-") and name.endswith(f".{fmt}"), name
        target = ARTIFACTS / f"{shot.prefix}-{name}"
        download.save_as(target)
        files[fmt] = target.read_bytes()
    assert page.url.split("?")[0].endswith("/dashboards/")  # still on the overview
    wb = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    children = wb["Đơn vị trực thuộc"]
    assert children.max_row - 1 == data["children_count"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(files["docx"])).paragraphs)
    assert f"chủ trì: {data['headline']['tasks']}." in text
    shot(page)
