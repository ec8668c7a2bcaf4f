"""The task list (scope, filters, bad filter values, sorting, paging) and the task page."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from resmon.planning import selectors as planning
from resmon.planning import services
from resmon.planning.models import Task
from tests.factories import task as make_task

from .helpers import assert_safe_page, login

TODAY = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)  # hni_so (due 31/03/2026) is overdue


@pytest.fixture(autouse=True)
def frozen_day():
    with time_machine.travel(TODAY, tick=False):
        yield


def listed(response):
    return {t.pk for t in response.context["rows"]}


def tasks_url(**params):
    from django.utils.http import urlencode

    return reverse("web:task_list") + ("?" + urlencode(params) if params else "")


def test_list_shows_exactly_the_visible_tasks(client, world):
    user = world.users["hni_officer"]
    login(client, user)
    response = client.get(tasks_url())
    visible = planning.tasks_visible(user)
    assert response.context["tasks"].paginator.count == visible.count() == 4
    assert listed(response) == set(visible.values_list("pk", flat=True))
    html = assert_safe_page(response)
    assert world.tasks["hcm"].title not in html
    assert "4 tasks" in html


def test_status_filter(client, world):
    login(client, world.users["hni_officer"])
    response = client.get(tasks_url(status="overdue"))
    assert listed(response) == {world.tasks["hni_so"].pk}
    assert "status-overdue" in response.content.decode()
    response = client.get(tasks_url(status="open"))
    assert world.tasks["hni_so"].pk in listed(response)


def test_resolution_filter(client, world):
    login(client, world.users["hni_officer"])
    assert listed(client.get(tasks_url(resolution=world.res2.pk))) == set()
    assert len(listed(client.get(tasks_url(resolution=world.res.pk)))) == 4


def test_agency_filter_takes_the_subtree(client, world):
    login(client, world.users["hni_officer"])
    response = client.get(tasks_url(agency=world.hni.pk))
    assert listed(response) == {world.tasks[k].pk for k in ("hni", "hni_so", "hni_xa")}
    assert listed(client.get(tasks_url(agency=world.hni_so.pk))) == {world.tasks["hni_so"].pk}


def test_agency_filter_by_typed_name_without_javascript(client, world):
    login(client, world.users["hni_officer"])
    response = client.get(tasks_url(agency_q="UBND xã Tân An"))
    assert listed(response) == {world.tasks["hni_xa"].pk}
    response = client.get(tasks_url(agency_q="xã"))  # several match: offer a choice, filter nothing
    assert len(listed(response)) == 4
    html = response.content.decode()
    assert "Đảng ủy xã Tân An" in html and "Đảng ủy xã Phú Mỹ" in html


def test_due_range_filter_accepts_both_date_forms(client, world):
    login(client, world.users["hni_officer"])
    response = client.get(tasks_url(due_from="01/04/2026", due_to="2026-07-31"))
    assert listed(response) == {world.tasks["hni"].pk}
    assert not response.context["f"].errors


def test_free_text_filter(client, world):
    login(client, world.users["hni_officer"])
    assert listed(client.get(tasks_url(q="1.1"))) == {world.tasks["hni_so"].pk}
    world.tasks["hni_xa"].title = "Chuyển đổi số cấp xã"
    world.tasks["hni_xa"].save()
    assert listed(client.get(tasks_url(q="chuyển đổi số"))) == {world.tasks["hni_xa"].pk}


@pytest.mark.parametrize(
    "params",
    [
        {"status": "bogus"},
        {"due_from": "31/02/2026"},
        {"due_to": "tomorrow"},
        {"resolution": "abc"},
        {"resolution": "999999"},
        {"agency": "abc"},
        {"agency": "999999"},
        {"agency": str(10**30)},
        {"sort": "zzz"},
        {"due_from": "2026-12-31", "due_to": "2026-01-01"},
    ],
)
def test_bad_filter_values_give_a_message_and_are_ignored(client, world, params):
    user = world.users["hni_officer"]
    login(client, user)
    response = client.get(tasks_url(**params))
    assert response.status_code == 200
    assert response.context["f"].errors
    assert 'class="alert alert-warning"' in response.content.decode()
    assert len(listed(response)) == planning.tasks_visible(user).count()


def test_other_province_agency_is_not_a_filter(client, world):
    login(client, world.users["hni_officer"])
    response = client.get(tasks_url(agency=world.hcm.pk))
    assert response.context["f"].errors and response.context["f"].agency is None
    assert "Thành ủy Thành phố Hồ Chí Minh" not in response.content.decode()


def test_bad_page_number_never_fails(client, world):
    login(client, world.users["hni_officer"])
    assert client.get(tasks_url(page="abc")).status_code == 200
    assert client.get(tasks_url(page="9999")).status_code == 200


def test_pagination_keeps_the_filters_and_shows_the_total(client, world):
    program = world.tasks["hni"].program
    for i in range(30):
        make_task(program, world.hni_so, code=f"9.{i:02d}", due_date=dt.date(2027, 1, 1))
    login(client, world.users["hni_officer"])
    response = client.get(tasks_url(agency=world.hni_so.pk, sort="code"))
    page = response.context["tasks"]
    assert page.paginator.count == 31 and len(page.object_list) == 25
    html = response.content.decode()
    assert f"agency={world.hni_so.pk}" in html and "page=2" in html
    assert "31" in html
    response = client.get(tasks_url(agency=world.hni_so.pk, sort="code", page=2))
    assert len(response.context["tasks"].object_list) == 6


def test_sort_by_due_date(client, world):
    login(client, world.users["hni_officer"])
    rows = client.get(tasks_url(sort="due")).context["rows"]
    dues = [t.due_date for t in rows if t.due_date]
    assert dues == sorted(dues) and rows[-1].due_date is None  # undated last
    rows = client.get(tasks_url(sort="-due")).context["rows"]
    dues = [t.due_date for t in rows if t.due_date]
    assert dues == sorted(dues, reverse=True)


def test_extended_deadline_shows_both_dates(client, world):
    t = world.tasks["hni_so"]
    Task.objects.filter(pk=t.pk).update(original_due_date=dt.date(2026, 1, 31))
    login(client, world.users["hni_officer"])
    html = client.get(tasks_url(agency=world.hni_so.pk)).content.decode()
    assert "31/03/2026" in html and "31/01/2026" in html
    html = client.get(reverse("web:task_detail", args=[t.pk])).content.decode()
    assert "31/03/2026" in html and "31/01/2026" in html


def test_task_page_shows_rolled_up_progress_children_and_audit_trail(client, world):
    so_officer = world.users["hni_so_officer"]
    services.record_progress(so_officer, world.tasks["hni_so"], percent_done="50")
    Task.objects.filter(pk=world.tasks["hni_xa"].pk).update(
        completed_on=dt.date(2026, 6, 1), percent_done=Decimal(100)
    )
    login(client, world.users["hni_officer"])
    response = client.get(reverse("web:task_detail", args=[world.tasks["hni"].pk]))
    assert response.context["progress"] == Decimal("75.00")
    html = assert_safe_page(response)
    assert "75%" in html  # (50 + 100) / 2, by weight
    assert world.tasks["hni_so"].title in html and world.tasks["hni_xa"].title in html

    response = client.get(reverse("web:task_detail", args=[world.tasks["hni_so"].pk]))
    html = response.content.decode()
    assert "Progress reported" in html or "hni_so_officer" in html
    assert "hni_so_officer" in html
    assert str(Task._meta.get_field("percent_done").verbose_name) in html
    assert "UBND Thành phố Hà Nội" in html  # parent task's lead


def test_task_page_lists_coordinating_agencies_with_their_part(client, world):
    t = world.tasks["ministry_coord"]
    t.coordinations.filter(agency=world.hni_so).update(sub_deliverable="Báo cáo phần Hà Nội")
    login(client, world.users["hni_so_officer"])
    html = client.get(reverse("web:task_detail", args=[t.pk])).content.decode()
    assert "Sở Khoa học và Công nghệ Hà Nội" in html and "Báo cáo phần Hà Nội" in html


def test_paused_task_shows_its_reason(client, world):
    t = world.tasks["hni_xa"]
    services.set_task_state(world.users["hni_officer"], t, state="paused", reason="Chờ sáp nhập xã")
    login(client, world.users["hni_officer"])
    html = client.get(reverse("web:task_detail", args=[t.pk])).content.decode()
    assert "Chờ sáp nhập xã" in html and "status-paused" in html


def test_task_children_partial_lists_visible_sub_tasks(client, world):
    login(client, world.users["xa_officer"])
    # the commune officer cannot open the city's parent task at all
    assert client.get(reverse("web:task_children", args=[world.tasks["hni"].pk])).status_code == 404
    login(client, world.users["hni_officer"])
    html = client.get(reverse("web:task_children", args=[world.tasks["hni"].pk])).content.decode()
    assert world.tasks["hni_so"].title in html and world.tasks["hni_xa"].title in html
    assert "<html" not in html
