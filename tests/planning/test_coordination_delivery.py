"""A coordinating agency's part of a task: its due date (the lead or assigning agency, while
planning), its delivery and the undoing of it (the coordinating agency); each refused, invalid and
audited path, the page with its messages next to the fields, and the API."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from resmon.audit.models import AuditEntry
from resmon.core.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from resmon.notifications.models import Kind, Notification
from resmon.planning.models import ActionProgram, TaskCoordination
from resmon.planning.selectors_coordination import PartState, part_status
from resmon.planning.services import coordination as services
from resmon.planning.services.tasks import update_task

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = D(2026, 5, 20)
NOW = dt.datetime(2026, 5, 20, 3, 0, tzinfo=dt.UTC)  # 10:00 in Hà Nội


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def part(world, frozen):
    """Hà Nội's department of science coordinates the ministry's task (due 31/12/2026)."""
    return world.tasks["ministry"].coordinations.create(
        agency=world.hni_so, sub_deliverable="Số liệu của Hà Nội"
    )


def audit_rows(action: str):
    return AuditEntry.objects.filter(action=action)


def unchanged(part, due=None, delivered=None):
    part.refresh_from_db()
    assert (part.due_date, part.delivered_on) == (due, delivered)


# --- the part's state -----------------------------------------------------------------------


def test_part_status_is_derived_from_the_dates():
    assert part_status(None, None, TODAY).state == PartState.NO_DUE_DATE
    assert (part_status(D(2026, 6, 1), None, TODAY).state, part_status(D(2026, 6, 1), None, TODAY).days) == (
        PartState.DUE,
        12,
    )
    assert part_status(TODAY, None, TODAY).state == PartState.DUE  # due today: not late yet
    assert (
        part_status(D(2026, 5, 10), None, TODAY).state,
        part_status(D(2026, 5, 10), None, TODAY).days,
    ) == (
        PartState.LATE,
        10,
    )
    assert part_status(D(2026, 5, 10), D(2026, 5, 10), TODAY).state == PartState.DELIVERED
    late = part_status(D(2026, 5, 10), D(2026, 5, 13), TODAY)
    assert (late.state, late.days) == (PartState.DELIVERED_LATE, 3)
    assert part_status(None, D(2026, 5, 13), TODAY).state == PartState.DELIVERED


# --- the due date ---------------------------------------------------------------------------


def test_the_lead_agency_sets_the_due_date_audited(world, part):
    services.set_coordination_due(world.users["ministry_officer"], part, D(2026, 9, 30))
    unchanged(part, due=D(2026, 9, 30))
    (row,) = audit_rows("planning.coordination_due_set")
    assert row.object_type == "planning.task" and row.object_id == str(world.tasks["ministry"].pk)
    assert row.before["coordinating_agencies"]["due_date"] is None
    assert row.after["coordinating_agencies"] == {
        "agency": world.hni_so.pk,
        "sub_deliverable": "Số liệu của Hà Nội",
        "due_date": "2026-09-30",
        "delivered_on": None,
    }
    assert row.actor_name == "ministry_officer"
    # a date typed as dd/mm/yyyy; an empty value removes it
    services.set_coordination_due(world.users["ministry_officer"], part, "15/08/2026")
    unchanged(part, due=D(2026, 8, 15))
    services.set_coordination_due(world.users["ministry_officer"], part, "")
    unchanged(part)
    assert audit_rows("planning.coordination_due_set").count() == 3


def test_a_level_above_the_lead_may_set_it_too(world, part):
    services.set_coordination_due(world.users["national_leader"], part, D(2026, 9, 30))
    unchanged(part, due=D(2026, 9, 30))


@pytest.mark.parametrize("username", ["hni_so_officer", "inspector", "hni_officer", "steering"])
def test_others_may_not_set_the_due_date(world, part, username):
    with pytest.raises(PermissionRefused):
        services.set_coordination_due(world.users[username], part, D(2026, 9, 30))
    unchanged(part)
    assert not audit_rows("planning.coordination_due_set").exists()


def test_a_task_outside_the_scope_is_not_found(world, part):
    with pytest.raises(NotFound):
        services.set_coordination_due(world.users["hcm_officer"], part, D(2026, 9, 30))
    with pytest.raises(NotFound):
        services.record_delivery(world.users["hcm_officer"], part)
    unchanged(part)


def test_the_due_date_cannot_be_after_the_tasks_own(world, part):
    with pytest.raises(ValidationFailed) as exc:
        services.set_coordination_due(world.users["ministry_officer"], part, D(2027, 1, 1))
    assert exc.value.field == "due_date"
    assert "31/12/2026" in str(exc.value) and world.hni_so.name in str(exc.value)
    unchanged(part)
    assert not audit_rows("planning.coordination_due_set").exists()
    # the task's own due date is allowed
    services.set_coordination_due(world.users["ministry_officer"], part, D(2026, 12, 31))
    unchanged(part, due=D(2026, 12, 31))


@pytest.mark.parametrize("bad", ["31/02/2026", "ngày mai", 20260930, dt.datetime(2026, 9, 30, 8, 0)])
def test_a_date_that_is_not_a_date_is_refused_with_a_message(world, part, bad):
    with pytest.raises(ValidationFailed) as exc:
        services.set_coordination_due(world.users["ministry_officer"], part, bad)
    assert exc.value.field == "due_date" and str(exc.value)
    unchanged(part)


def test_an_issued_programme_needs_an_amendment_first(world, part):
    ActionProgram.objects.filter(pk=world.tasks["ministry"].program_id).update(
        status=ActionProgram.Status.ISSUED
    )
    with pytest.raises(ValidationFailed) as exc:
        services.set_coordination_due(world.users["ministry_officer"], part, D(2026, 9, 30))
    assert exc.value.code == "program_issued"
    unchanged(part)
    world.tasks["ministry"].program.amendments.create(
        decided_on=TODAY, reason="Bổ sung thời hạn phối hợp", created_by=world.users["ministry_officer"]
    )
    services.set_coordination_due(world.users["ministry_officer"], part, D(2026, 9, 30))
    unchanged(part, due=D(2026, 9, 30))


def test_an_ongoing_task_has_no_limit_on_the_parts_due_date(world, frozen):
    task = world.tasks["ministry_coord"]  # undated
    c = task.coordinations.get(agency=world.hni_so)
    services.set_coordination_due(world.users["ministry_officer"], c, D(2030, 1, 1))
    unchanged(c, due=D(2030, 1, 1))


# --- the delivery ---------------------------------------------------------------------------


def test_the_coordinating_agency_records_its_delivery_audited_and_the_lead_is_told(world, part):
    services.record_delivery(world.users["hni_so_officer"], part, note="Đã gửi số liệu quý I")
    unchanged(part, delivered=TODAY)  # today by default
    (row,) = audit_rows("planning.coordination_delivered")
    assert row.reason == "Đã gửi số liệu quý I"
    assert row.after["coordinating_agencies"]["delivered_on"] == "2026-05-20"
    (n,) = Notification.objects.filter(kind=Kind.COORDINATION_DELIVERED)
    assert n.recipient == world.users["ministry_officer"]  # the lead agency's people
    assert world.hni_so.name in n.body and "20/05/2026" in n.body and "Đã gửi số liệu quý I" in n.body
    assert n.url == reverse("web:task_detail", args=[world.tasks["ministry"].pk]) + "#coordination"


def test_a_level_above_the_coordinating_agency_may_record_it(world, part):
    services.record_delivery(world.users["hni_officer"], part, D(2026, 5, 18))
    unchanged(part, delivered=D(2026, 5, 18))


@pytest.mark.parametrize("username", ["ministry_officer", "inspector", "hni_admin", "steering"])
def test_others_may_not_record_the_delivery(world, part, username):
    with pytest.raises(PermissionRefused) as exc:
        services.record_delivery(world.users[username], part)
    assert world.hni_so.name in str(exc.value)
    unchanged(part)
    assert not audit_rows("planning.coordination_delivered").exists()
    assert not Notification.objects.exists()


def test_the_delivery_date_cannot_be_in_the_future(world, part):
    with pytest.raises(ValidationFailed) as exc:
        services.record_delivery(world.users["hni_so_officer"], part, D(2026, 5, 21))
    assert exc.value.field == "delivered_on" and "20/05/2026" in str(exc.value)
    with pytest.raises(ValidationFailed) as exc:
        services.record_delivery(world.users["hni_so_officer"], part, "32/05/2026")
    assert exc.value.field == "delivered_on"
    with pytest.raises(ValidationFailed) as exc:
        services.record_delivery(world.users["hni_so_officer"], part, note="x" * 2001)
    assert exc.value.field == "note"
    unchanged(part)
    assert not Notification.objects.exists()


def test_a_second_delivery_is_refused_until_undone(world, part):
    officer = world.users["hni_so_officer"]
    services.record_delivery(officer, part, D(2026, 5, 1))
    with pytest.raises(Conflict):
        services.record_delivery(officer, part, D(2026, 5, 2))
    unchanged(part, delivered=D(2026, 5, 1))
    with pytest.raises(ValidationFailed) as exc:
        services.undo_delivery(officer, part, "sai")
    assert exc.value.field == "reason"
    with pytest.raises(PermissionRefused):
        services.undo_delivery(world.users["ministry_officer"], part, "Số liệu chưa đủ")
    unchanged(part, delivered=D(2026, 5, 1))
    services.undo_delivery(officer, part, "Số liệu gửi nhầm kỳ")
    unchanged(part)
    (row,) = audit_rows("planning.coordination_delivery_undone")
    assert (
        row.reason == "Số liệu gửi nhầm kỳ"
        and row.before["coordinating_agencies"]["delivered_on"] == "2026-05-01"
    )
    assert Notification.objects.filter(kind=Kind.COORDINATION_DELIVERED).count() == 2
    with pytest.raises(Conflict):
        services.undo_delivery(officer, part, "Số liệu gửi nhầm kỳ")


# --- the dates survive an edit of the task ----------------------------------------------------


def test_editing_the_task_keeps_the_parts_of_the_agencies_that_stay(world, part):
    services.set_coordination_due(world.users["ministry_officer"], part, D(2026, 9, 30))
    services.record_delivery(world.users["hni_so_officer"], part, D(2026, 5, 2))
    task = world.tasks["ministry"]
    task.refresh_from_db()
    update_task(
        world.users["ministry_officer"],
        task,
        expected_version=task.version,
        coordinating=[(world.hni_so, "Số liệu và báo cáo của Hà Nội"), (world.hcm, "")],
    )
    kept = TaskCoordination.objects.get(pk=part.pk)  # the same row
    assert (kept.due_date, kept.delivered_on, kept.sub_deliverable) == (
        D(2026, 9, 30),
        D(2026, 5, 2),
        "Số liệu và báo cáo của Hà Nội",
    )
    assert set(task.coordinations.values_list("agency_id", flat=True)) == {world.hni_so.pk, world.hcm.pk}
    task.refresh_from_db()
    update_task(
        world.users["ministry_officer"], task, expected_version=task.version, coordinating=[(world.hcm, "")]
    )
    assert not TaskCoordination.objects.filter(pk=part.pk).exists()


def test_the_excel_import_carries_the_dates_of_staying_agencies(world, part):
    part.due_date, part.delivered_on = D(2026, 9, 30), D(2026, 5, 2)
    part.save()
    task = world.tasks["ministry"]
    new = [
        TaskCoordination(task=task, agency=world.hni_so, sub_deliverable="Mới"),
        TaskCoordination(task=task, agency=world.hcm),
    ]
    services.carry_part_dates([task.pk], new)
    assert [(c.due_date, c.delivered_on) for c in new] == [(D(2026, 9, 30), D(2026, 5, 2)), (None, None)]


# --- the page -------------------------------------------------------------------------------


def client_for(world, username: str) -> Client:
    c = Client()
    c.force_login(world.users[username])
    return c


def part_url(world, agency=None, task="ministry") -> str:
    return reverse("planning:coordination_part", args=[world.tasks[task].pk, (agency or world.hni_so).pk])


def test_the_task_page_lists_the_parts_with_their_state(world, part):
    part.due_date = D(2026, 5, 10)
    part.save()
    html = client_for(world, "ministry_officer").get(
        reverse("web:task_detail", args=[world.tasks["ministry"].pk])
    )
    assert html.status_code == 200
    body = html.content.decode()
    assert 'id="coordination"' in body and 'data-part-state="late"' in body and "10/05/2026" in body
    assert part_url(world) in body


def test_the_lead_sets_the_due_date_on_the_page_with_the_message_next_to_the_field(world, part):
    c = client_for(world, "ministry_officer")
    page = c.get(part_url(world))
    assert page.status_code == 200
    assert b'data-form="due"' in page.content and b'data-form="deliver"' not in page.content
    bad = c.post(part_url(world), {"action": "due", "due-due_date": "01/01/2027"})
    assert bad.status_code == 200
    assert "31/12/2026" in bad.content.decode() and b"invalid-feedback" in bad.content
    not_a_date = c.post(part_url(world), {"action": "due", "due-due_date": "ba mươi"})
    assert not_a_date.status_code == 200 and b"invalid-feedback" in not_a_date.content
    unchanged(part)
    ok = c.post(part_url(world), {"action": "due", "due-due_date": "30/09/2026"})
    assert ok.status_code == 302 and ok["Location"].endswith("#coordination")
    unchanged(part, due=D(2026, 9, 30))


def test_the_coordinating_officer_records_and_undoes_the_delivery_on_the_page(world, part):
    c = client_for(world, "hni_so_officer")
    page = c.get(part_url(world))
    assert b'data-form="deliver"' in page.content and b'data-form="due"' not in page.content
    future = c.post(part_url(world), {"action": "deliver", "deliver-delivered_on": "21/05/2026"})
    assert future.status_code == 200 and b"invalid-feedback" in future.content
    unchanged(part)
    ok = c.post(
        part_url(world), {"action": "deliver", "deliver-delivered_on": "19/05/2026", "deliver-note": "Đã gửi"}
    )
    assert ok.status_code == 302
    unchanged(part, delivered=D(2026, 5, 19))
    page = c.get(part_url(world))
    assert b'data-form="undo"' in page.content and b"data-confirm" in page.content
    short = c.post(part_url(world), {"action": "undo", "undo-reason": "sai"})
    assert short.status_code == 200 and b"invalid-feedback" in short.content
    unchanged(part, delivered=D(2026, 5, 19))
    assert c.post(part_url(world), {"action": "undo", "undo-reason": "Gửi nhầm tài liệu"}).status_code == 302
    unchanged(part)


def test_the_page_refuses_what_the_user_may_not_do(world, part):
    # a visible part the user may not act on: shown read-only; a write is refused with the message
    c = client_for(world, "inspector")
    page = c.get(part_url(world))
    assert page.status_code == 200 and b"data-read-only" in page.content
    refused = c.post(part_url(world), {"action": "deliver", "deliver-delivered_on": "19/05/2026"})
    assert refused.status_code == 200 and world.hni_so.name in refused.content.decode()
    unchanged(part)
    # outside the scope, or an agency that does not coordinate the task: 404
    assert client_for(world, "hcm_officer").get(part_url(world)).status_code == 404
    assert client_for(world, "ministry_officer").get(part_url(world, agency=world.hcm)).status_code == 404
    unknown = client_for(world, "ministry_officer").post(part_url(world), {"action": "xoa"})
    assert unknown.status_code == 302
    unchanged(part)


# --- the API --------------------------------------------------------------------------------


def api_url(world, suffix="", agency=None, task="ministry") -> str:
    base = f"/api/v1/tasks/{world.tasks[task].pk}/coordinations"
    return base if suffix is None else f"{base}/{(agency or world.hni_so).pk}{suffix}"


def test_the_api_lists_sets_records_and_undoes(world, part, bearer):
    lead, coordinator = bearer("ministry_officer"), bearer("hni_so_officer")
    listed = lead.get(api_url(world, None))
    assert listed.status_code == 200
    assert listed.json() == [
        {
            "id": part.pk,
            "agency": {"id": world.hni_so.pk, "code": "HNI-SKHCN", "name": world.hni_so.name},
            "sub_deliverable": "Số liệu của Hà Nội",
            "due_date": None,
            "delivered_on": None,
            "state": "no_due_date",
            "state_label": "No due date",
            "days": 0,
        }
    ]
    r = lead.put(api_url(world, "/due"), {"due_date": "2026-05-10"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == "late" and r.json()["days"] == 10
    late = lead.put(api_url(world, "/due"), {"due_date": "2027-01-01"}, content_type="application/json")
    assert late.status_code == 400 and late["Content-Type"].startswith("application/problem+json")
    assert "due_date" in late.json()["errors"]
    refused = lead.post(api_url(world, "/delivery"), {}, content_type="application/json")
    assert refused.status_code == 403
    done = coordinator.post(api_url(world, "/delivery"), {"note": "Đã gửi"}, content_type="application/json")
    assert done.status_code == 201 and done.json()["delivered_on"] == "2026-05-20"
    assert done.json()["state"] == "delivered_late"
    again = coordinator.post(api_url(world, "/delivery"), {}, content_type="application/json")
    assert again.status_code == 409
    short = coordinator.post(
        api_url(world, "/delivery/undo"), {"reason": "x"}, content_type="application/json"
    )
    assert short.status_code == 400 and "reason" in short.json()["errors"]
    undone = coordinator.post(
        api_url(world, "/delivery/undo"), {"reason": "Gửi nhầm tài liệu"}, content_type="application/json"
    )
    assert undone.status_code == 200 and undone.json()["delivered_on"] is None
    unchanged(part, due=D(2026, 5, 10))


def test_the_api_answers_404_outside_the_scope(world, part, bearer):
    other = bearer("hcm_officer")
    assert other.get(api_url(world, None)).status_code == 404
    r = other.put(api_url(world, "/due"), {"due_date": "2026-09-30"}, content_type="application/json")
    assert r.status_code == 404
    assert (
        bearer("ministry_officer")
        .post(api_url(world, "/delivery", agency=world.hcm), {}, content_type="application/json")
        .status_code
        == 404
    )
    unchanged(part)
