"""A steering-committee member's overview of the nation (dashboards.steering): the steering member
of the world (its own agency Văn phòng Trung ương Đảng, on the committee of 57-NQ/TW) opens the
nation and the provinces restricted to 57-NQ/TW — the national leader's numbers for that
resolution; another resolution, an agency leading none of its tasks, and the tools outside its
scope stay refused. Its own office also leads a task of 71-NQ/TW, which the nation does not count."""

from __future__ import annotations

import datetime as dt

import pytest

from resmon.planning.models import ActionProgram, Task
from resmon.rollups import services as rollups
from tests import factories
from tests.dashboards.helpers import (
    api,
    children_table,
    client_for,
    crumbs,
    doc,
    headline,
    headline_links,
    page,
    query,
    shown,
    text,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sworld(dworld):
    own = factories.program(
        dworld.res2, dworld.vptw, status=ActionProgram.Status.ISSUED, issued_on=dt.date(2025, 2, 1)
    )
    factories.task(own, dworld.vptw, code="9", due_date=dt.date(2026, 1, 31))  # overdue, on 71-NQ/TW
    rollups.rebuild()
    return dworld


def same_numbers(mine: dict, theirs: dict) -> None:
    assert mine["headline"] == theirs["headline"]
    assert mine["by_resolution"] == theirs["by_resolution"]
    assert mine["provinces"] is not None

    def rows(children: list[dict]) -> dict[int, dict]:  # "progress": null when no resolution is chosen
        return {c["agency"]["id"]: {k: v for k, v in c.items() if k != "progress"} for c in children}

    assert rows(mine["children"]) == rows([c for c in theirs["children"] if c["tasks"]])
    assert [t for t in theirs["provinces"] if t["tasks"]] == mine["provinces"]


def test_a_steering_member_sees_the_nation_on_its_resolution(sworld):
    w = sworld
    steering, leader = client_for(w, "steering"), client_for(w, "national_leader")
    data = api(steering, agency=w.root.pk).json()
    assert data["agency"]["id"] == w.root.pk
    assert [f["resolution"]["id"] for f in data["by_resolution"]] == [w.res.pk]
    assert data["headline"]["tasks"] == Task.objects.filter(resolution=w.res).count()
    assert [c["agency"]["id"] for c in data["children"]] == [w.dang_uy_cp.pk, w.hni.pk, w.hcm.pk]
    assert [t["agency"]["id"] for t in data["provinces"]] == [w.hni.pk, w.hcm.pk]
    # the national leader's numbers for that resolution (the agencies leading none of it left out)
    same_numbers(data, api(leader, agency=w.root.pk, resolution=w.res.pk).json())
    chosen = api(steering, agency=w.root.pk, resolution=w.res.pk).json()
    same_numbers(chosen, api(leader, agency=w.root.pk, resolution=w.res.pk).json())
    assert chosen["ranking"] is not None

    # the page: the same numbers, said to be restricted, the filter offering its resolution only
    d = doc(page(steering, agency=w.root.pk))
    assert d.xpath("//*[@data-steering]") and not d.xpath("//*[@data-filter-error]")
    options = d.xpath("//select[@name='resolution']/option/@value")
    assert options == ["", str(w.res.pk)]
    assert headline(d)["tasks"] == shown(data["headline"]["tasks"])
    assert headline(d)["overdue"] == shown(data["headline"]["overdue"])
    assert list(children_table(d)) == [str(c["agency"]["id"]) for c in data["children"]]
    assert len(d.xpath("//a[@data-tile]")) == 2
    assert not d.xpath("//*[@data-exports]") and not d.xpath("//*[@data-testid='kpi-link']")


def test_its_drill_down_and_the_lists_behind_the_numbers(sworld):
    w = sworld
    steering = client_for(w, "steering")
    d = doc(page(steering, agency=w.root.pk))
    hni_url = children_table(d)[str(w.hni.pk)]["url"]
    d = doc(steering.get(hni_url))
    assert [agency for agency, _url in crumbs(d)] == [str(w.root.pk), str(w.hni.pk)]
    data = api(steering, agency=w.hni.pk).json()
    assert (
        data["headline"]["tasks"]
        == Task.objects.filter(resolution=w.res, lead_agency__path__startswith=w.hni.path).count()
    )
    links = headline_links(d)
    assert query(links["tasks"]) == {"agency": str(w.hni.pk), "resolution": str(w.res.pk)}
    assert "reports_missing" not in links  # the report pages are outside its scope
    for key in ("tasks", "overdue"):
        listed = doc(steering.get(links[key]))
        assert not listed.xpath("//*[contains(@class, 'alert-warning')]"), key  # the filter is kept
        caption = text(listed.xpath("//table/caption")[0])
        assert int(caption.split()[0]) == data["headline"][key], (key, caption)
    alerts_url = d.xpath("//a[@data-alerts-number]/@href")[0]
    assert query(alerts_url) == {"agency": str(w.hni.pk), "resolution": str(w.res.pk)}
    assert steering.get(alerts_url).status_code == 200


def test_its_own_office_keeps_its_usual_overview_and_links_to_the_nation(sworld):
    w = sworld
    steering = client_for(w, "steering")
    own = api(steering).json()
    assert own["agency"]["id"] == w.vptw.pk
    assert [f["resolution"]["id"] for f in own["by_resolution"]] == [w.res2.pk]  # its own task
    d = doc(page(steering))
    assert not d.xpath("//*[@data-steering]") and d.xpath("//*[@data-exports]")
    link = d.xpath("//a[@data-steering-link]/@href")[0]
    assert query(link) == {"agency": str(w.root.pk)}
    # the nation does not count the office's task of 71-NQ/TW
    nation = api(steering, agency=w.root.pk).json()
    assert nation["headline"]["tasks"] == Task.objects.filter(resolution=w.res).count()
    assert w.vptw.pk not in [c["agency"]["id"] for c in nation["children"]]
    # nobody else is offered the link
    assert not doc(page(client_for(w, "hni_leader"))).xpath("//a[@data-steering-link]")
    assert not doc(page(client_for(w, "national_leader"))).xpath("//a[@data-steering-link]")


def test_another_resolution_and_other_agencies_stay_refused(sworld):
    w = sworld
    steering = client_for(w, "steering")
    response = api(steering, agency=w.root.pk, resolution=w.res2.pk)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert "steering committee" in response.json()["detail"]
    # the page says so and shows its own resolution
    d = doc(page(steering, agency=w.root.pk, resolution=w.res2.pk))
    errors = [text(e) for e in d.xpath("//*[@data-filter-error]")]
    assert len(errors) == 1 and "steering committee" in errors[0]
    assert d.xpath("//table[@data-table='status']/tbody/tr/@data-resolution") == [str(w.res.pk)]
    # an agency leading no task of 57-NQ/TW, an unknown one: not found
    for agency in (w.ubkt.pk, 2**40, "abc"):
        assert page(steering, agency=agency).status_code == 404, agency
    for agency in (w.ubkt.pk, 2**40):
        assert api(steering, agency=agency).status_code == 404, agency
    # an unknown resolution is still a bad filter; the other dashboards still refuse the nation
    assert api(steering, agency=w.root.pk, resolution=987654).status_code == 400
    for url in ("/dashboards/kpis/", "/dashboards/trends/", "/dashboards/compare/"):
        assert steering.get(url, {"agency": w.root.pk}).status_code == 404, url
    # a user on no steering committee is refused the nation as before
    assert api(client_for(w, "hni_leader"), agency=w.root.pk).status_code == 404
