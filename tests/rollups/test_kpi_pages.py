"""The KPI page and API read the roll-ups when they answer, and show the same numbers as when the
KPIs are scored live: the counts per band, the rows of every page, band and order. The world is
the KPI-band tests' (tests/dashboards/test_kpis.py: six KPIs under Thành ủy Hà Nội, one in Hồ Chí
Minh City, their 2026-Q1 values), written with the ORM, then the roll-ups rebuilt."""

from __future__ import annotations

import lxml.html
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from resmon.dashboards import kpis
from resmon.planning.bands import AT_RISK, BEHIND, NOT_ASSESSABLE, ON_TRACK
from resmon.rollups import services
from resmon.rollups.models import FoldState, KpiScore
from tests.dashboards.kpi_helpers import build_kpis
from tests.reporting.helpers import TODAY, add_reporting_people, make_periods, quarter

pytestmark = pytest.mark.django_db


@pytest.fixture
def kworld(world):
    with time_machine.travel(TODAY, tick=False):
        make_periods()
        add_reporting_people(world)
        build_kpis(world)
        services.rebuild()
        yield world


def _client(world, username: str) -> Client:
    c = Client()
    c.force_login(world.users[username])
    return c


def _forget_the_rollups() -> None:
    """As before the first rebuild: the KPI page scores live."""
    FoldState.objects.all().delete()


def _views(world, username: str, params: dict) -> tuple[dict, list]:
    """The API's body and what the page shows (chips, table rows, chart data) for ``params``."""
    c = _client(world, username)
    body = c.get("/api/v1/dashboard/kpis", params).json()
    response = c.get(reverse("dashboards:kpis"), params)
    assert response.status_code == 200
    d = lxml.html.fromstring(response.content.decode())
    shown = [
        [" ".join(el.text_content().split()) for el in d.xpath("//a[@data-band-count]")],
        [" ".join(tr.text_content().split()) for tr in d.xpath("//table[@data-table='kpis']/tbody/tr")],
        [tr.get("data-kpi") for tr in d.xpath("//table[@data-table='kpis']/tbody/tr")],
        d.xpath("//script[@id='kpi-bands-data']")[0].text,
    ]
    return body, shown


def _cases(w) -> list[tuple[str, dict]]:
    q1 = quarter().pk
    return [
        ("hni_leader", {"agency": w.hni.pk, "period": q1}),
        ("hni_leader", {"agency": w.hni.pk, "period": q1, "sort": "-attainment"}),
        ("hni_leader", {"agency": w.hni.pk, "period": q1, "band": "at_risk"}),
        ("hni_leader", {"agency": w.hni.pk, "period": q1, "resolution": w.res.pk, "limit": 2, "offset": 2}),
        ("hni_leader", {"agency": w.hni.pk, "period": q1, "page": 2, "limit": 4, "offset": 4}),
        ("hni_leader", {"agency": w.hni_xa.pk, "period": q1}),
        ("national_leader", {"agency": w.root.pk, "period": q1}),
        ("national_leader", {"agency": w.root.pk, "period": q1, "resolution": w.res2.pk}),
        ("national_leader", {"agency": w.root.pk, "period": quarter("2025-Q4").pk, "band": "not_assessable"}),
        ("hni_so_officer", {"agency": w.hni_so.pk, "period": q1}),
    ]


def test_page_and_api_numbers_are_the_same_with_and_without_the_rollups(kworld, monkeypatch):
    monkeypatch.setattr(kpis, "PAGE_SIZE", 4)  # the page's second page as well
    w = kworld
    with time_machine.travel(TODAY, tick=False):
        cached = [_views(w, user, params) for user, params in _cases(w)]
        _forget_the_rollups()
        live = [_views(w, user, params) for user, params in _cases(w)]
    for (user, params), a, b in zip(_cases(w), cached, live, strict=True):
        assert a == b, (user, params)
    national = cached[6][0]
    assert national["counts"] == {AT_RISK: 2, BEHIND: 1, ON_TRACK: 3, NOT_ASSESSABLE: 1}
    assert cached[0][0]["total"] == 6 and cached[2][0]["count"] == 2


def test_the_rollups_answer_only_who_reads_the_whole_subtree(kworld):
    w = kworld
    q1 = quarter()
    with time_machine.travel(TODAY, tick=False):
        for username, agency in (
            ("national_leader", w.root),
            ("hni_leader", w.hni),
            ("inspector", w.hni),  # an inspection grant reads Hà Nội's subtree
            ("hni_so_officer", w.hni_so),
        ):
            result = kpis.kpi_bands(w.users[username], agency=agency, period=q1)
            assert result.from_rollup, username
            live = kpis.kpi_bands(w.users[username], agency=agency, period=q1, live=True)
            assert (result.counts, [r.kpi.pk for r in result.rows]) == (
                live.counts,
                [r.kpi.pk for r in live.rows],
            )
        # a steering member sees the resolution's tasks nationwide, not the subtrees: scored live
        steering = kpis.kpi_bands(w.users["steering"], agency=w.root, resolution=w.res, period=q1)
        assert not steering.from_rollup
        assert steering.total == 7


def test_a_period_the_rollups_do_not_hold_is_scored_live(kworld, settings):
    w = kworld
    settings.ROLLUP_COMPLETENESS_DAYS = 60
    with time_machine.travel(TODAY, tick=False):
        services.rebuild()
        old = quarter("2025-Q4")  # ended on 14/12/2025, before the window
        assert not KpiScore.objects.filter(period=old).exists()
        result = kpis.kpi_bands(w.users["hni_leader"], agency=w.hni, period=old)
        assert not result.from_rollup
        assert result.counts[NOT_ASSESSABLE] == result.total == 6
        assert kpis.kpi_bands(w.users["hni_leader"], agency=w.hni, period=quarter()).from_rollup
