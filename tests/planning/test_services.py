import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from resmon.audit.models import AuditEntry
from resmon.core.errors import Conflict, PermissionRefused, ValidationFailed
from resmon.planning import services
from resmon.planning.models import Task
from resmon.planning.status import TaskState, TaskStatus


def audit_rows(action, task):
    return AuditEntry.objects.filter(action=action, object_type="planning.task", object_id=str(task.pk))


def test_province_officer_creates_task_for_its_commune(world):
    prog = world.tasks["hni"].program
    task = services.create_task(
        world.users["hni_officer"],
        program=prog,
        lead_agency=world.hni_xa_ubnd,
        title="Số hóa hồ sơ hành chính cấp xã",
        due_date=dt.date(2027, 3, 31),
        coordinating=[(world.hni_so, "Hướng dẫn nghiệp vụ")],
    )
    assert task.assigned_by == world.hni
    assert task.original_due_date == dt.date(2027, 3, 31)
    assert list(task.coordinating_agencies.all()) == [world.hni_so]
    row = audit_rows("planning.task_created", task).get()
    assert row.actor_name == "hni_officer" and row.after["title"] == "Số hóa hồ sơ hành chính cấp xã"


def test_create_task_refused_outside_write_scope(world):
    prog = world.tasks["hni"].program
    before = Task.objects.count()
    for name in ("hcm_officer", "xa_officer", "inspector", "hni_admin"):
        with pytest.raises(PermissionRefused):
            services.create_task(
                world.users[name],
                program=prog,
                lead_agency=world.hni_so,
                title="X",
                due_date=dt.date(2027, 1, 1),
            )
    assert Task.objects.count() == before
    assert not AuditEntry.objects.filter(action="planning.task_created").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  ", "due_date": dt.date(2027, 1, 1)}, "title"),
        ({"title": "Việc"}, "due_date"),
        ({"title": "Việc", "ongoing": True}, "review_period"),
        ({"title": "Việc", "due_date": dt.date(2027, 1, 1), "weight": "-1"}, "weight"),
        (
            {"title": "Việc", "due_date": dt.date(2027, 1, 1), "deliverable_type": "nonsense"},
            "deliverable_type",
        ),
    ],
)
def test_create_task_bad_input_refused_with_field_message(world, fields, field):
    before = Task.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.create_task(
            world.users["hni_officer"], program=world.tasks["hni"].program, lead_agency=world.hni_so, **fields
        )
    assert exc.value.field == field and str(exc.value)
    assert Task.objects.count() == before


def test_lead_agency_must_be_in_programme_subtree(world):
    with pytest.raises(ValidationFailed) as exc:
        services.create_task(
            world.users["hni_officer"],
            program=world.tasks["hni"].program,
            lead_agency=world.hcm_xa,
            title="Việc",
            due_date=dt.date(2027, 1, 1),
        )
    assert exc.value.field == "lead_agency"


def test_update_refuses_stale_version_and_names_who_changed(world):
    task = world.tasks["hni_so"]
    services.update_task(world.users["hni_officer"], task, expected_version=1, title="Tiêu đề mới")
    with pytest.raises(Conflict) as exc:
        services.update_task(world.users["hni_so_officer"], task, expected_version=1, title="Khác")
    assert "hni_officer" in str(exc.value)
    task.refresh_from_db()
    assert task.title == "Tiêu đề mới" and task.version == 2
    assert audit_rows("planning.task_updated", task).get().before["title"] != "Tiêu đề mới"


@time_machine.travel(dt.datetime(2026, 2, 1, 10, 0, tzinfo=dt.UTC))
def test_progress_on_leaf_moves_status_and_is_audited(world):
    task = world.tasks["hni_so"]
    assert task.status_on(dt.date(2026, 2, 1)) == TaskStatus.NOT_STARTED
    services.record_progress(world.users["hni_so_officer"], task, percent_done="40")
    task.refresh_from_db()
    assert task.percent_done == Decimal(40) and task.first_progress_on == dt.date(2026, 2, 1)
    assert task.status_on(dt.date(2026, 2, 1)) == TaskStatus.IN_PROGRESS
    assert audit_rows("planning.progress_recorded", task).count() == 1


def test_progress_refused_on_parent_out_of_range_and_for_non_lead(world):
    with pytest.raises(ValidationFailed):
        services.record_progress(world.users["hni_officer"], world.tasks["hni"], percent_done=10)
    with pytest.raises(ValidationFailed) as exc:
        services.record_progress(world.users["hni_so_officer"], world.tasks["hni_so"], percent_done=120)
    assert exc.value.field == "percent_done"
    with pytest.raises(PermissionRefused):
        services.record_progress(world.users["xa_officer"], world.tasks["hni_so"], percent_done=10)
    world.tasks["hni_so"].refresh_from_db()
    assert world.tasks["hni_so"].percent_done == 0
    assert not AuditEntry.objects.filter(action="planning.progress_recorded").exists()


def test_pause_needs_reason_and_assigning_agency(world):
    task = world.tasks["hni_xa"]
    with pytest.raises(ValidationFailed):
        services.set_task_state(world.users["hni_officer"], task, state=TaskState.PAUSED, reason="")
    with pytest.raises(PermissionRefused):
        services.set_task_state(
            world.users["xa_officer"], task, state=TaskState.CANCELLED, reason="Không cần"
        )
    services.set_task_state(world.users["hni_officer"], task, state=TaskState.PAUSED, reason="Chờ hướng dẫn")
    task.refresh_from_db()
    assert task.state == TaskState.PAUSED and task.state_reason == "Chờ hướng dẫn"
    assert audit_rows("planning.task_paused", task).get().reason == "Chờ hướng dẫn"
