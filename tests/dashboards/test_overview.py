"""The dashboard ("Tổng quan"): the page and GET /api/v1/dashboard show the same numbers, which are
the roll-up caches' numbers; drill-down keeps the filters; the scope holds; bad filters are
explained, never a 500."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from resmon.agencies.models import Agency, AgencyKind, Level
from resmon.audit import sealing
from resmon.dashboards import selectors
from resmon.planning.models import Task
from resmon.reporting import selectors_completeness
from resmon.rollups import services as rollups
from resmon.rollups.models import STATUS_FIELDS, ProgressRollup
from tests import factories
from tests.dashboards.helpers import (
    XA2_TASKS,
    api,
    children_table,
    client_for,
    crumbs,
    doc,
    headline,
    headline_links,
    page,
    progress_table,
    query,
    ranking_table,
    shown,
    status_table,
    text,
)
from tests.reporting.helpers import quarter

pytestmark = pytest.mark.django_db


def filter_cases(w):
    return [
        ("national_leader", {}),
        ("national_leader", {"resolution": w.res.pk}),
        ("national_leader", {"agency": w.hni.pk, "resolution": w.res2.pk}),
        ("national_leader", {"agency": w.hni.pk, "period": quarter("2026-Q1").pk}),
        ("hni_leader", {}),
        ("hni_leader", {"agency": w.hni_xa.pk, "resolution": w.res.pk}),
        ("inspector", {"agency": w.hni.pk}),
    ]


def test_the_page_shows_the_apis_numbers(dworld):
    """Parse the table views and the key numbers: each equals the API's value for the same filters."""
    for username, params in filter_cases(dworld):
        client = client_for(dworld, username)
        data = api(client, **params).json()
        d = doc(page(client, **params))
        where = (username, params)
        h = data["headline"]
        assert headline(d) == {
            "tasks": shown(h["tasks"]),
            "overdue": shown(h["overdue"]),
            "on_time_rate": shown(h["on_time_rate"], percent=True),
            "reports_missing": shown(h["reports_missing"]),
        }, where
        assert status_table(d) == {
            str(f["resolution"]["id"]): {
                **{k: shown(v) for k, v in f["counts"].items()},
                "total": shown(f["tasks"]),
            }
            for f in data["by_resolution"]
        }, where
        assert progress_table(d) == {
            str(f["resolution"]["id"]): shown(f["progress"], percent=True) for f in data["by_resolution"]
        }, where
        rows = children_table(d)
        assert list(rows) == [str(c["agency"]["id"]) for c in data["children"]], where
        for c in data["children"]:
            row = rows[str(c["agency"]["id"])]
            progress = (
                [shown(c["progress"], percent=True)]
                if data["resolution"]
                else [shown(p["progress"], percent=True) for p in c["progress_by_resolution"]]
            )
            assert row["progress"] == progress, where
            assert row["tasks"] == shown(c["tasks"]), where
            assert row["overdue"] == shown(c["overdue"]), where
            assert row["on_time_rate"] == shown(c["on_time_rate"], percent=True), where
            assert row["completeness_rate"] == shown(c["completeness_rate"], percent=True), where
            assert row["small_sample"] == c["small_sample"], where


def test_status_counts_and_progress_are_the_rollup_rows(dworld):
    """Per resolution, the counts and progress are the cached rows; the totals are their sums."""
    client = client_for(dworld, "national_leader")
    for agency in (dworld.root, dworld.hni, dworld.hcm):
        data = api(client, agency=agency.pk).json()
        cached = {r.resolution_id: r for r in ProgressRollup.objects.filter(agency=agency)}
        assert {f["resolution"]["id"] for f in data["by_resolution"]} == set(cached)
        for f in data["by_resolution"]:
            row = cached[f["resolution"]["id"]]
            assert f["counts"] == row.counts()
            assert f["tasks"] == row.tasks
            assert (Decimal(f["progress"]) if f["progress"] else None) == row.progress
        assert data["headline"]["tasks"] == sum(r.tasks for r in cached.values())
        assert data["headline"]["overdue"] == sum(r.overdue for r in cached.values())
    national = api(client).json()
    assert national["headline"]["tasks"] == Task.objects.count()


def test_numbers_come_from_the_caches_not_from_tasks(dworld):
    """A change no fold has seen yet does not show; after the rebuild it does (same as every screen)."""
    client = client_for(dworld, "national_leader")
    before = api(client, agency=dworld.hcm.pk).json()
    Task.objects.filter(pk=dworld.tasks["hcm_xa"].pk).update(due_date="2026-03-01")
    assert api(client, agency=dworld.hcm.pk).json()["headline"] == before["headline"]
    rollups.rebuild()
    after = api(client, agency=dworld.hcm.pk).json()
    assert after["headline"]["overdue"] == before["headline"]["overdue"] + 1


def test_on_time_rate_rule():
    assert selectors.on_time_rate({"done_on_time": 2, "done_late": 1, "overdue": 1}) == Decimal("50.0")
    assert selectors.on_time_rate({"done_on_time": 1, "done_late": 2}) == Decimal("33.3")
    assert selectors.on_time_rate({"in_progress": 4, "not_started": 2}) is None
    assert [selectors.rate_band(Decimal(v)) for v in ("100", "90", "89.9", "70", "69.9", "0")] == [
        "green",
        "green",
        "orange",
        "orange",
        "red",
        "red",
    ]
    assert selectors.rate_band(None) == "none"


def test_drill_down_links_keep_the_filters(dworld):
    client = client_for(dworld, "national_leader")
    period = quarter("2026-Q1")
    keep = {"resolution": str(dworld.res.pk), "period": str(period.pk)}
    d = doc(page(client, resolution=dworld.res.pk, period=period.pk))
    rows = children_table(d)
    assert rows, "the national level lists its children"
    for agency_id, row in rows.items():
        assert query(row["url"]) == {"agency": agency_id, **keep}
    tiles = d.xpath("//a[@data-tile]")
    assert {query(a.get("href"))["agency"] for a in tiles} == {str(dworld.hni.pk), str(dworld.hcm.pk)}
    assert all(query(a.get("href")) == {"agency": a.get("data-tile"), **keep} for a in tiles)
    # the KPI view and the downloads open with the same filters
    links = d.xpath("//a[@data-testid='kpi-link'] | //a[@data-export]")
    assert len(links) == 4
    for link in links:
        assert query(link.get("href")) == {"agency": str(dworld.root.pk), **keep}, link.get("href")
    # one level down (Hà Nội), then the commune: the breadcrumb leads back with the same filters
    d = doc(page(client, agency=dworld.hni.pk, **keep))
    d = doc(client.get(children_table(d)[str(dworld.hni_xa.pk)]["url"]))
    trail = crumbs(d)
    assert [a for a, _url in trail] == [str(dworld.root.pk), str(dworld.hni.pk), str(dworld.hni_xa.pk)]
    assert trail[-1][1] is None  # the current agency is not a link
    for agency_id, url in trail[:-1]:
        assert query(url) == {"agency": agency_id, **keep}
    assert d.xpath("//select[@name='resolution']/option[@selected]")[0].get("value") == keep["resolution"]
    assert d.xpath("//select[@name='period']//option[@selected]")[0].get("value") == keep["period"]


def test_key_numbers_open_the_lists_behind_them(dworld):
    client = client_for(dworld, "hni_leader")
    period = quarter("2026-Q1")
    links = headline_links(doc(page(client, resolution=dworld.res.pk, period=period.pk)))
    agency, res = str(dworld.hni.pk), str(dworld.res.pk)
    assert links["tasks"].startswith(reverse("web:task_list"))
    assert query(links["tasks"]) == {"agency": agency, "resolution": res}
    assert query(links["overdue"]) == {
        "agency": agency,
        "resolution": res,
        "status": "overdue",
        "sort": "due",
    }
    assert query(links["on_time_rate"])["status"] == "done_on_time"
    assert links["reports_missing"].startswith(reverse("reporting:completeness"))
    assert query(links["reports_missing"]) == {"period": str(period.pk), "agency": agency}
    # the task lists behind the numbers list that many tasks
    h = api(client, resolution=dworld.res.pk).json()["headline"]
    assert (h["tasks"], h["overdue"]) == (8, 1)
    for key in ("tasks", "overdue"):
        caption = text(doc(client.get(links[key])).xpath("//table/caption")[0])
        assert int(caption.split()[0]) == h[key], (key, caption)


def test_an_agency_outside_the_scope_is_not_found(dworld):
    client = client_for(dworld, "hni_leader")
    for agency in (dworld.hcm.pk, dworld.root.pk, 2**40, "abc"):
        assert page(client, agency=agency).status_code == 404, agency
    for agency in (dworld.hcm.pk, dworld.root.pk, 2**40):
        response = api(client, agency=agency)
        assert response.status_code == 404, agency
        assert response["Content-Type"].startswith("application/problem+json")
    inside = client_for(dworld, "xa_officer")
    assert page(inside, agency=dworld.hni_xa2.pk).status_code == 404  # a sibling commune
    assert api(inside, agency=dworld.hni.pk).status_code == 404  # the province above


def test_a_province_users_default_is_their_province(dworld):
    for username, agency in (
        ("hni_leader", dworld.hni),
        ("hni_officer", dworld.hni),
        ("xa_officer", dworld.hni_xa),
        ("national_leader", dworld.root),
        ("sysadmin", dworld.root),
    ):
        client = client_for(dworld, username)
        assert api(client).json()["agency"]["id"] == agency.pk, username
        d = doc(page(client))
        assert d.xpath("//*[@data-dashboard-agency]")[0].get("data-dashboard-agency") == str(agency.pk)
        assert crumbs(d)[0][0] == str(agency.pk), username  # the breadcrumb starts at the top agency


def test_the_default_period_is_the_current_quarter(dworld):
    data = api(client_for(dworld, "national_leader")).json()
    assert data["period"]["kind"] == "quarter"
    assert data["period"]["start"] <= "2026-03-17" <= data["period"]["end"]


def test_small_samples_are_marked_and_ranked_after_the_others(dworld):
    client = client_for(dworld, "national_leader")
    data = api(client, agency=dworld.hni.pk, resolution=dworld.res.pk).json()
    ranking = [(r["agency"]["id"], r["rank"], r["small_sample"]) for r in data["ranking"]]
    # xã Phú Mỹ (5 tasks, 50 %) is ranked; the commune done at 100 % and the People's Committee's
    # two tasks are small samples: after it, unranked, highest progress first
    assert ranking == [
        (dworld.hni_xa2.pk, 1, False),
        (dworld.hni_xa.pk, None, True),
        (dworld.hni_ubnd.pk, None, True),
    ]
    tasks = {c["agency"]["id"]: c["tasks"] for c in data["children"]}
    assert tasks[dworld.hni_xa2.pk] == XA2_TASKS
    assert {c["agency"]["id"] for c in data["children"] if c["small_sample"]} == {
        dworld.hni_xa.pk,
        dworld.hni_ubnd.pk,
    }
    d = doc(page(client, agency=dworld.hni.pk, resolution=dworld.res.pk))
    assert ranking_table(d) == [
        (str(dworld.hni_xa2.pk), "1", False),
        (str(dworld.hni_xa.pk), "–", True),
        (str(dworld.hni_ubnd.pk), "–", True),
    ]
    assert d.xpath("//*[@data-rule='ranking']"), "the rule is written under the table"


def test_equal_progress_shares_a_rank():
    agency = Agency(path="0001", depth=1, name="x")
    rows = [selectors.ChildRow(agency, 6, Decimal(p), {}, 0, None, None) for p in ("40", "60", "60", "10")]
    assert [r.rank for r in selectors.ranking(rows)] == [1, 1, 3, 4]


def test_ranking_across_resolutions_is_refused(dworld):
    client = client_for(dworld, "national_leader")
    data = api(client, agency=dworld.hni.pk).json()
    assert data["ranking"] is None
    assert data["ranking_note"]
    d = doc(page(client, agency=dworld.hni.pk))
    assert d.xpath("//*[@data-ranking-refused]")
    assert not d.xpath("//table[@data-table='ranking']")


def test_the_tile_grid_appears_only_nationally(dworld):
    client = client_for(dworld, "national_leader")
    data = api(client).json()
    tiles = {t["agency"]["id"]: t for t in data["provinces"]}
    assert set(tiles) == {dworld.hni.pk, dworld.hcm.pk}
    # Hà Nội: 1 done on time, 1 overdue -> 50 %; Hồ Chí Minh City: 1 done late -> 0 %
    assert (tiles[dworld.hni.pk]["on_time_rate"], tiles[dworld.hni.pk]["band"]) == ("50.0", "red")
    assert tiles[dworld.hni.pk]["label"] == "Hà Nội"
    assert tiles[dworld.hcm.pk]["label"] == "TP Hồ Chí Minh"
    d = doc(page(client))
    assert {a.get("data-tile"): a.get("data-band") for a in d.xpath("//a[@data-tile]")} == {
        str(k): t["band"] for k, t in tiles.items()
    }
    assert d.xpath("//*[@data-rule='tiles']"), "the colour rule is written on the page"
    for params in ({"agency": dworld.hni.pk}, {"agency": dworld.bo_khcn.pk}):
        assert api(client, **params).json()["provinces"] is None
        assert not doc(page(client, **params)).xpath("//*[@data-tiles]")
    assert not doc(page(client_for(dworld, "hni_leader"))).xpath("//*[@data-tiles]")


def test_a_former_province_has_no_tile(dworld):
    factories.agency(
        dworld.root, "Tỉnh ủy Hà Tây", AgencyKind.PROVINCIAL_PARTY, Level.PROVINCE, valid_to="2008-07-31"
    )
    data = api(client_for(dworld, "national_leader")).json()
    assert [t["label"] for t in data["provinces"]] == ["Hà Nội", "TP Hồ Chí Minh"]


def test_an_unknown_period_or_resolution_is_explained(dworld):
    client = client_for(dworld, "national_leader")
    for params, field in (({"resolution": 999999}, "resolution"), ({"period": 999999}, "period")):
        response = api(client, **params)
        assert response.status_code == 400, params
        assert response["Content-Type"].startswith("application/problem+json")
        assert field in response.json()["errors"]
        d = doc(page(client, **params))  # the page explains and shows the defaults
        messages = [" ".join(m.text_content().split()) for m in d.xpath("//*[@data-filter-error]")]
        assert len(messages) == 1 and "does not exist" in messages[0], messages
        assert headline(d)["tasks"] == shown(api(client).json()["headline"]["tasks"])
    for bad in ("abc", "-1", "1" * 30):
        assert page(client, resolution=bad, period=bad, page=bad).status_code == 200
        assert api(client, resolution=bad).status_code == 400


def test_reporting_completeness_is_the_reporting_selectors(dworld):
    from tests.reporting.reports_helpers import sent

    sent(dworld)  # the commune People's Committee's 2026-Q1 report on Hà Nội's programme
    period = quarter("2026-Q1")
    user = dworld.users["national_leader"]
    before = api(client_for(dworld, "national_leader"), agency=dworld.hni.pk, period=period.pk).json()
    assert before["headline"]["reports_missing"] == 5  # the roll-ups have not folded the sending yet
    sealing.seal()
    rollups.fold_all()
    data = api(client_for(dworld, "national_leader"), agency=dworld.hni.pk, period=period.pk).json()
    counts = selectors_completeness.completeness(user, period=period, agency=dworld.hni)
    assert data["headline"]["reports_missing"] == counts.missing
    assert data["headline"]["reports_expected"] == counts.expected
    by_child = dict(selectors_completeness.completeness_by_child(user, period=period, agency=dworld.hni))
    for c in data["children"]:
        found = next((v for a, v in by_child.items() if a.pk == c["agency"]["id"]), None)
        want = None if found is None or found.received_rate is None else f"{found.received_rate:f}"
        assert c["completeness_rate"] == want
    rate = {c["agency"]["id"]: c["completeness_rate"] for c in data["children"]}
    assert rate[dworld.hni_xa.pk] == "50.0"  # one of its two programmes' reports (57 and 71) was sent


def test_children_are_paginated_with_the_total(dworld):
    for i in range(55):
        factories.agency(dworld.hni_xa2, f"Chi bộ thôn {i + 1:02d}", AgencyKind.COMMUNE_PARTY, Level.COMMUNE)
    client = client_for(dworld, "hni_leader")
    first = api(client, agency=dworld.hni_xa2.pk).json()
    assert (first["children_count"], len(first["children"]), first["children_limit"]) == (55, 50, 50)
    rest = api(client, agency=dworld.hni_xa2.pk, offset=50).json()
    assert len(rest["children"]) == 5
    ids = {c["agency"]["id"] for c in first["children"]} | {c["agency"]["id"] for c in rest["children"]}
    assert len(ids) == 55
    d = doc(page(client, agency=dworld.hni_xa2.pk, page=2))
    assert list(children_table(d)) == [str(c["agency"]["id"]) for c in rest["children"]]
    d = doc(page(client, agency=dworld.hni_xa2.pk, page=99))  # past the end: the last page
    assert len(children_table(d)) == 5


def test_a_leaf_agency_links_to_its_task_list(dworld):
    client = client_for(dworld, "hni_leader")
    d = doc(page(client, agency=dworld.hni_so.pk, resolution=dworld.res.pk))
    link = d.xpath("//a[@data-leaf-tasks]")
    assert link and query(link[0].get("href")) == {
        "agency": str(dworld.hni_so.pk),
        "resolution": str(dworld.res.pk),
    }
    assert not d.xpath("//table[@data-table='children']")


def test_an_agency_leading_nothing_says_so(dworld):
    client = client_for(dworld, "national_leader")
    data = api(client, agency=dworld.vptw.pk).json()
    assert data["by_resolution"] == [] and data["headline"]["tasks"] == 0
    assert data["headline"]["on_time_rate"] is None
    d = doc(page(client, agency=dworld.vptw.pk))
    assert d.xpath("//*[@data-no-tasks]") and headline(d)["on_time_rate"] == "–"
    one = api(client, agency=dworld.vptw.pk, resolution=dworld.res.pk).json()
    assert [f["tasks"] for f in one["by_resolution"]] == [0]
    assert one["by_resolution"][0]["counts"] == dict.fromkeys(STATUS_FIELDS, 0)


def test_the_navigation_has_the_overview(dworld):
    html = page(client_for(dworld, "hni_officer")).content.decode()
    assert 'href="/dashboards/" aria-current="page"' in html
