"""Answering a warning with a directive: on the alert list and on the alerts of a task's page, a
leader (or a steering-committee member) who may direct the agency concerned sees "Issue a
directive", which opens the directive form about the warning's task with that agency ticked;
focal officers, inspectors, the agency concerned itself and cleared warnings get no button."""

from __future__ import annotations

import datetime as dt

import lxml.html
import pytest
from django.urls import reverse

from resmon.monitoring.alerts.models import Alert, AlertKind, Severity
from tests.monitoring.directives.helpers import client_for

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 17)


def warning(w, *, cleared: bool = False, task: str | None = "hni_xa", agency=None) -> Alert:
    agency = agency or w.hni_xa_ubnd
    return Alert.objects.create(
        kind=AlertKind.OVERDUE if task else AlertKind.REPORT_MISSING,
        params={"days": 5, "percent": 40}
        if task
        else {"period": "Quý I/2026", "due": "2026-03-05", "days": 12},
        severity=Severity.HIGH,
        key=f"test:{task}:{agency.pk}:{cleared}",
        agency=agency,
        supervisor=w.hni,
        agency_path=agency.path,  # the scope copies the alert job keeps
        supervisor_path=w.hni.path,
        resolution=w.res,
        task=w.tasks[task] if task else None,
        raised_on=DAY,
        last_seen_on=DAY,
        cleared_on=DAY if cleared else None,
    )


def buttons(client, url: str) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200, url
    d = lxml.html.fromstring(response.content.decode())
    return {a.get("data-issue-directive"): a.get("href") for a in d.xpath("//a[@data-issue-directive]")}


def test_a_leader_answers_a_warning_from_the_alert_list_and_the_task_page(dirworld):
    w = dirworld
    on_task = warning(w)
    on_agency = warning(w, task=None, agency=w.hni_so)
    cleared = warning(w, cleared=True)
    leader = client_for(w, "hni_leader")
    listed = buttons(leader, reverse("alerts:list") + "?state=all")
    assert set(listed) == {str(on_task.pk), str(on_agency.pk)}  # not the cleared one
    assert listed[str(on_task.pk)] == reverse("directives:new") + f"?alert={on_task.pk}"
    task_page = reverse("web:task_detail", args=[w.tasks["hni_xa"].pk])
    assert buttons(leader, task_page) == {str(on_task.pk): listed[str(on_task.pk)]}

    # the form it opens: about the warning's task, the agency concerned ticked
    form = lxml.html.fromstring(leader.get(listed[str(on_task.pk)]).content.decode())
    assert w.tasks["hni_xa"].title in " ".join(form.xpath("//*[@data-subject]")[0].text_content().split())
    assert form.xpath(f"//*[@data-alert='{on_task.pk}']")
    assert form.xpath("//input[@name='recipients' and @checked]/@value") == [str(w.hni_xa_ubnd.pk)]
    form = lxml.html.fromstring(leader.get(listed[str(on_agency.pk)]).content.decode())
    assert form.xpath("//input[@name='recipients' and @checked]/@value") == [str(w.hni_so.pk)]
    assert cleared.pk


def test_a_steering_member_answers_a_warning_on_its_resolution(dirworld):
    w = dirworld
    alert = warning(w)
    steering = client_for(w, "steering")
    assert str(alert.pk) in buttons(steering, reverse("alerts:list"))
    form = lxml.html.fromstring(
        steering.get(reverse("directives:new") + f"?alert={alert.pk}").content.decode()
    )
    assert form.xpath("//input[@name='recipients' and @checked]/@value") == [str(w.hni_xa_ubnd.pk)]


@pytest.mark.parametrize("username", ["hni_officer", "inspector", "xa_ubnd_leader", "xa_ubnd_officer"])
def test_others_see_the_warning_but_no_button(dirworld, username):
    """A focal officer and an inspector may not issue; the commune's own leader is the agency
    concerned (one does not direct one's own agency)."""
    w = dirworld
    alert = warning(w)
    client = client_for(w, username)
    response = client.get(reverse("alerts:list"))
    assert f'data-alert="{alert.pk}"' in response.content.decode(), username  # the warning is listed
    assert buttons(client, reverse("alerts:list")) == {}, username
    assert buttons(client, reverse("web:task_detail", args=[w.tasks["hni_xa"].pk])) == {}, username
