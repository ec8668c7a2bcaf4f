"""Home numbers equal the selectors and link to the list behind them; agency tree and detail;
resolutions and programmes; template helpers."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.template import RequestContext, Template
from django.urls import reverse
from django.utils import translation

from resmon.planning import selectors as planning
from resmon.planning.status import TaskStatus
from resmon.web.templatetags.resmon import status_chip, vnnum

from .helpers import assert_safe_page, login

TODAY = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen_day():
    with time_machine.travel(TODAY, tick=False):
        yield


def test_home_numbers_match_the_selectors_and_open_the_same_list(client, world):
    user = world.users["hni_officer"]
    login(client, user)
    response = client.get(reverse("web:home"))
    html = assert_safe_page(response)
    tasks = planning.tasks_visible(user)
    counts = planning.status_counts(tasks)
    numbers = {n["tone"]: n for n in response.context["numbers"]}
    assert numbers["all"]["value"] == tasks.count() == 4
    assert numbers["overdue"]["value"] == counts[TaskStatus.OVERDUE] == planning.overdue(tasks).count() == 1
    assert numbers["soon"]["value"] == planning.due_soon(tasks).count() == 1  # hni, due 30/06/2026
    assert numbers["done"]["value"] == counts[TaskStatus.DONE_ON_TIME] + counts[TaskStatus.DONE_LATE]
    # each number opens the task list showing exactly that many tasks
    for tone, number in numbers.items():
        assert f'href="{number["url"].replace("&", "&amp;")}"' in html, tone
        listed = client.get(number["url"])
        assert listed.context["tasks"].paginator.count == number["value"], tone
    # the status table links each count to its filtered list
    for row in response.context["by_status"]:
        assert (
            client.get(row["url"]).context["tasks"].paginator.count == row["count"] == counts[row["status"]]
        )
    assert world.tasks["hni_so"].title in html  # overdue list
    assert world.tasks["hni"].title in html  # due-soon list


def test_home_shows_inspection_and_steering_grants(client, world):
    login(client, world.users["inspector"])
    html = client.get(reverse("web:home")).content.decode()
    assert "Kiểm tra Hà Nội" in html and "Thành ủy Hà Nội" in html
    client.force_login(world.users["steering"])
    response = client.get(reverse("web:home"))
    assert "Ban Chỉ đạo Nghị quyết 57" in response.content.decode()
    # the steering member sees the resolution's tasks nationwide
    assert response.context["numbers"][0]["value"] == planning.tasks_visible(world.users["steering"]).count()
    assert response.context["numbers"][0]["value"] >= 6


def test_agency_tree_lists_the_users_top_and_lazy_children(client, world):
    login(client, world.users["hni_officer"])
    response = client.get(reverse("web:agency_tree"))
    html = assert_safe_page(response)
    assert [a.pk for a in response.context["children"]] == [world.hni.pk]
    assert "hx-get=" in html and reverse("web:agency_children", args=[world.hni.pk]) in html
    assert response.context["children"][0].n_children == 3  # UBND, two communes
    part = client.get(reverse("web:agency_children", args=[world.hni.pk])).content.decode()
    for name in ("UBND Thành phố Hà Nội", "Đảng ủy xã Tân An", "Đảng ủy xã Phú Mỹ"):
        assert name in part
    assert "<html" not in part


def test_agency_search_finds_by_name_and_code_within_scope(client, world):
    login(client, world.users["hni_officer"])
    response = client.get(reverse("web:agency_tree") + "?q=HNI-X1")
    assert [a.code for a in response.context["results"]] == ["HNI-X1"]
    response = client.get(reverse("web:agency_tree") + "?q=Bến Thành")
    assert list(response.context["results"]) == []


def test_agency_detail_breadcrumb_history_synthetic_and_task_count(client, world):
    world.hni_xa.is_synthetic = True
    world.hni_xa.valid_from = dt.date(2025, 7, 1)
    world.hni_xa.save()
    world.hni_xa.predecessors.add(world.hni_xa2, world.hcm_xa)
    login(client, world.users["xa_officer"])
    response = client.get(reverse("web:agency_detail", args=[world.hni_xa.pk]))
    html = assert_safe_page(response)
    assert "badge text-bg-warning" in html
    assert "01/07/2025" in html
    # ancestors: the root and Hà Nội are shown but are not links for a commune officer
    assert "Thành ủy Hà Nội" in html
    assert f'href="{reverse("web:agency_detail", args=[world.hni.pk])}"' not in html
    # history: predecessors listed by name, linked only where visible
    assert "Đảng ủy xã Phú Mỹ" in html and "Đảng ủy phường Bến Thành" in html
    assert f'href="{reverse("web:agency_detail", args=[world.hcm_xa.pk])}"' not in html
    # tasks led in the subtree, linking to the filtered list
    assert response.context["task_count"] == 1
    assert f'href="{reverse("web:task_list")}?agency={world.hni_xa.pk}"' in html


def test_resolution_pages(client, world):
    login(client, world.users["hni_officer"])
    response = client.get(reverse("web:resolution_list"))
    html = assert_safe_page(response)
    assert "57-NQ/TW" in html and "71-NQ/TW" in html and "22/12/2024" in html
    response = client.get(reverse("web:resolution_detail", args=[world.res.pk]))
    html = assert_safe_page(response)
    assert "Ban Chỉ đạo Nghị quyết 57" in html
    programs = {p.agency_id for p in response.context["programs"]}
    assert programs == {world.hni.pk}  # the ministry's and HCM's programmes are outside the scope
    assert response.context["task_total"] == planning.tasks_visible(world.users["hni_officer"]).count()


def test_program_page_shows_top_tasks_with_expandable_children(client, world):
    login(client, world.users["hni_officer"])
    program = world.tasks["hni"].program
    response = client.get(reverse("web:program_detail", args=[program.pk]))
    html = assert_safe_page(response)
    rows = response.context["rows"]
    assert [t.pk for t in rows] == [world.tasks["hni"].pk]
    assert rows[0].n_children == 2
    assert reverse("web:task_children", args=[world.tasks["hni"].pk]) in html


def test_program_tree_starts_at_tasks_whose_parent_is_hidden(world):
    # a department officer sees its own task at the top, since the parent is not visible to it
    program = world.tasks["hni"].program
    rows = planning.program_top_tasks(world.users["hni_so_officer"], program)
    assert [t.pk for t in rows] == [world.tasks["hni_so"].pk]


def test_a_department_sees_the_programme_it_has_tasks_in_but_not_others(client, world):
    program = world.tasks["hni"].program
    login(client, world.users["hni_so_officer"])
    html = client.get(reverse("web:task_detail", args=[world.tasks["hni_so"].pk])).content.decode()
    assert reverse("web:program_detail", args=[program.pk]) in html
    assert client.get(reverse("web:program_detail", args=[program.pk])).status_code == 200
    other = world.tasks["hcm"].program
    assert client.get(reverse("web:program_detail", args=[other.pk])).status_code == 404


def test_status_chip_has_colour_icon_and_word():
    html = status_chip("overdue")
    assert "status-overdue" in html and "bi-" in html and str(TaskStatus.OVERDUE.label) in html
    assert "status-paused" in status_chip(TaskStatus.PAUSED)
    assert status_chip("nonsense") == ""


def test_vnnum_uses_the_language_separators():
    with translation.override("vi"):
        assert vnnum(Decimal("1234.5")) == "1.234,5"
        assert vnnum(1234567) == "1.234.567"
        assert vnnum(Decimal("75.00")) == "75"
        assert vnnum(Decimal("2.5"), 2) == "2,50"
    with translation.override("en"):
        assert vnnum(Decimal("1234.5")) == "1,234.5"
    assert vnnum(None) == ""
    assert vnnum("abc") == "abc"


def test_querystring_keeps_filters_when_paging(rf):
    request = rf.get("/tasks/?status=overdue&agency=3&page=1")
    out = Template("{% querystring page=2 %}").render(RequestContext(request))
    assert "status=overdue" in out and "agency=3" in out and "page=2" in out
