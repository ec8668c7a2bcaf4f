"""The bottleneck pages and API: the ranking with its explanation, links, graph with its table view,
one agency's drill-down; filters in the URL; scope (a 404 outside it); the API's figures equal the
page's."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def client(bworld, username: str) -> Client:
    c = Client()
    c.force_login(bworld.w.users[username])
    return c


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def ranked_agencies(body: str) -> list[str]:
    return re.findall(r'<tr data-agency="(\d+)">', body)


def test_the_ranking_page_ranks_and_explains(bworld):
    w = bworld.w
    body = html(client(bworld, "national_leader").get(reverse("bottlenecks:ranking")))
    assert ranked_agencies(body) == [str(w.hni_so.pk), str(w.hni_ubnd.pk), str(w.hcm_xa.pk)]
    assert "data-explanation" in body and 'data-rule="bottlenecks"' in body
    # the worst blocker of the first row is named, with a link to its task
    assert reverse("web:task_detail", args=[w.tasks["hni_so"].pk]) in body
    assert reverse("bottlenecks:agency", args=[w.hni_so.pk]) in body
    assert "250" in body


def test_the_ranking_shows_only_the_users_view(bworld):
    w = bworld.w
    body = html(client(bworld, "hcm_officer").get(reverse("bottlenecks:ranking")))
    assert ranked_agencies(body) == [str(w.hcm_xa.pk)]
    assert "«wait" not in body and w.hni_so.name not in body
    empty = html(client(bworld, "xa_officer").get(reverse("bottlenecks:ranking")))
    assert ranked_agencies(empty) == [] and "data-empty" in empty


def test_filters_live_in_the_url_and_bad_ones_are_explained(bworld):
    w = bworld.w
    c = client(bworld, "national_leader")
    body = html(c.get(reverse("bottlenecks:ranking"), {"agency": w.hcm.pk}))
    assert ranked_agencies(body) == [str(w.hcm_xa.pk)]
    # the tabs and the drill-down keep the filters
    assert f'href="{reverse("bottlenecks:graph")}?agency={w.hcm.pk}"' in body
    body = html(c.get(reverse("bottlenecks:ranking"), {"resolution": w.res2.pk}))
    assert ranked_agencies(body) == [] and "data-empty" in body
    body = html(c.get(reverse("bottlenecks:ranking"), {"resolution": "abc"}))
    assert "data-filter-error" in body and len(ranked_agencies(body)) == 3
    # an agency typed by name: one match is used, several are listed to choose from
    body = html(c.get(reverse("bottlenecks:ranking"), {"agency_q": "Bến Thành"}))
    assert ranked_agencies(body) == [str(w.hcm_xa.pk)]
    body = html(c.get(reverse("bottlenecks:ranking"), {"agency_q": "Hà Nội"}))
    assert "data-filter-error" in body and f"agency={w.hni.pk}" in body
    # an agency outside the user's scope is a 404
    assert (
        client(bworld, "hcm_officer").get(reverse("bottlenecks:ranking"), {"agency": w.hni.pk}).status_code
        == 404
    )
    assert c.get(reverse("bottlenecks:ranking"), {"page": "999"}).status_code == 200


def test_the_links_page(bworld):
    w = bworld.w
    body = html(client(bworld, "national_leader").get(reverse("bottlenecks:links")))
    pairs = re.findall(r'data-link="(\d+)-(\d+)"', body)
    assert pairs == [
        (str(w.hni_so.pk), str(w.hni_ubnd.pk)),
        (str(w.hni_so.pk), str(w.hni_xa_ubnd.pk)),
        (str(w.hni_so.pk), str(w.hni_xa2.pk)),
        (str(w.hni_ubnd.pk), str(w.bo_khcn.pk)),
        (str(w.hcm_xa.pk), str(w.hcm.pk)),
    ]


def test_the_graph_page_has_its_data_and_a_table_view(bworld):
    w = bworld.w
    body = html(client(bworld, "national_leader").get(reverse("bottlenecks:graph")))
    data = json.loads(
        re.search(r'<script id="bottleneck-graph" type="application/json">(.*?)</script>', body, re.S).group(
            1
        )
    )
    assert {n["id"] for n in data["nodes"]} == {
        str(a.pk) for a in (w.hni_so, w.hni_ubnd, w.hni_xa_ubnd, w.hni_xa2, w.bo_khcn, w.hcm_xa, w.hcm)
    }
    assert len(data["edges"]) == 5
    first = next(n for n in data["nodes"] if n["id"] == str(w.hni_so.pk))
    assert (
        first["value"] == 250.0
        and first["category"] == 0
        and first["url"].startswith("/monitoring/bottlenecks/agencies/")
    )
    assert next(n for n in data["nodes"] if n["id"] == str(w.bo_khcn.pk))["category"] == 1
    assert 'data-chart="graph"' in body and "data-table-toggle" in body
    assert len(re.findall(r"<tr data-link=", body)) == 5  # the table view: every edge
    assert len(re.findall(r'<tr data-agency="\d+">', body)) == 7  # and every node
    assert "dashboards/dashboard.js" in body


def test_the_drilldown_lists_the_tasks_held_up_with_links(bworld):
    w = bworld.w
    c = client(bworld, "national_leader")
    body = html(c.get(reverse("bottlenecks:agency", args=[w.hni_so.pk])))
    assert 'data-figure="rank">1<' in body
    held = re.findall(r'<tr data-held="(\d+)">', body)
    assert sorted(held) == sorted(str(t.pk) for t in bworld.waiting)
    for t in bworld.waiting:
        assert reverse("web:task_detail", args=[t.pk]) in body
    # an agency that holds nothing up, but whose tasks are held: the agencies holding them up
    body = html(c.get(reverse("bottlenecks:agency", args=[w.hni_xa_ubnd.pk])))
    assert "data-empty" in body and reverse("bottlenecks:agency", args=[w.hni_so.pk]) in body
    # its part of the ministry's task
    body = html(c.get(reverse("bottlenecks:agency", args=[w.hni_ubnd.pk])))
    assert "Báo cáo của Hà Nội" in body and f'data-held="{w.tasks["ministry"].pk}"' in body


def test_the_drilldown_is_scoped(bworld):
    w = bworld.w
    assert (
        client(bworld, "hcm_officer").get(reverse("bottlenecks:agency", args=[w.hni_so.pk])).status_code
        == 404
    )
    # Hà Nội sees the ministry's task it coordinates, held by its own late part: the ministry opens
    body = html(client(bworld, "hni_officer").get(reverse("bottlenecks:agency", args=[w.bo_khcn.pk])))
    assert "data-empty" in body
    assert (
        client(bworld, "hni_officer").get(reverse("bottlenecks:agency", args=[w.hcm.pk])).status_code == 404
    )


def test_the_overview_links_to_the_bottlenecks(bworld):
    body = html(client(bworld, "national_leader").get(reverse("dashboards:overview")))
    assert 'data-testid="bottlenecks-link"' in body and reverse("bottlenecks:ranking") in body


# --- API ----------------------------------------------------------------------------------------


def test_the_api_ranking_equals_the_page(bworld, bearer):
    w = bworld.w
    data = bearer("national_leader").get("/api/v1/bottlenecks").json()
    assert (data["count"], data["page"], data["pages"], data["today"]) == (3, 1, 1, "2026-05-20")
    first = data["items"][0]
    assert first["id"] == w.hni_so.pk and first["agency"]["code"] == "HNI-SKHCN"
    assert (
        first["rank"],
        first["blocked_tasks"],
        first["direct_tasks"],
        first["weighted_days"],
        first["max_days"],
    ) == (
        1,
        5,
        5,
        "250.00",
        50,
    )
    assert first["late_tasks"] == 1 and first["late_parts"] == 0 and "250" in first["explanation"]
    (top,) = first["top"]
    assert top["kind"] == "task" and top["task"]["id"] == w.tasks["hni_so"].pk and top["overdue_days"] == 50
    part = data["items"][1]["top"][0]
    assert (
        part["kind"] == "part"
        and part["sub_deliverable"] == "Báo cáo của Hà Nội"
        and part["overdue_days"] == 19
    )
    body = client(bworld, "national_leader").get(reverse("bottlenecks:ranking")).content.decode()
    assert ranked_agencies(body) == [str(i["id"]) for i in data["items"]]


def test_the_api_filters_and_scope(bworld, bearer):
    w = bworld.w
    leader = bearer("national_leader")
    assert [i["id"] for i in leader.get(f"/api/v1/bottlenecks?agency={w.hcm.pk}").json()["items"]] == [
        w.hcm_xa.pk
    ]
    assert leader.get(f"/api/v1/bottlenecks?resolution={w.res2.pk}").json()["count"] == 0
    bad = leader.get("/api/v1/bottlenecks?resolution=abc")
    assert bad.status_code == 400 and bad["Content-Type"].startswith("application/problem+json")
    assert "resolution" in bad.json()["errors"]
    assert leader.get("/api/v1/bottlenecks?page=99").json()["page"] == 1
    hcm = bearer("hcm_officer")
    assert [i["id"] for i in hcm.get("/api/v1/bottlenecks").json()["items"]] == [w.hcm_xa.pk]
    assert hcm.get(f"/api/v1/bottlenecks?agency={w.hni.pk}").status_code == 404
    assert hcm.get(f"/api/v1/bottlenecks/agencies/{w.hni_so.pk}").status_code == 404


def test_the_api_links_and_drilldown(bworld, bearer):
    w = bworld.w
    leader = bearer("national_leader")
    links = leader.get("/api/v1/bottlenecks/links").json()
    assert links["count"] == 5
    assert (links["items"][0]["from_agency"]["id"], links["items"][0]["to_agency"]["id"]) == (
        w.hni_so.pk,
        w.hni_ubnd.pk,
    )
    assert links["items"][0]["weighted_days"] == "100.00" and links["items"][0]["own"] is False
    detail = leader.get(f"/api/v1/bottlenecks/agencies/{w.hni_so.pk}").json()
    assert detail["agency"]["id"] == w.hni_so.pk and detail["figures"]["rank"] == 1 and detail["count"] == 1
    (blocker,) = detail["items"]
    assert sorted(h["task"]["id"] for h in blocker["held"]) == sorted(t.pk for t in bworld.waiting)
    assert {(h["depth"], h["days"]) for h in blocker["held"]} == {(1, 50)}
    victim = leader.get(f"/api/v1/bottlenecks/agencies/{w.hni_xa_ubnd.pk}").json()
    assert victim["figures"] is None and [x["from_agency"]["id"] for x in victim["held_up_by"]] == [
        w.hni_so.pk
    ]
