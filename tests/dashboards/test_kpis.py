"""KPIs against their trajectory: the bands of the KPIs of an agency subtree for a period, on the
page (chips, table, chart data) and in the API, from the one selector.

The world: on 17/03/2026, the quarter 2026-Q1 (15/12/2025–14/03/2026); every trajectory below is
flat, so the planned value at the period's end is the baseline. Under Thành ủy Hà Nội:

* task hni_xa (UBND xã Tân An): ABOVE 120 of 100 (on track), NINETY 90 of 100 (behind),
  FEWER 8 of at most 10 cases (lower is better: 125 %, on track), MORE 20 of at most 10 (50 %, at risk);
* task hni_so (Sở KH&CN): HALF 50 of 100 (at risk);
* task hni (UBND TP Hà Nội): SENT 95 of 100, in a report sent but not yet accepted (not assessable).

Under TP Hồ Chí Minh: task hcm, HCM 100 of 100 (on track): outside Hà Nội's scope.
"""

from __future__ import annotations

from decimal import Decimal as D

import lxml.html
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from resmon.dashboards import kpis
from resmon.planning.bands import AT_RISK, BEHIND, NOT_ASSESSABLE, ON_TRACK
from resmon.planning.services.band_rule import set_band_rule
from resmon.planning.trajectory import expected_value, points_of
from resmon.reporting.models import PeriodReport, ReportState
from resmon.web.templatetags.resmon import vnnum
from tests.dashboards.kpi_helpers import build_kpis
from tests.reporting.helpers import TODAY, add_reporting_people, make_periods, quarter

pytestmark = pytest.mark.django_db

EXPECTED_BANDS = {
    "ABOVE": ON_TRACK,
    "NINETY": BEHIND,
    "FEWER": ON_TRACK,
    "MORE": AT_RISK,
    "HALF": AT_RISK,
    "SENT": NOT_ASSESSABLE,
}


@pytest.fixture
def kworld(world):
    with time_machine.travel(TODAY, tick=False):
        make_periods()
        add_reporting_people(world)
        build_kpis(world)
        yield world


def _client(world, username):
    c = Client()
    c.force_login(world.users[username])
    return c


def _params(world, **extra):
    return {"agency": world.hni.pk, "period": quarter().pk, **extra}


def _doc(response):
    assert response.status_code == 200, response.status_code
    return lxml.html.fromstring(response.content.decode())


def _text(node) -> str:
    return " ".join(node.text_content().split())


def _bands_by_code(world, result) -> dict[str, str]:
    codes = {k.pk: code for code, k in world.kpis.items()}
    return {codes[r.kpi.pk]: r.band for r in result.rows}


def test_each_kpi_in_its_band(kworld):
    result = kpis.kpi_bands(kworld.users["hni_leader"], agency=kworld.hni, period=quarter())
    assert _bands_by_code(kworld, result) == EXPECTED_BANDS
    assert result.counts == {AT_RISK: 2, BEHIND: 1, ON_TRACK: 2, NOT_ASSESSABLE: 1}
    assert result.total == result.count == 6
    rows = {r.kpi.indicator.code: r for r in result.rows}
    assert (rows["NINETY"].expected, rows["NINETY"].actual, rows["NINETY"].attainment) == (
        D(100),
        D(90),
        D("90.00"),
    )
    assert rows["MORE"].attainment == D("50.00")  # lower is better: 10 planned / 20 reported
    assert rows["FEWER"].attainment == D("125.00")
    assert rows["SENT"].actual is None and rows["SENT"].attainment is None
    # the planned value is the trajectory's on the period's last day
    k = kworld.kpis["ABOVE"]
    assert result.on == quarter().end
    assert rows["ABOVE"].expected == expected_value(points_of(k), quarter().end)


def test_a_value_counts_once_its_report_is_accepted(kworld):
    user = kworld.users["hni_leader"]
    PeriodReport.objects.filter(agency=kworld.hni_ubnd).update(state=ReportState.ACCEPTED)
    result = kpis.kpi_bands(user, agency=kworld.hni, period=quarter())
    assert _bands_by_code(kworld, result)["SENT"] == BEHIND  # 95 of 100
    PeriodReport.objects.filter(agency=kworld.hni_xa_ubnd).update(state=ReportState.RETURNED)
    result = kpis.kpi_bands(user, agency=kworld.hni, period=quarter())
    for code in ("ABOVE", "NINETY", "FEWER", "MORE"):
        assert _bands_by_code(kworld, result)[code] == NOT_ASSESSABLE


def test_a_kpi_without_a_trajectory_or_in_another_period_is_not_assessable(kworld):
    user = kworld.users["hni_leader"]
    kworld.kpis["HALF"].targets.all().delete()
    type(kworld.kpis["HALF"]).objects.filter(pk=kworld.kpis["HALF"].pk).update(
        baseline_value=None, baseline_date=None
    )
    result = kpis.kpi_bands(user, agency=kworld.hni, period=quarter())
    assert _bands_by_code(kworld, result)["HALF"] == NOT_ASSESSABLE
    result = kpis.kpi_bands(user, agency=kworld.hni, period=quarter("2025-Q4"))
    assert result.counts[NOT_ASSESSABLE] == 6


def test_the_subtree_and_the_resolution_choose_the_kpis(kworld):
    national = kworld.users["national_leader"]
    result = kpis.kpi_bands(national, agency=kworld.root, period=quarter())
    assert result.total == 7
    result = kpis.kpi_bands(national, agency=kworld.hni_xa, period=quarter())
    assert set(_bands_by_code(kworld, result)) == {"ABOVE", "NINETY", "FEWER", "MORE"}
    result = kpis.kpi_bands(national, agency=kworld.root, resolution=kworld.res2, period=quarter())
    assert result.total == 0


def test_the_rule_moves_kpis_between_bands(kworld):
    user = kworld.users["hni_leader"]
    with time_machine.travel(TODAY, tick=False):
        set_band_rule(kworld.users["sysadmin"], on_track_from="90", at_risk_below="50")
    result = kpis.kpi_bands(user, agency=kworld.hni, period=quarter())
    moved = _bands_by_code(kworld, result)
    assert moved["NINETY"] == ON_TRACK  # 90 % is on track from 90 %
    assert moved["HALF"] == BEHIND and moved["MORE"] == BEHIND  # 50 % is no longer below 50 %
    page = _doc(_client(kworld, "hni_leader").get(reverse("dashboards:kpis"), _params(kworld)))
    rule = _text(page.xpath("//*[@data-band-rule]")[0])
    assert "from 90%" in rule and "below 50%" in rule


# --- the page and the API ----------------------------------------------------------------------------


def _chips(d) -> dict[str, str]:
    return {
        el.get("data-band-count"): _text(el.xpath(".//*[@data-value]")[0])
        for el in d.xpath("//a[@data-band-count]")
    }


def _table(d) -> list[dict[str, str]]:
    rows = []
    for tr in d.xpath("//table[@data-table='kpis']/tbody/tr"):
        cells = {td.get("data-col"): _text(td) for td in tr.xpath("./td[@data-col]")}
        cells["id"] = tr.get("data-kpi")
        cells["band"] = tr.xpath("./td[@data-band-of]")[0].get("data-band-of")
        cells["task_url"] = tr.xpath(".//a[@data-task-link]")[0].get("href")
        rows.append(cells)
    return rows


def _shown(value: str | None, percent: bool = False) -> str:
    return "–" if value is None else vnnum(value) + ("%" if percent else "")


def test_page_and_api_show_the_same_numbers(kworld):
    c = _client(kworld, "hni_leader")
    d = _doc(c.get(reverse("dashboards:kpis"), _params(kworld)))
    body = c.get("/api/v1/dashboard/kpis", _params(kworld)).json()
    assert body["counts"] == {ON_TRACK: 2, BEHIND: 1, AT_RISK: 2, NOT_ASSESSABLE: 1}
    assert _chips(d) == {k: str(v) for k, v in body["counts"].items()}
    table = _table(d)
    assert [r["id"] for r in table] == [str(item["id"]) for item in body["items"]]
    for row, item in zip(table, body["items"], strict=True):
        assert row["band"] == item["band"]
        assert row["attainment"] == _shown(item["attainment"], percent=True)
        assert row["actual"] == _shown(item["actual"])
        assert row["task_url"] == reverse("web:task_detail", args=[item["task"]["id"]])
    # the band table under the chart says the same
    counts = {
        tr.get("data-band"): _text(tr.xpath("./td[@data-count]")[0])
        for tr in d.xpath("//table[@data-table='bands']/tbody/tr")
    }
    assert counts == _chips(d)
    chart = d.xpath("//script[@id='kpi-bands-data']")[0].text
    assert '"count": 2' in chart
    # the rule under the chips, in the words of UI.md
    rule = _text(d.xpath("//*[@data-band-rule]")[0])
    assert "from 100%" in rule and "below 85%" in rule
    assert body["rule"]["on_track_from"] == "100.00" and body["rule"]["at_risk_below"] == "85.00"


def test_at_risk_first_by_default_and_best_first_on_request(kworld):
    c = _client(kworld, "hni_leader")
    body = c.get("/api/v1/dashboard/kpis", _params(kworld)).json()
    assert [i["band"] for i in body["items"]] == [
        AT_RISK,
        AT_RISK,
        BEHIND,
        ON_TRACK,
        ON_TRACK,
        NOT_ASSESSABLE,
    ]
    assert [i["attainment"] for i in body["items"]][:5] == ["50.00", "50.00", "90.00", "120.00", "125.00"]
    body = c.get("/api/v1/dashboard/kpis", _params(kworld, sort="-attainment")).json()
    assert [i["attainment"] for i in body["items"]] == ["125.00", "120.00", "90.00", "50.00", "50.00", None]
    d = _doc(c.get(reverse("dashboards:kpis"), _params(kworld, sort="-attainment")))
    assert [r["attainment"] for r in _table(d)][0] == "125%"
    assert d.xpath("//a[@data-sort='attainment']")


def test_a_chip_lists_its_band_keeping_the_filters(kworld):
    c = _client(kworld, "hni_leader")
    d = _doc(c.get(reverse("dashboards:kpis"), _params(kworld)))
    link = d.xpath("//a[@data-band-count='at_risk']")[0].get("href")
    assert f"agency={kworld.hni.pk}" in link and f"period={quarter().pk}" in link
    listed = _doc(c.get(link))
    assert {r["band"] for r in _table(listed)} == {AT_RISK}
    assert len(_table(listed)) == 2
    assert _chips(listed)[ON_TRACK] == "2"  # the counts stay those of every band
    body = c.get("/api/v1/dashboard/kpis", _params(kworld, band="at_risk")).json()
    assert body["count"] == 2 and body["total"] == 6


def test_pages_of_fifty(kworld, monkeypatch):
    monkeypatch.setattr(kpis, "PAGE_SIZE", 4)
    c = _client(kworld, "hni_leader")
    first = _table(_doc(c.get(reverse("dashboards:kpis"), _params(kworld))))
    second = _table(_doc(c.get(reverse("dashboards:kpis"), _params(kworld, page=2))))
    assert len(first) == 4 and len(second) == 2
    body = c.get("/api/v1/dashboard/kpis", _params(kworld, limit=4, offset=4)).json()
    assert [str(i["id"]) for i in body["items"]] == [r["id"] for r in second]


def test_an_agency_outside_the_scope_is_not_found(kworld):
    c = _client(kworld, "hni_officer")
    assert c.get(reverse("dashboards:kpis"), _params(kworld, agency=kworld.hcm.pk)).status_code == 404
    response = c.get("/api/v1/dashboard/kpis", _params(kworld, agency=kworld.hcm.pk))
    assert response.status_code == 404
    # from the national level the same user's own subtree is what they get, never Hồ Chí Minh City's
    body = c.get("/api/v1/dashboard/kpis", {"period": quarter().pk}).json()
    assert body["agency"]["id"] == kworld.hni.pk
    assert kworld.kpis["HCM"].pk not in {i["id"] for i in body["items"]}


def test_unknown_filters_are_named(kworld):
    c = _client(kworld, "hni_leader")
    for params, field in (
        (_params(kworld, period=2**40), "period"),
        (_params(kworld, resolution=2**40), "resolution"),
        (_params(kworld, band="green"), "band"),
    ):
        response = c.get("/api/v1/dashboard/kpis", params)
        assert response.status_code == 400, params
        assert response["Content-Type"].startswith("application/problem+json")
        assert field in response.json()["errors"]
    with time_machine.travel(TODAY, tick=False):
        d = _doc(c.get(reverse("dashboards:kpis"), _params(kworld, period=2**40, band="green")))
    errors = " ".join(_text(e) for e in d.xpath("//*[@data-filter-error]"))
    assert "The chosen period does not exist." in errors and "Unknown band" in errors
    assert _chips(d)  # the current quarter is shown instead


def test_without_a_period_in_the_calendar(world):
    c = _client(world, "hni_leader")
    d = _doc(c.get(reverse("dashboards:kpis")))
    assert d.xpath("//*[@data-no-period]")
    response = c.get("/api/v1/dashboard/kpis")
    assert response.status_code == 400 and "period" in response.json()["errors"]


def test_the_rule_link_is_for_administrators_only(kworld):
    admin = _doc(_client(kworld, "sysadmin").get(reverse("dashboards:kpis"), _params(kworld)))
    assert admin.xpath("//a[@data-rule-link]")
    leader = _doc(_client(kworld, "hni_leader").get(reverse("dashboards:kpis"), _params(kworld)))
    assert not leader.xpath("//a[@data-rule-link]")


def test_the_planned_value_is_read_off_a_rising_trajectory(kworld, bearer):
    """Baseline 40 on 01/01/2025, target 80 on 31/12/2026: on 14/03/2026 the line is at
    40 + 40 × 437/729 ≈ 63.9781; 120 reported is 187.56 % of it."""
    k = kworld.kpis["ABOVE"]
    type(k).objects.filter(pk=k.pk).update(baseline_value=D(40))
    k.targets.update(value=D(80))
    body = bearer("hni_leader").get("/api/v1/dashboard/kpis", _params(kworld)).json()
    item = next(i for i in body["items"] if i["id"] == k.pk)
    assert item["expected"] == "63.9781"
    assert item["attainment"] == "187.56" and item["band"] == ON_TRACK
