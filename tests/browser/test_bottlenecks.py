"""Bottlenecks in a real browser: a national leader opens them from the overview, reads the ranking
(its rows equal the API's), switches to the graph (drawn, no CSP or console error) and to its
table view, drills down to the agency that holds most up and on to one of the tasks it holds up;
every page fits a 375 px phone screen. Data: tests.factories.build_world() with dates around the
real today (the live server and the browser share the real clock)."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest

from resmon.core import clock
from resmon.planning.models import Task, TaskDependency
from tests.factories import task

from .conftest import PHONE_WIDTH, assert_no_horizontal_scroll

pytestmark = pytest.mark.browser


@pytest.fixture
def bottleneck_world(world):
    """Hà Nội's science department 50 days late with a task five others wait for; a ward 10 days
    late; Hà Nội's People's Committee 19 days late with its part of the ministry's task."""
    w = world
    today = clock.today()
    Task.objects.filter(pk=w.tasks["hni_so"].pk).update(due_date=today - dt.timedelta(days=50))
    leads = [w.hni_xa_ubnd, w.hni_xa_ubnd, w.hni_ubnd, w.hni_ubnd, w.hni_xa2]
    w.waiting = []
    for k, lead in enumerate(leads, 1):
        t = task(
            w.tasks["hni"].program,
            lead,
            code=f"9.{k}",
            title=f"Nhiệm vụ chờ Sở Khoa học và Công nghệ số {k}",
            due_date=today + dt.timedelta(days=120),
        )
        TaskDependency.objects.create(task=t, depends_on=w.tasks["hni_so"])
        w.waiting.append(t)
    late = task(w.tasks["hcm"].program, w.hcm_xa, code="1.2", due_date=today - dt.timedelta(days=10))
    TaskDependency.objects.create(task=w.tasks["hcm"], depends_on=late)
    w.tasks["ministry"].coordinations.create(
        agency=w.hni_ubnd, sub_deliverable="Báo cáo của Hà Nội", due_date=today - dt.timedelta(days=19)
    )
    return w


def warm_up(page) -> None:
    """The live server's first answer (URL conf, templates, translations) can be slow on a busy machine."""
    page.goto("/accounts/login/", timeout=120_000)


def at_phone_width(page, shot) -> None:
    size = page.viewport_size
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 812})
    try:
        page.wait_for_timeout(250)  # the chart resizes after a short pause
        shot(page)
        assert_no_horizontal_scroll(page)
    finally:
        page.set_viewport_size(size)


def test_a_national_leader_finds_the_bottleneck_and_drills_down(bottleneck_world, page, sign_in, shot, visit):
    w = bottleneck_world
    warm_up(page)
    sign_in("national_leader")
    visit("/dashboards/")
    page.locator("[data-testid='bottlenecks-link']").click()
    page.wait_for_load_state("networkidle")
    assert urlsplit(page.url).path == "/monitoring/bottlenecks/"
    shot(page, "bottlenecks-ranking")

    # the ranking: Hà Nội's science department first, the rows equal the API's
    api = page.request.get("/api/v1/bottlenecks", params={"agency": str(w.root.pk)}).json()
    rows = page.locator("table[data-table='bottlenecks'] tbody tr")
    assert rows.count() == api["count"] == 3
    assert rows.first.get_attribute("data-agency") == str(w.hni_so.pk) == str(api["items"][0]["id"])
    assert "250" in rows.first.locator("[data-weighted]").inner_text()
    assert rows.first.locator("[data-explanation]").is_visible()
    at_phone_width(page, shot)

    # the graph: drawn on a canvas; its table view lists the agencies and the links
    page.locator("a[data-tab='graph']").click()
    page.wait_for_load_state("networkidle")
    card = page.locator("[data-chart-card]")
    assert card.locator("[data-chart='graph'] canvas").count() >= 1
    table = card.locator("[data-chart-table]")
    assert table.is_hidden()
    shot(page, "bottlenecks-graph")
    at_phone_width(page, shot)
    toggle = card.locator("[data-table-toggle]")
    toggle.click()
    assert table.is_visible() and toggle.get_attribute("aria-pressed") == "true"
    assert card.locator("table[data-table='graph-edges'] tbody tr").count() == 5  # links between agencies
    shot(page)
    at_phone_width(page, shot)

    # drill down to the agency, then to a task it holds up
    card.locator(f"table[data-table='graph-nodes'] tr[data-agency='{w.hni_so.pk}'] a[data-drilldown]").click()
    page.wait_for_load_state("networkidle")
    assert urlsplit(page.url).path == f"/monitoring/bottlenecks/agencies/{w.hni_so.pk}/"
    assert page.locator("[data-figure='rank']").inner_text().strip() == "1"
    held = page.locator("table[data-table='held'] tbody tr")
    assert held.count() == 5
    shot(page, "bottlenecks-agency")
    at_phone_width(page, shot)
    first = held.first
    task_id = first.get_attribute("data-held")
    first.locator("a").first.click()
    page.wait_for_load_state("networkidle")
    assert urlsplit(page.url).path == f"/tasks/{task_id}/"
    assert re.search(r"Nhiệm vụ chờ Sở Khoa học và Công nghệ số \d", page.locator("h1").inner_text())
    shot(page)
    at_phone_width(page, shot)


def test_the_coordinating_agency_records_its_delivery_from_the_task_page(
    bottleneck_world, page, sign_in, shot
):
    """Hà Nội's People's Committee is late with its part: its leader opens the ministry's task,
    records the delivery; the part is shown delivered and no longer holds anything up."""
    from resmon.accounts.models import User
    from resmon.core.access import Role
    from tests.factories import user

    w = bottleneck_world
    user("ubnd_leader", w.hni_ubnd, Role.LEADER)
    assert User.objects.filter(username="ubnd_leader").exists()
    warm_up(page)
    sign_in("ubnd_leader")
    page.goto(f"/tasks/{w.tasks['ministry'].pk}/")
    page.wait_for_load_state("networkidle")
    part = page.locator(f"#coordination [data-coordination='{w.hni_ubnd.pk}']")
    assert part.locator("[data-part-state='late']").is_visible()
    shot(page)
    part.locator("a").click()
    page.wait_for_load_state("networkidle")
    page.locator("[data-form='deliver'] button").click()
    page.wait_for_load_state("networkidle")
    assert urlsplit(page.url).path == f"/tasks/{w.tasks['ministry'].pk}/"
    part = page.locator(f"#coordination [data-coordination='{w.hni_ubnd.pk}']")
    assert part.locator("[data-part-state='delivered_late']").is_visible()
    shot(page)
    at_phone_width(page, shot)
    body = page.request.get(f"/api/v1/bottlenecks/agencies/{w.hni_ubnd.pk}").json()
    assert body["figures"] is None
