"""Reminders by hand, and the daily job: before the due date, the day after, escalation; once each."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command

from resmon.core.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from resmon.monitoring.directives import selectors, services
from resmon.monitoring.directives.models import Reminder, ReminderKind
from resmon.monitoring.directives.services.reminders import Schedule
from resmon.notifications.models import Kind, Notification
from resmon.planning.models import ActionProgram, Task
from tests.monitoring.directives.helpers import audits, issue, notified
from tests.reporting.helpers import quarter

pytestmark = pytest.mark.django_db


def at(day: str):
    return time_machine.travel(f"{day} 05:30 +0700", tick=False)


def reminders(**kw):
    return Reminder.objects.filter(**kw)


# --- by hand -------------------------------------------------------------------------------------


def test_the_assigning_level_reminds_the_lead_agency_by_hand(dirworld):
    w = dirworld
    task = w.tasks["hni_xa"]
    (r,) = services.send_reminder(
        w.users["hni_leader"], task=task, message="Đề nghị báo cáo tiến độ trước 20/3."
    )
    assert (r.kind, r.agency, r.task, r.sent_by) == (
        ReminderKind.MANUAL,
        w.hni_xa_ubnd,
        task,
        w.users["hni_leader"],
    )
    assert audits("directives.reminder_sent").get().object_id == str(r.pk)
    n = notified("xa_ubnd_officer", Kind.REMINDER).get()
    assert n.title.startswith("Reminder from Thành ủy Hà Nội") and "20/3" in n.body
    assert n.url == f"/tasks/{task.pk}/"
    # once a day: a second click the same day is refused, nothing more is saved
    with pytest.raises(Conflict) as exc:
        services.send_reminder(w.users["hni_leader"], task=task, message="Nhắc lại")
    assert "already reminded about this today" in str(exc.value)
    assert Reminder.objects.count() == 1
    assert list(selectors.task_reminders(w.users["xa_ubnd_officer"], task)) == [r]


@pytest.mark.parametrize("actor", ["hni_officer", "xa_ubnd_leader", "hni_admin", "sysadmin"])
def test_who_may_not_remind(dirworld, actor):
    with pytest.raises(PermissionRefused):
        services.send_reminder(dirworld.users[actor], task=dirworld.tasks["hni_xa"], message="Khẩn trương")
    assert not Reminder.objects.exists() and not audits("directives.reminder_sent").exists()


def test_an_inspector_with_a_mandate_and_a_steering_member_may_remind(dirworld):
    w = dirworld
    assert services.send_reminder(w.users["inspector"], task=w.tasks["hni_xa"], message="Kiểm tra nhắc")
    assert services.send_reminder(w.users["steering"], task=w.tasks["hni_so"], message="Ban Chỉ đạo nhắc")


def test_a_task_outside_the_scope_is_not_found(dirworld):
    with pytest.raises(NotFound):
        services.send_reminder(dirworld.users["hcm_leader"], task=dirworld.tasks["hni_xa"], message="Nhắc")


def test_bad_reminders_are_refused_and_change_nothing(dirworld):
    w = dirworld
    leader = w.users["hni_leader"]
    with pytest.raises(ValidationFailed) as exc:
        services.send_reminder(leader, task=w.tasks["hni_xa"], message="  ")
    assert exc.value.errors == {"message": ["Write the reminder (at least 5 characters)."]}
    Task.objects.filter(pk=w.tasks["hni_xa"].pk).update(completed_on=dt.date(2026, 3, 1))
    with pytest.raises(ValidationFailed) as exc:
        services.send_reminder(leader, task=w.tasks["hni_xa"], message="Khẩn trương")
    assert "completed on 01/03/2026" in str(exc.value)
    with pytest.raises(ValidationFailed):
        services.send_reminder(leader, message="Khẩn trương")
    assert not Reminder.objects.exists() and not Notification.objects.filter(kind=Kind.REMINDER).exists()


def test_a_directive_reminder_reaches_only_those_who_have_not_reported(dirworld):
    w = dirworld
    d = issue(w, task=None, agency=w.hni, recipients=[w.hni_xa.pk, w.hni_xa2.pk])
    services.report_back(w.users["xa_officer"], d.recipients.get(agency=w.hni_xa).pk, "Đã thực hiện xong")
    sent = services.send_reminder(w.users["hni_leader"], directive=d, message="Đề nghị báo cáo ngay.")
    assert [r.agency for r in sent] == [w.hni_xa2]
    assert (
        notified("xa2_officer", Kind.REMINDER).exists() and not notified("xa_officer", Kind.REMINDER).exists()
    )
    assert list(selectors.directive_reminders(w.users["hni_leader"], d)) == sent
    services.report_back(w.users["xa2_officer"], d.recipients.get(agency=w.hni_xa2).pk, "Đã thực hiện")
    with pytest.raises(ValidationFailed) as exc:
        services.send_reminder(w.users["hni_leader"], directive=d, message="Nhắc lại lần nữa")
    assert "Every recipient has reported" in str(exc.value)


# --- the daily job -------------------------------------------------------------------------------


def test_the_schedule_bands():
    s = Schedule(before_days=(7, 1), escalate_after=14, catch_up=7)
    due = dt.date(2026, 3, 31)
    stage = {offset: s.stage(due, due + dt.timedelta(days=offset)) for offset in range(-10, 25)}
    assert stage[-8] is None
    assert stage[-7] == stage[-2] == ("before_due", 7)
    assert stage[-1] == stage[0] == ("before_due", 1)
    assert stage[1] == stage[8] == ("overdue", 0)
    assert stage[9] is None  # too old for the day-after reminder (catch-up 7 days)
    assert stage[13] is None
    assert stage[14] == stage[21] == ("escalation", 14)
    assert stage[22] is None
    assert Schedule((7, 1), 0, 7).stage(due, due + dt.timedelta(days=30)) is None


def test_a_task_is_reminded_before_its_due_date_then_the_day_after_then_escalated_once_each(dirworld):
    w = dirworld
    task = w.tasks["hni_xa"]  # led by UBND xã Tân An, assigned by Thành ủy Hà Nội, due 30/09/2026
    with at("2026-09-23"):
        counts = services.send_due_reminders()
    assert counts["before_due"] == 1 and counts["tasks"] == 1
    r = reminders(task=task).get()
    assert (r.key, r.agency, r.escalated_to) == (
        f"before_due:7:task:{task.pk}:2026-09-30",
        w.hni_xa_ubnd,
        None,
    )
    assert "due on 30/09/2026 (in 7 days)" in r.message
    n = notified("xa_ubnd_officer", Kind.REMINDER).get()
    assert n.title.startswith("Reminder: Task 1.2") and n.url == f"/tasks/{task.pk}/"
    # the next day: nothing new (the band was sent); a second run the same day neither
    with at("2026-09-24"):
        assert services.send_due_reminders()["before_due"] == 0
    with at("2026-09-23"):
        assert services.send_due_reminders()["already_sent"] == 1
    with at("2026-09-29"):
        services.send_due_reminders()
    with at("2026-10-01"):
        services.send_due_reminders()
        services.send_due_reminders()
    with at("2026-10-14"):
        services.send_due_reminders()
        services.send_due_reminders()
    kinds = list(reminders(task=task).order_by("created_at", "id").values_list("kind", flat=True))
    assert kinds == ["before_due", "before_due", "overdue", "escalation"]
    esc = reminders(task=task, kind=ReminderKind.ESCALATION).get()
    assert esc.agency == w.hni_xa_ubnd and esc.escalated_to == w.hni
    assert "UBND xã Tân An has not completed task 1.2" in esc.message and "(14 days overdue)" in esc.message
    # the escalation reaches the assigning level's people, not the commune
    assert notified("hni_leader", Kind.REMINDER).filter(title__startswith="Escalation").exists()
    assert not notified("xa_ubnd_officer", Kind.REMINDER).filter(title__startswith="Escalation").exists()
    assert notified("xa_ubnd_officer", Kind.REMINDER).count() == 3
    # the boxes: the commune receives its three reminders, the city the escalation
    assert selectors.reminders_for(w.users["xa_ubnd_officer"]).count() == 3
    assert list(selectors.reminders_for(w.users["hni_leader"])) == [esc]
    assert selectors.reminders_for(w.users["hni_leader"], box="all").count() == 4
    assert audits("directives.reminders_sent").count() == 8  # one per run


def test_completed_paused_ongoing_and_long_overdue_tasks_get_nothing(dirworld):
    w = dirworld
    Task.objects.filter(pk=w.tasks["hni_xa"].pk).update(completed_on=dt.date(2026, 9, 1))
    Task.objects.filter(pk=w.tasks["hni"].pk).update(due_date=dt.date(2026, 9, 30), state="paused")
    Task.objects.filter(pk=w.tasks["hni_so"].pk).update(due_date=dt.date(2026, 9, 30), ongoing=True)
    Task.objects.filter(pk=w.tasks["hcm"].pk).update(due_date=dt.date(2026, 8, 1))  # 60 days late
    with at("2026-09-30"):
        counts = services.send_due_reminders()
    assert counts["tasks"] == 0 and not Reminder.objects.exists()


def test_reminders_of_one_agency_come_in_one_notification(dirworld):
    w = dirworld
    extra = Task.objects.create(
        program=w.tasks["hni_xa"].program,
        resolution=w.res,
        lead_agency=w.hni_xa_ubnd,
        assigned_by=w.hni,
        code="1.3",
        title="Số hóa hồ sơ",
        due_date=dt.date(2026, 9, 28),
    )
    with at("2026-09-23"):
        counts = services.send_due_reminders()
    assert counts["before_due"] == 2
    n = notified("xa_ubnd_officer", Kind.REMINDER).get()
    assert n.title == "Reminder: 2 items fall due soon"
    assert "1.3 Số hóa hồ sơ" in n.body and "1.2" in n.body
    assert n.url == "/monitoring/directives/reminders/?box=received"
    assert reminders(task=extra).exists()


def test_directives_are_reminded_and_escalated_to_the_issuing_agency(dirworld):
    w = dirworld
    d = issue(
        w, task=None, agency=w.hni, recipients=[w.hni_xa.pk, w.hni_xa2.pk], due_date=dt.date(2026, 3, 24)
    )
    services.report_back(w.users["xa_officer"], d.recipients.get(agency=w.hni_xa).pk, "Đã xong")
    with at("2026-03-17"):
        services.send_due_reminders()
    r = reminders(directive=d).get()
    assert r.agency == w.hni_xa2 and r.key == f"before_due:7:directive:{d.pk}:{w.hni_xa2.pk}:2026-03-24"
    with at("2026-04-07"):
        services.send_due_reminders()
    esc = reminders(directive=d, kind=ReminderKind.ESCALATION).get()
    assert esc.escalated_to == w.hni and "Đảng ủy xã Phú Mỹ has not reported" in esc.message
    assert notified("hni_leader", Kind.REMINDER).filter(title__startswith="Escalation").exists()
    # a closed directive is reminded no more
    services.close(w.users["hni_leader"], d, "Đã xử lý")
    with at("2026-03-23"):
        assert services.send_due_reminders()["directives"] == 0


def test_a_report_not_sent_is_reminded_and_escalated_to_its_accepting_level(dirworld):
    """The commune's quarterly report on Thành ủy Hà Nội's programme for 2026-Q1 (ends 14/03/2026)
    is due on 19/03/2026; it does not exist yet."""
    w = dirworld
    ActionProgram.objects.update(status=ActionProgram.Status.ISSUED, issued_on=dt.date(2025, 2, 1))
    with at("2026-03-18"):
        counts = services.send_due_reminders()
    keys = set(Reminder.objects.filter(report__isnull=True, task__isnull=True).values_list("key", "agency"))
    assert counts["reports"] >= 1
    commune = [k for k, a in keys if a == w.hni_xa_ubnd.pk]
    assert commune and commune[0].startswith("before_due:1:report:") and commune[0].endswith(":2026-03-19")
    msg = Reminder.objects.get(key=commune[0]).message
    program = w.tasks["hni_xa"].program
    assert msg == f"The report on {program.title} for {quarter().label} is due on 19/03/2026 (in 1 day)."
    with at("2026-04-02"):
        services.send_due_reminders()
    esc = Reminder.objects.filter(kind=ReminderKind.ESCALATION, agency=w.hni_xa_ubnd, task__isnull=True).get()
    assert esc.escalated_to == w.hni and "has not sent its report" in esc.message


def test_the_command_prints_the_counts(dirworld):
    out = io.StringIO()
    with at("2026-09-23"):
        call_command("send_reminders", stdout=out)
    assert "reminders for 2026-09-23: before_due 1" in out.getvalue()
    out = io.StringIO()
    call_command("send_reminders", "--as-of", "23/09/2026", stdout=out)
    assert "already_sent 1" in out.getvalue()
