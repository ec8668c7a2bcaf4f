"""Deadline extensions: the lead asks, the assigning level decides; the original deadline stays."""

import datetime as dt

import pytest

from resmon.audit.models import AuditEntry
from resmon.core.errors import Conflict, PermissionRefused, ValidationFailed
from resmon.planning import selectors_kpis as selectors
from resmon.planning.models import DeadlineExtension, Task
from resmon.planning.services import extensions as services
from resmon.planning.status import TaskStatus

D = dt.date
pytestmark = pytest.mark.django_db


def ask(
    world, user="ministry_officer", task="ministry", proposed=D(2027, 6, 30), reason="Chờ Nghị định hướng dẫn"
):
    return services.request_extension(world.users[user], world.tasks[task], proposed, reason)


def test_request_is_recorded_and_listed_for_the_assigning_level(world):
    ext = ask(world)
    assert ext.status == DeadlineExtension.Status.PENDING
    assert ext.current_due_date == D(2026, 12, 31)
    assert AuditEntry.objects.get(action="planning.extension_requested").reason == "Chờ Nghị định hướng dẫn"
    assert list(selectors.extensions_to_decide(world.users["national_leader"])) == [ext]
    for other in ("ministry_officer", "hni_leader", "inspector", "steering", "vptw_officer"):
        assert not selectors.extensions_to_decide(world.users[other]).exists(), other
    assert list(selectors.task_extensions(world.users["ministry_officer"], world.tasks["ministry"])) == [ext]
    assert not selectors.task_extensions(world.users["hcm_officer"], world.tasks["ministry"]).exists()


@pytest.mark.parametrize("user", ["inspector", "hcm_officer", "hni_admin", "vptw_officer", "xa2_officer"])
def test_only_the_lead_side_may_ask(world, user):
    with pytest.raises(PermissionRefused):
        ask(world, user=user, task="hni_xa")
    assert not DeadlineExtension.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="planning.extension").exists()


def test_commune_officer_asks_for_its_task(world):
    assert ask(world, user="xa_officer", task="hni_xa").task == world.tasks["hni_xa"]


@pytest.mark.parametrize(
    ("change", "kw", "message"),
    [
        ({}, {"proposed": D(2026, 12, 31)}, "after the current deadline, 31/12/2026"),
        ({}, {"proposed": None}, "proposed new deadline"),
        ({}, {"reason": "   "}, "reason"),
        ({"completed_on": D(2025, 5, 1)}, {}, "completed"),
        ({"state": "cancelled", "state_reason": "x"}, {}, "cancelled"),
        ({"ongoing": True, "due_date": None}, {}, "no deadline"),
    ],
)
def test_bad_requests_are_refused(world, change, kw, message):
    Task.objects.filter(pk=world.tasks["ministry"].pk).update(**change)
    world.tasks["ministry"].refresh_from_db()
    with pytest.raises(ValidationFailed, match=message):
        ask(world, **kw)
    assert not DeadlineExtension.objects.exists()


def test_one_pending_request_at_a_time(world):
    ask(world)
    with pytest.raises(Conflict):
        ask(world, proposed=D(2027, 12, 31))
    assert DeadlineExtension.objects.count() == 1


def test_grant_moves_the_deadline_keeps_the_original_and_the_status_follows(world):
    task = world.tasks["hni_xa"]  # due 30/09/2026
    Task.objects.filter(pk=task.pk).update(first_progress_on=D(2026, 1, 5), original_due_date=None)
    after_deadline = D(2026, 10, 15)
    task.refresh_from_db()
    assert task.status_on(after_deadline) == TaskStatus.OVERDUE
    ext = ask(world, user="xa_officer", task="hni_xa", proposed=D(2026, 12, 31))
    version = task.version
    services.decide_extension(world.users["hni_leader"], ext, True, "Đồng ý")
    task.refresh_from_db()
    assert task.due_date == D(2026, 12, 31)
    assert task.original_due_date == D(2026, 9, 30)
    assert task.version == version + 1
    assert task.status_on(after_deadline) == TaskStatus.IN_PROGRESS
    ext.refresh_from_db()
    assert (
        ext.status == "granted"
        and ext.decided_by == world.users["hni_leader"]
        and ext.decision_note == "Đồng ý"
    )
    assert AuditEntry.objects.filter(action="planning.extension_granted", object_id=str(ext.pk)).exists()
    entry = AuditEntry.objects.get(action="planning.task_deadline_extended", object_id=str(task.pk))
    assert entry.before["due_date"] == "2026-09-30" and entry.after["due_date"] == "2026-12-31"
    # the parent is due 30/06/2026: the extension's reason becomes the justification
    assert "Chờ Nghị định hướng dẫn" in task.deadline_justification
    # a second extension keeps the first original deadline
    ext2 = ask(world, user="xa_officer", task="hni_xa", proposed=D(2027, 3, 31))
    services.decide_extension(world.users["hni_officer"], ext2, True)
    task.refresh_from_db()
    assert (task.original_due_date, task.due_date) == (D(2026, 9, 30), D(2027, 3, 31))


def test_refuse_needs_a_note_and_leaves_the_task_alone(world):
    ext = ask(world)
    leader = world.users["national_leader"]
    with pytest.raises(ValidationFailed, match="reason for refusing"):
        services.decide_extension(leader, ext, False, " ")
    ext.refresh_from_db()
    assert ext.status == "pending"
    services.decide_extension(leader, ext, False, "Không đủ căn cứ")
    ext.refresh_from_db()
    assert ext.status == "refused"
    world.tasks["ministry"].refresh_from_db()
    assert world.tasks["ministry"].due_date == D(2026, 12, 31)
    assert AuditEntry.objects.get(action="planning.extension_refused").reason == "Không đủ căn cứ"
    assert not AuditEntry.objects.filter(action="planning.task_deadline_extended").exists()
    with pytest.raises(Conflict):
        services.decide_extension(leader, ext, True)


@pytest.mark.parametrize("user", ["ministry_officer", "hni_leader", "inspector", "steering", "hni_admin"])
def test_only_the_assigning_level_decides(world, user):
    ext = ask(world)
    with pytest.raises(PermissionRefused):
        services.decide_extension(world.users[user], ext, True)
    ext.refresh_from_db()
    assert ext.status == "pending"
    assert not AuditEntry.objects.filter(action="planning.extension_granted").exists()


def test_nobody_decides_their_own_request(world):
    # the assigning level cannot ask itself: Hà Nội assigned task "hni" to its People's Committee
    with pytest.raises(PermissionRefused):
        ask(world, user="hni_officer", task="hni")
    ask(world, user="hni_so_officer", task="hni_so")
    assert not selectors.extensions_to_decide(world.users["hni_so_officer"]).exists()
    assert selectors.extensions_to_decide(world.users["hni_leader"]).exists()


def test_withdraw_by_the_requester_only(world):
    ext = ask(world)
    with pytest.raises(PermissionRefused):
        services.withdraw_extension(world.users["national_leader"], ext)
    services.withdraw_extension(world.users["ministry_officer"], ext)
    assert not DeadlineExtension.objects.exists()
    assert AuditEntry.objects.get(action="planning.extension_withdrawn").object_id == str(ext.pk)
    ext2 = ask(world)
    services.decide_extension(world.users["national_leader"], ext2, False, "Không")
    with pytest.raises(Conflict):
        services.withdraw_extension(world.users["ministry_officer"], ext2)


def test_the_assigning_level_does_not_ask_itself_for_an_extension(world):
    """Hà Nội assigned the commune's task: its officer decides extensions there, never requests them."""
    from resmon.planning.services import extensions

    task = world.tasks["hni_xa"]
    assert extensions.may_request(world.users["xa_officer"], task)
    assert not extensions.may_request(world.users["hni_officer"], task)
    assert extensions.may_decide(world.users["hni_officer"], task)
