"""Compare and rank agencies on one indicator ("So sánh theo chỉ tiêu"): the page and
GET /api/v1/dashboard/compare show the same ranking, from ``dashboards.compare``.

The world (built by :func:`build_compare`), on 17/03/2026, values of 2026-Q1 unless said:

* RATE (higher is better, versions 1 and 2; 2 is current). Under the national root: Thành ủy
  TP HCM 90, Thành ủy Hà Nội 80 and Đảng ủy Chính phủ 80 (version 2: ranked 1, 2, 2); Văn phòng
  Trung ương Đảng 95 against version 1 (other definition, not compared); Ủy ban Kiểm tra Trung
  ương's 99 sits in a report sent but not accepted (no data yet). Under Hà Nội: UBND TP Hà Nội 60,
  Đảng ủy xã Tân An 75, Đảng ủy xã Phú Mỹ nothing. Thành ủy Hà Nội in 2025-Q4: 50.
* WAIT (lower is better, months of waiting): HCM 3, Hà Nội 5, Đảng ủy Chính phủ 7.
* BEDS (a ratio of BEDS-N over POP, higher is better): Hà Nội 25 (POP 100), Đảng ủy Chính phủ 20
  (no POP: ranked, denominator unknown), Văn phòng TW 40 (POP 29.9: small), HCM 30 (POP 20: small).
* TOPS (a sum, no own values above the People's Committees): UBND TP Hà Nội 10 and UBND xã Tân An 7
  (deeper) under Hà Nội; Đảng ủy phường Bến Thành 4 under HCM; Bộ KH&CN 3 under Đảng ủy Chính phủ.
* BOTH (an average): the two communes of Hà Nội 6 and 9 (the same level, nothing above them), HCM 7.5.
* OLD (higher): only Hà Nội 12, in 2025-Q4.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from resmon.catalogue.models import Direction, Indicator, IndicatorVersion
from resmon.dashboards import compare
from resmon.planning.models import ActionProgram
from resmon.reporting.models import Observation, PeriodReport, ReportState
from resmon.web.templatetags.resmon import vnnum
from tests import factories
from tests.dashboards.helpers import client_for, doc, text
from tests.planning.kpi_helpers import indicator
from tests.reporting.helpers import TODAY, add_reporting_people, make_periods, quarter

pytestmark = pytest.mark.django_db


def _version(ind: Indicator, n: int, *, current: bool = True, **fields: Any) -> IndicatorVersion:
    base = ind.current
    v = IndicatorVersion.objects.create(
        indicator=ind,
        version=n,
        name=fields.pop("name", base.name),
        definition=fields.pop("definition", f"{base.definition} (phiên bản {n})"),
        unit=fields.pop("unit", base.unit),
        direction=fields.pop("direction", base.direction),
        aggregation=fields.pop("aggregation", base.aggregation),
        frequency=fields.pop("frequency", base.frequency),
        owner_agency=base.owner_agency,
        **fields,
    )
    if current:
        ind.current = v
        ind.save()
    return v


def _report(world, agency, period, state=ReportState.ACCEPTED) -> PeriodReport:
    program = ActionProgram.objects.filter(resolution=world.res).order_by("pk").first()
    report, _created = PeriodReport.objects.get_or_create(
        program=program,
        period=period,
        agency=agency,
        defaults={
            "resolution": world.res,
            "accepting_agency": world.root,
            "state": state,
            "due_date": period.end + dt.timedelta(days=5),
            "grace_until": period.end + dt.timedelta(days=5),
        },
    )
    return report


def observe(world, ind, agency, value, *, version=None, period=None, state=ReportState.ACCEPTED):
    period = period or quarter()
    report = _report(world, agency, period, state)
    return Observation.objects.create(
        indicator=ind,
        indicator_version=version or ind.current,
        agency=agency,
        period=period,
        report=report,
        value=D(str(value)),
        entered_by=world.users["sysadmin"],
    )


def build_compare(world) -> dict[str, Indicator]:
    """The indicators and values of the module's docstring; returned by code."""
    w = world
    rate = indicator(w.bo_khcn, "RATE", name="Tỷ lệ hồ sơ trực tuyến", unit="%")
    v1 = rate.current
    _version(rate, 2)
    for agency, value in ((w.hcm, 90), (w.hni, 80), (w.dang_uy_cp, 80), (w.hni_ubnd, 60), (w.hni_xa, 75)):
        observe(w, rate, agency, value)
    observe(w, rate, w.vptw, 95, version=v1)
    observe(w, rate, w.hni, 50, period=quarter("2025-Q4"))
    # its own programme's report, sent but not accepted
    sent = PeriodReport.objects.create(
        program=factories.program(w.res, w.ubkt, title="CTHĐ kiểm thử"),
        period=quarter(),
        agency=w.ubkt,
        resolution=w.res,
        accepting_agency=w.root,
        state=ReportState.SENT,
        due_date=quarter().end,
        grace_until=quarter().end,
    )
    Observation.objects.create(
        indicator=rate,
        indicator_version=rate.current,
        agency=w.ubkt,
        period=quarter(),
        report=sent,
        value=D(99),
        entered_by=w.users["sysadmin"],
    )
    wait = indicator(w.bo_khcn, "WAIT", direction=Direction.LOWER, name="Thời gian chờ", unit="tháng")
    for agency, value in ((w.hcm, 3), (w.hni, 5), (w.dang_uy_cp, 7)):
        observe(w, wait, agency, value)
    beds_n = indicator(w.bo_khcn, "BEDS-N", name="Số giường bệnh", unit="giường")
    pop = indicator(w.bo_khcn, "POP", name="Dân số", unit="vạn người")
    beds = indicator(w.bo_khcn, "BEDS", name="Số giường bệnh trên vạn dân", unit="giường/vạn dân")
    IndicatorVersion.objects.filter(pk=beds.current_id).update(
        aggregation="ratio", numerator=beds_n, denominator=pop
    )
    beds.refresh_from_db()
    for agency, value, population in (
        (w.hni, 25, 100),
        (w.dang_uy_cp, 20, None),
        (w.vptw, 40, "29.9"),
        (w.hcm, 30, 20),
    ):
        observe(w, beds, agency, value)
        if population is not None:
            observe(w, pop, agency, population)
    tops = indicator(w.bo_khcn, "TOPS", name="Số đề án", unit="đề án")
    IndicatorVersion.objects.filter(pk=tops.current_id).update(aggregation="sum", decimal_places=0)
    tops.refresh_from_db()
    for agency, value in ((w.hni_ubnd, 10), (w.hni_xa_ubnd, 7), (w.hcm_xa, 4), (w.bo_khcn, 3)):
        observe(w, tops, agency, value)
    both = indicator(w.bo_khcn, "BOTH", name="Tỷ lệ xã đạt chuẩn", unit="%")
    for agency, value in ((w.hni_xa, 6), (w.hni_xa2, 9), (w.hcm, "7.5")):
        observe(w, both, agency, value)
    old = indicator(w.bo_khcn, "OLD", name="Chỉ tiêu cũ", unit="%")
    observe(w, old, w.hni, 12, period=quarter("2025-Q4"))
    indicator(w.bo_khcn, "RETIRED", name="Chỉ tiêu ngừng dùng", active=False)
    return {i.code: i for i in Indicator.objects.all()}


@pytest.fixture
def cworld(world):
    with time_machine.travel(TODAY, tick=False):
        make_periods()
        add_reporting_people(world)
        world.indicators = build_compare(world)
        yield world


def api(client: Client, **params: Any):
    return client.get("/api/v1/dashboard/compare", params)


def page(client: Client, **params: Any):
    return client.get(reverse("dashboards:compare"), params)


def rows_of(d) -> list[dict[str, Any]]:
    out = []
    for tr in d.xpath("//table[@data-table='compare']/tbody/tr"):
        cells = {td.get("data-col"): text(td) for td in tr.xpath("./td[@data-col]")}
        cells["agency"] = int(tr.get("data-agency"))
        cells["group"] = tr.get("data-group")
        drill = tr.xpath(".//a[@data-drill]")
        cells["drill"] = drill[0].get("href") if drill else None
        out.append(cells)
    return out


def order(result: compare.Comparison) -> list[tuple[str, str, int | None]]:
    return [(r.agency.code, r.group, r.rank) for r in result.rows]


def run(world, username: str, code: str, agency=None, period=None) -> compare.Comparison:
    user = world.users[username]
    ind = world.indicators[code]
    agency = agency or world.root
    period = period if period is not None else compare.default_period(user, ind, agency)
    return compare.compare(user, agency, ind, period)


# --- the ranking ---------------------------------------------------------------------------------


def test_higher_is_better_ranks_the_highest_first_and_ties_share_a_rank(cworld):
    c = run(cworld, "national_leader", "RATE")
    assert c.period == quarter("2026-Q1")
    assert order(c) == [
        ("HCM", compare.RANKED, 1),
        ("DUCP", compare.RANKED, 2),  # equal to Hà Nội: same rank, tree order
        ("HNI", compare.RANKED, 2),
        ("VPTW", compare.OTHER, None),
        ("UBKTTW", compare.NO_DATA, None),  # its 99 is in a report not accepted yet
    ]
    assert [r.value for r in c.rows] == [D(90), D(80), D(80), D(95), None]
    assert c.counts == {
        compare.RANKED: 3,
        compare.SMALL: 0,
        compare.OTHER: 1,
        compare.UNCOMBINED: 0,
        compare.NO_DATA: 1,
    }
    assert all(r.source is None for r in c.rows)  # their own values


def test_lower_is_better_ranks_the_lowest_first(cworld):
    c = run(cworld, "national_leader", "WAIT")
    assert [(code, rank) for code, _g, rank in order(c) if rank] == [("HCM", 1), ("HNI", 2), ("DUCP", 3)]
    assert "lowest first" in compare.rule_text(c)


def test_only_the_definition_most_agencies_used_is_ranked(cworld):
    c = run(cworld, "national_leader", "RATE")
    assert c.reference.version == 2 and c.reference_reason == compare.MAJORITY
    other = [r for r in c.rows if r.group == compare.OTHER]
    assert [(r.agency.code, r.version.version, r.rank) for r in other] == [("VPTW", 1, None)]
    # when version 1 is what most agencies used, version 1 is ranked and the others are not
    v1 = IndicatorVersion.objects.get(indicator=cworld.indicators["RATE"], version=1)
    Observation.objects.filter(
        indicator=cworld.indicators["RATE"], agency__in=[cworld.hni, cworld.hcm]
    ).filter(period=quarter()).update(indicator_version=v1)
    c = run(cworld, "national_leader", "RATE")
    assert c.reference.version == 1
    assert order(c) == [
        ("VPTW", compare.RANKED, 1),
        ("HCM", compare.RANKED, 2),
        ("HNI", compare.RANKED, 3),
        ("DUCP", compare.OTHER, None),
        ("UBKTTW", compare.NO_DATA, None),
    ]
    assert "version 1, the one most" in compare.rule_text(c)


def test_without_any_value_the_current_definition_is_named(cworld):
    c = run(cworld, "national_leader", "RATE", period=quarter("2025-Q2"))
    assert c.reference_reason == compare.CURRENT and c.reference.version == 2
    assert {r.group for r in c.rows} == {compare.NO_DATA}
    assert "the current definition" in compare.rule_text(c)


def test_a_small_denominator_is_marked_and_ranked_after_the_others(cworld):
    c = run(cworld, "national_leader", "BEDS")
    assert c.is_ratio and c.threshold == D(30)
    assert [(code, g, rank) for code, g, rank in order(c)] == [
        ("HNI", compare.RANKED, 1),
        ("DUCP", compare.RANKED, 2),  # no denominator reported: ranked, shown "–"
        ("VPTW", compare.SMALL, None),  # 40 over 29.9
        ("HCM", compare.SMALL, None),  # 30 over 20
        ("UBKTTW", compare.NO_DATA, None),
    ]
    assert [r.denominator for r in c.rows] == [D(100), None, D("29.9"), D(20), None]


def test_without_its_own_value_an_agency_shows_the_top_of_its_subtree(cworld):
    """The People's Committee under Hà Nội reported (its commune's deeper value is not used)."""
    c = run(cworld, "national_leader", "TOPS")
    assert [(code, g, rank, r.value) for (code, g, rank), r in zip(order(c), c.rows, strict=True)] == [
        ("HNI", compare.RANKED, 1, D(10)),
        ("HCM", compare.RANKED, 2, D(4)),
        ("DUCP", compare.RANKED, 3, D(3)),
        ("VPTW", compare.NO_DATA, None, None),
        ("UBKTTW", compare.NO_DATA, None, None),
    ]
    assert [r.source.code if r.source else None for r in c.rows[:3]] == ["HNI-UBND", "HCM-X1", "BKHCN"]
    client = client_for(cworld, "national_leader")
    d = doc(page(client, indicator=cworld.indicators["TOPS"].pk))
    assert (
        text(d.xpath(f"//tr[@data-agency='{cworld.hni.pk}']//*[@data-source]")[0])
        == "reported by UBND Thành phố Hà Nội"
    )
    item = api(client, indicator=cworld.indicators["TOPS"].pk).json()["items"][0]
    assert (item["source"]["code"], item["sources"], item["value"]) == ("HNI-UBND", 1, "10")
    # one level down, each agency's own value
    down = run(cworld, "national_leader", "TOPS", agency=cworld.hni)
    assert [(code, r.value, r.source) for (code, _g, _r), r in zip(order(down), down.rows, strict=True)] == [
        ("HNI-UBND", D(10), None),
        ("HNI-X1", D(7), cworld.hni_xa_ubnd),
        ("HNI-X2", None, None),
    ]


def test_several_values_at_the_top_are_combined_by_the_indicators_rule(cworld):
    both = cworld.indicators["BOTH"]
    c = run(cworld, "national_leader", "BOTH")
    hni = next(r for r in c.rows if r.agency == cworld.hni)
    assert (hni.value, hni.sources, hni.source, hni.rank) == (D("7.5"), 2, None, 1)  # (6 + 9) / 2
    hcm = next(r for r in c.rows if r.agency == cworld.hcm)
    assert hcm.rank == 1  # equal to Hà Nội's average
    IndicatorVersion.objects.filter(indicator=both).update(aggregation="sum")
    assert next(r for r in run(cworld, "national_leader", "BOTH").rows if r.agency == cworld.hni).value == D(
        15
    )
    IndicatorVersion.objects.filter(indicator=both).update(aggregation="last")
    c = run(cworld, "national_leader", "BOTH")
    hni = next(r for r in c.rows if r.agency == cworld.hni)
    assert (hni.group, hni.value, hni.rank) == (compare.UNCOMBINED, None, None)
    assert [r.group for r in c.rows][:2] == [compare.RANKED, compare.UNCOMBINED]
    client = client_for(cworld, "national_leader")
    d = doc(page(client, indicator=both.pk))
    assert d.xpath(f"//tr[@data-agency='{cworld.hni.pk}']//*[@data-not-combined]")
    # mixed definitions at the top are not combined either
    IndicatorVersion.objects.filter(indicator=both).update(aggregation="avg")
    v2 = _version(both, 2)
    Observation.objects.filter(indicator=both, agency=cworld.hni_xa2).update(indicator_version=v2)
    hni = next(r for r in run(cworld, "national_leader", "BOTH").rows if r.agency == cworld.hni)
    assert hni.group == compare.UNCOMBINED


def test_the_small_denominator_threshold_is_a_setting(cworld, settings):
    settings.RESMON_SMALL_DENOMINATOR = 10
    c = run(cworld, "national_leader", "BEDS")
    assert [(code, rank) for code, _g, rank in order(c) if rank] == [
        ("VPTW", 1),
        ("HCM", 2),
        ("HNI", 3),
        ("DUCP", 4),
    ]


def test_the_default_period_is_the_latest_with_accepted_values(cworld):
    user = cworld.users["national_leader"]
    assert compare.default_period(user, cworld.indicators["RATE"], cworld.root) == quarter("2026-Q1")
    assert compare.default_period(user, cworld.indicators["OLD"], cworld.root) == quarter("2025-Q4")
    # nothing accepted at all: the latest quarter begun
    assert compare.default_period(user, cworld.indicators["POP"], cworld.hni_xa) == quarter("2026-Q2")


# --- scope ---------------------------------------------------------------------------------------


def test_a_province_user_sees_only_its_children(cworld):
    c = run(cworld, "hni_leader", "RATE", agency=cworld.hni)
    assert order(c) == [
        ("HNI-X1", compare.RANKED, 1),
        ("HNI-UBND", compare.RANKED, 2),
        ("HNI-X2", compare.NO_DATA, None),
    ]
    client = client_for(cworld, "hni_leader")
    data = api(client, indicator=cworld.indicators["RATE"].pk).json()
    assert data["agency"]["id"] == cworld.hni.pk  # the default: the user's own agency
    assert [i["agency"]["code"] for i in data["items"]] == ["HNI-X1", "HNI-UBND", "HNI-X2"]
    assert data["own"]["value"] == "80"


def test_another_province_or_the_nation_is_not_found(cworld):
    client = client_for(cworld, "hni_leader")
    rate = cworld.indicators["RATE"].pk
    for agency in (cworld.hcm, cworld.root, cworld.hcm_xa):
        assert page(client, agency=agency.pk, indicator=rate).status_code == 404
        response = api(client, agency=agency.pk, indicator=rate)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/problem+json")
    assert page(client, agency=cworld.hni_xa.pk, indicator=rate).status_code == 200


def test_values_outside_the_scope_are_never_read(cworld):
    """A commune officer comparing its own commune sees its People's Committee only."""
    c = run(cworld, "xa_officer", "RATE", agency=cworld.hni_xa)
    assert [r.agency.code for r in c.rows] == ["HNI-X1-UBND"]
    assert c.own is not None and c.own.value == D(75)


# --- bad input -----------------------------------------------------------------------------------


def test_the_api_names_the_bad_field(cworld):
    client = client_for(cworld, "national_leader")
    rate = cworld.indicators["RATE"].pk
    month = quarter().__class__.objects.filter(kind="month", cutoff=quarter().cutoff).first()
    cases = [
        ({}, "indicator", "indicator_required"),
        ({"indicator": 987654}, "indicator", "unknown_indicator"),
        ({"indicator": cworld.indicators["RETIRED"].pk}, "indicator", "unknown_indicator"),
        ({"indicator": "abc"}, "indicator", "validation_failed"),
        ({"indicator": rate, "period": 987654}, "period", "unknown_period"),
        ({"indicator": rate, "period": month.pk}, "period", "period_frequency"),
        ({"indicator": rate, "page": 0}, "page", "validation_failed"),
    ]
    for params, field, code in cases:
        response = api(client, **params)
        assert response.status_code == 400, (params, response.status_code)
        body = response.json()
        assert response["Content-Type"].startswith("application/problem+json")
        assert body["code"] == code, (params, body)
        assert field in body["errors"], (params, body)


def test_the_page_explains_a_bad_indicator_or_period(cworld):
    client = client_for(cworld, "national_leader")
    d = doc(page(client, indicator="987654"))
    assert "does not exist or is no longer in use" in text(d.xpath("//*[@data-error-for='indicator']")[0])
    assert not d.xpath("//table[@data-table='compare']")
    d = doc(page(client))
    assert d.xpath("//*[@data-no-indicator]") and not d.xpath("//*[@data-error-for='indicator']")
    month = quarter().__class__.objects.filter(kind="month", cutoff=quarter().cutoff).first()
    for bad in ("987654", str(month.pk), "x" * 30):
        d = doc(page(client, indicator=cworld.indicators["RATE"].pk, period=bad))
        assert d.xpath("//*[@data-filter-error]"), bad
        assert len(rows_of(d)) == 5  # the default period is shown
    message = text(
        doc(page(client, indicator=cworld.indicators["RATE"].pk, period=month.pk)).xpath(
            "//*[@data-filter-error]"
        )[0]
    )
    assert "is reported quarterly" in message


def test_a_leaf_agency_says_so(cworld):
    client = client_for(cworld, "national_leader")
    d = doc(page(client, agency=cworld.hni_so.pk, indicator=cworld.indicators["RATE"].pk))
    assert d.xpath("//*[@data-leaf]")


# --- the page and the API ------------------------------------------------------------------------


def test_page_and_api_show_the_same_ranking(cworld):
    client = client_for(cworld, "national_leader")
    for code in ("RATE", "WAIT", "BEDS"):
        params = {"indicator": cworld.indicators[code].pk}
        data = api(client, **params).json()
        rows = rows_of(doc(page(client, **params)))
        assert data["count"] == len(rows) == len(data["items"]) == 5
        decimals = data["reference"]["decimal_places"]
        for row, item in zip(rows, data["items"], strict=True):
            assert row["agency"] == item["agency"]["id"]
            assert row["group"] == item["group"]
            assert row["rank"] == (str(item["rank"]) if item["rank"] else "–")
            value = "–" if item["value"] is None else vnnum(item["value"], decimals)
            assert row["value"].startswith(value), (code, row, item)
            if data["ratio"]:
                assert row["denominator"] == (
                    "–" if item["denominator"] is None else vnnum(item["denominator"])
                )


def test_values_use_the_indicators_decimals_and_vietnamese_separators(cworld):
    IndicatorVersion.objects.filter(indicator=cworld.indicators["WAIT"]).update(decimal_places=1)
    Observation.objects.filter(indicator=cworld.indicators["WAIT"], agency=cworld.hni).update(
        value=D("1234.5")
    )
    client = client_for(cworld, "national_leader")
    client.cookies.load({"django_language": "vi"})
    d = doc(
        client.get(
            reverse("dashboards:compare"),
            {"indicator": cworld.indicators["WAIT"].pk},
            HTTP_ACCEPT_LANGUAGE="vi",
        )
    )
    values = {r["agency"]: r["value"] for r in rows_of(d)}
    assert values[cworld.hni.pk] == "1.234,5"
    assert values[cworld.hcm.pk] == "3,0"


def test_the_page_marks_each_group_and_states_the_rule(cworld):
    client = client_for(cworld, "national_leader")
    d = doc(page(client, indicator=cworld.indicators["BEDS"].pk))
    by_agency = {r["agency"]: r for r in rows_of(d)}
    assert d.xpath(f"//tr[@data-agency='{cworld.hcm.pk}']//*[@data-small-sample]")
    assert d.xpath(f"//tr[@data-agency='{cworld.ubkt.pk}']//*[@data-no-data]")
    assert by_agency[cworld.dang_uy_cp.pk]["denominator"] == "–"
    rule = text(d.xpath("//*[@data-rule='compare']")[0])
    assert "below 30" in rule and "POP" in rule
    d = doc(page(client, indicator=cworld.indicators["RATE"].pk))
    other = d.xpath(f"//tr[@data-agency='{cworld.vptw.pk}']//*[@data-other-definition]")
    assert other and "version 1" in text(other[0])
    assert d.xpath("//*[@data-reference='2']")


def test_drill_down_opens_the_same_comparison_one_level_down(cworld):
    client = client_for(cworld, "national_leader")
    rate = cworld.indicators["RATE"].pk
    rows = rows_of(doc(page(client, indicator=rate)))
    hni = next(r for r in rows if r["agency"] == cworld.hni.pk)
    assert f"agency={cworld.hni.pk}" in hni["drill"] and f"indicator={rate}" in hni["drill"]
    assert f"period={quarter().pk}" in hni["drill"]
    d = doc(client.get(hni["drill"]))
    assert [r["agency"] for r in rows_of(d)] == [cworld.hni_xa.pk, cworld.hni_ubnd.pk, cworld.hni_xa2.pk]
    crumbs = d.xpath("//*[@data-compare-crumbs]/li[@data-agency]")
    assert [c.get("data-agency") for c in crumbs] == [str(cworld.root.pk), str(cworld.hni.pk)]
    # a leaf has no drill-down link
    assert next(r for r in rows_of(d) if r["agency"] == cworld.hni_xa2.pk)["drill"] is None


def test_the_chart_data_holds_the_comparable_values(cworld):
    client = client_for(cworld, "national_leader")
    response = page(client, indicator=cworld.indicators["BEDS"].pk)
    chart = response.context["chart"]
    assert [v["value"] for v in chart["values"]] == [25.0, 20.0, 40.0, 30.0]
    assert len(doc(response).xpath("//table[@data-table='compare-chart']/tbody/tr")) == 4


def test_the_list_is_paginated(cworld, monkeypatch):
    monkeypatch.setattr(compare, "PAGE_SIZE", 2)
    client = client_for(cworld, "national_leader")
    rate = cworld.indicators["RATE"].pk
    data = api(client, indicator=rate, page=3).json()
    assert (data["count"], data["pages"], data["page"]) == (5, 3, 3)
    assert [i["agency"]["code"] for i in data["items"]] == ["UBKTTW"]
    assert [r["agency"] for r in rows_of(doc(page(client, indicator=rate, page=2)))] == [
        cworld.hni.pk,
        cworld.vptw.pk,
    ]
    # past the end: the last page
    assert api(client, indicator=rate, page=99).json()["page"] == 3


def test_the_overview_links_to_compare_and_trends(cworld):
    client = client_for(cworld, "national_leader")
    d = doc(client.get(reverse("dashboards:overview")))
    hrefs = [a.get("href") for a in d.xpath("//a[@href]")]
    assert any(h.startswith(reverse("dashboards:compare")) for h in hrefs)
    assert any(h.startswith(reverse("dashboards:trends")) for h in hrefs)
