"""The pages: the boxes, issuing from a task / an agency / a warning, answering, closing,
withdrawing, reminding by hand; the task page's section and the home page's rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from resmon.monitoring.alerts.models import Alert, AlertKind, Severity
from resmon.monitoring.directives.models import Directive, DirectiveStatus, Reminder
from tests.monitoring.directives.helpers import audits, client_for, issue

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def test_the_boxes_list_what_waits_for_each_side(dirworld):
    w = dirworld
    d = issue(w)
    officer = client_for(w, "xa_ubnd_officer")
    page = html(officer.get(reverse("directives:list")))
    assert f'data-directive="{d.pk}"' in page and "0/1" in page
    assert (
        "1 directive awaits your agency&#x27;s report" in page
        or "1 directive awaits your agency's report" in page
    )
    leader = client_for(w, "hni_leader")
    assert f'data-directive="{d.pk}"' not in html(leader.get(reverse("directives:list")))
    assert f'data-directive="{d.pk}"' in html(leader.get(reverse("directives:list") + "?box=issued"))
    assert f'data-directive="{d.pk}"' in html(
        leader.get(reverse("directives:list") + "?box=issued&status=open&q=khẩn")
    )
    assert "data-empty" in html(leader.get(reverse("directives:list") + "?box=issued&status=closed"))
    # bad filter values fall back to the defaults instead of failing
    assert leader.get(reverse("directives:list") + "?box=zzz&status=zzz&page=abc").status_code == 200
    assert f'data-directive="{d.pk}"' not in html(
        client_for(w, "hcm_leader").get(reverse("directives:list") + "?box=all")
    )


def test_issuing_from_the_task_page(dirworld):
    w = dirworld
    task = w.tasks["hni_xa"]
    leader = client_for(w, "hni_leader")
    page = html(leader.get(reverse("web:task_detail", args=[task.pk])))
    assert 'id="h-directives"' in page and f"/monitoring/directives/new/?task={task.pk}" in page
    form = leader.get(reverse("directives:new") + f"?task={task.pk}")
    assert form.status_code == 200
    body = html(form)
    assert f'value="{w.hni_xa_ubnd.pk}" id="r-{w.hni_xa_ubnd.pk}" checked' in body
    assert "31/03/2026" in body  # the report-back date offered: two weeks ahead
    response = leader.post(
        reverse("directives:new"),
        {
            "task": task.pk,
            "recipients": [w.hni_xa_ubnd.pk],
            "text": "Khẩn trương hoàn thành",
            "due_date": "31/03/2026",
        },
    )
    d = Directive.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("directives:detail", args=[d.pk])
    assert d.task == task and d.due_date == dt.date(2026, 3, 31)
    # the task page now shows it, with its recipient's state, to the commune too
    page = html(client_for(w, "xa_ubnd_officer").get(reverse("web:task_detail", args=[task.pk])))
    assert f'data-directive="{d.pk}"' in page and "UBND xã Tân An: not acknowledged yet" in page
    assert "/monitoring/directives/new/" not in page  # a focal officer issues nothing


def test_a_bad_form_shows_each_message_next_to_its_field_and_saves_nothing(dirworld):
    w = dirworld
    leader = client_for(w, "hni_leader")
    response = leader.post(
        reverse("directives:new"),
        {
            "task": w.tasks["ministry_coord"].pk,
            "recipients": [w.bo_khcn.pk],
            "text": "",
            "due_date": "01/01/2020",
        },
    )
    assert response.status_code == 200
    page = html(response)
    assert "Bộ Khoa học và Công nghệ is not within your scope of direction." in page
    assert "Write the directive (at least 5 characters)." in page
    assert "cannot be in the past" in page
    assert not Directive.objects.exists() and not audits("directives.issued").exists()


def test_issuing_from_an_agency_and_from_a_warning(dirworld):
    w = dirworld
    leader = client_for(w, "hni_leader")
    body = html(leader.get(reverse("directives:new") + f"?agency={w.hni.pk}"))
    assert f'id="r-{w.hni_xa.pk}"' in body and f'id="r-{w.hni.pk}"' not in body
    alert = Alert.objects.create(
        kind=AlertKind.DUE_SOON_BEHIND,
        severity=Severity.HIGH,
        key=f"due_soon_behind:task:{w.tasks['hni_xa'].pk}",
        agency=w.hni_xa_ubnd,
        supervisor=w.hni,
        agency_path=w.hni_xa_ubnd.path,  # the scope copies the alert job keeps
        supervisor_path=w.hni.path,
        resolution=w.res,
        task=w.tasks["hni_xa"],
        raised_on=dt.date(2026, 3, 17),
        last_seen_on=dt.date(2026, 3, 17),
    )
    body = html(leader.get(reverse("directives:new") + f"?alert={alert.pk}"))
    assert f'data-alert="{alert.pk}"' in body and f'id="r-{w.hni_xa_ubnd.pk}" checked' in body
    leader.post(
        reverse("directives:new"),
        {
            "alert": alert.pk,
            "recipients": [w.hni_xa_ubnd.pk],
            "text": "Đẩy nhanh tiến độ",
            "due_date": "31/03/2026",
        },
    )
    d = Directive.objects.get()
    assert d.alert == alert and d.task == w.tasks["hni_xa"]
    # a warning outside the scope is a 404
    assert (
        client_for(w, "hcm_leader").get(reverse("directives:new") + f"?alert={alert.pk}").status_code == 404
    )


def test_a_focal_officer_sees_why_they_cannot_issue(dirworld):
    page = html(client_for(dirworld, "hni_officer").get(reverse("directives:new")))
    assert "Only leaders, and members of a resolution" in page and '<form method="post"' not in page


def test_the_commune_acknowledges_and_reports_on_the_page(dirworld):
    w = dirworld
    d = issue(w)
    officer = client_for(w, "xa_ubnd_officer")
    url = reverse("directives:detail", args=[d.pk])
    page = html(officer.get(url))
    assert 'data-action="acknowledge"' in page and 'data-action="close"' not in page
    assert officer.post(url, {"action": "acknowledge"}).status_code == 302
    response = officer.post(url, {"action": "report", "report-report": ""})
    assert "Write what your agency did" in html(response)
    assert officer.post(url, {"action": "report", "report-report": "Đã ban hành kế hoạch"}).status_code == 302
    page = html(client_for(w, "hni_leader").get(url))
    assert "Đã ban hành kế hoạch" in page and "1/1" in page
    assert audits("directives.reported").count() == 1


def test_the_issuer_closes_and_withdraws_with_confirmation(dirworld):
    w = dirworld
    d = issue(w)
    leader = client_for(w, "hni_leader")
    url = reverse("directives:detail", args=[d.pk])
    page = html(leader.get(url))
    assert 'data-action="withdraw" data-confirm=' in page and 'data-action="acknowledge"' not in page
    response = leader.post(url, {"action": "withdraw", "withdraw-version": d.version, "withdraw-reason": ""})
    assert "Give the reason for withdrawing" in html(response)
    response = leader.post(url, {"action": "close", "close-version": 99, "close-note": "Đã xử lý xong"})
    assert "Reload it and apply your change again" in html(response)
    assert Directive.objects.get().status == DirectiveStatus.OPEN
    leader.post(
        url, {"action": "withdraw", "withdraw-version": d.version, "withdraw-reason": "Đã điều chỉnh"}
    )
    assert Directive.objects.get().status == DirectiveStatus.WITHDRAWN
    page = html(leader.get(url))
    assert 'data-status="withdrawn"' in page and "Đã điều chỉnh" in page
    # nobody else may act: an unknown action changes nothing
    assert leader.post(url, {"action": "explode"}).status_code == 200


def test_out_of_scope_pages_are_404(dirworld):
    w = dirworld
    d = issue(w)
    other = client_for(w, "hcm_leader")
    assert other.get(reverse("directives:detail", args=[d.pk])).status_code == 404
    assert other.post(reverse("directives:detail", args=[d.pk]), {"action": "acknowledge"}).status_code == 404
    assert other.get(reverse("directives:new") + f"?task={w.tasks['hni_xa'].pk}").status_code == 404
    assert other.get(reverse("directives:reminder_new") + f"?directive={d.pk}").status_code == 404


def test_reminding_by_hand_from_the_directive(dirworld):
    w = dirworld
    d = issue(w)
    leader = client_for(w, "hni_leader")
    assert "/monitoring/directives/reminders/new/?directive=" in html(
        leader.get(reverse("directives:detail", args=[d.pk]))
    )
    url = reverse("directives:reminder_new") + f"?directive={d.pk}"
    page = html(leader.get(url))
    assert "UBND xã Tân An" in page
    response = leader.post(reverse("directives:reminder_new"), {"directive": d.pk, "message": ""})
    assert "Write the reminder" in html(response)
    response = leader.post(
        reverse("directives:reminder_new"), {"directive": d.pk, "message": "Đề nghị báo cáo"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("directives:detail", args=[d.pk])
    assert Reminder.objects.get().agency == w.hni_xa_ubnd
    officer = client_for(w, "xa_ubnd_officer")
    page = html(officer.get(reverse("directives:reminder_list")))
    assert "Đề nghị báo cáo" in page and 'data-kind="manual"' in page
    assert "data-empty" in html(officer.get(reverse("directives:reminder_list") + "?box=sent"))
    # an officer may not remind: the page says who may
    page = html(client_for(w, "hni_officer").get(url))
    assert "Only the leaders of Thành ủy Hà Nội" in page
    # without a subject: back to the list
    assert leader.get(reverse("directives:reminder_new")).status_code == 302


def test_the_home_page_rows(dirworld):
    w = dirworld
    issue(w)
    page = html(client_for(w, "xa_ubnd_leader").get(reverse("web:home")))
    assert 'data-work="directives_to_report"' in page and "Directives awaiting your report" in page
    page = html(client_for(w, "hni_leader").get(reverse("web:home")))
    assert 'data-work="directives_awaiting"' in page and "box=issued" in page
