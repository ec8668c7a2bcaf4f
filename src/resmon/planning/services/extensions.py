"""Deadline extensions (gia hạn): the lead agency asks, the assigning level grants or refuses.

The task keeps its original deadline (``original_due_date``); a grant moves ``due_date`` only,
so reports can show both, and the derived status follows the current deadline.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from resmon.audit.services import record, snapshot
from resmon.core import clock
from resmon.core.access import Role, can
from resmon.core.errors import Conflict, PermissionRefused, ValidationFailed

from ..models import DeadlineExtension, Task
from ..status import TaskState
from . import notices

DECIDING_ROLES = {Role.LEADER, Role.FOCAL_OFFICER}
MAX_TEXT = 4000


def _day(value: dt.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def may_request(actor: Any, task: Task) -> bool:
    """The lead side: a leader or focal officer whose write scope covers the lead agency but not
    the assigning agency (the assigning level decides; it does not ask itself)."""
    return (
        can(actor, "change", task)
        and actor.scope.writes(task.lead_agency.path)
        and not actor.scope.writes(task.assigned_by.path)
    )


def may_decide(actor: Any, task: Task) -> bool:
    """The assigning level: a leader or focal officer whose write scope covers the assigning agency."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    scope = actor.scope
    if scope.role == Role.SYSTEM_ADMIN:
        return True
    return scope.role in DECIDING_ROLES and scope.writes(task.assigned_by.path)


def _locked_task(task: Task) -> Task:
    return (
        Task.objects.select_for_update(of=("self",))
        .select_related("lead_agency", "assigned_by", "parent")
        .get(pk=task.pk)
    )


def _extension_snapshot(ext: DeadlineExtension) -> dict[str, Any]:
    return snapshot(ext)


@transaction.atomic
def request_extension(actor: Any, task: Task, proposed_due_date: Any, reason: str) -> DeadlineExtension:
    task = _locked_task(task)
    if not may_request(actor, task):
        raise PermissionRefused(_("Only the lead agency may ask for a later deadline on this task."))
    if task.completed_on is not None:
        raise ValidationFailed(_("This task is completed; its deadline can no longer be extended."))
    if task.state == TaskState.CANCELLED:
        raise ValidationFailed(_("This task is cancelled; its deadline can no longer be extended."))
    if task.ongoing or task.due_date is None:
        raise ValidationFailed(_("This task has no deadline to extend."))
    if not isinstance(proposed_due_date, dt.date) or isinstance(proposed_due_date, dt.datetime):
        raise ValidationFailed(_("Give the proposed new deadline."), field="proposed_due_date")
    if proposed_due_date <= task.due_date:
        raise ValidationFailed(
            _("The proposed deadline must be after the current deadline, %(due)s.")
            % {"due": _day(task.due_date)},
            field="proposed_due_date",
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give the reason for asking for more time."), field="reason")
    if len(reason) > MAX_TEXT:
        raise ValidationFailed(_("Keep the reason under %(n)s characters.") % {"n": MAX_TEXT}, field="reason")
    if task.extensions.filter(status=DeadlineExtension.Status.PENDING).exists():
        raise Conflict(
            _("A request to extend this deadline is already awaiting a decision."),
            code="extension_pending",
        )
    ext = DeadlineExtension.objects.create(
        task=task,
        requested_by=actor,
        current_due_date=task.due_date,
        proposed_due_date=proposed_due_date,
        reason=reason,
    )
    record(
        actor,
        "planning.extension_requested",
        ext,
        after=_extension_snapshot(ext),
        reason=reason,
        agency_path=task.lead_agency.path,
        object_repr=f"{task}: {_day(task.due_date)} → {_day(proposed_due_date)}",
    )
    notices.extension_requested(actor, ext, task)
    return ext


@transaction.atomic
def decide_extension(
    actor: Any, extension: DeadlineExtension, grant: bool, note: str = ""
) -> DeadlineExtension:
    ext = DeadlineExtension.objects.select_for_update(of=("self",)).get(pk=extension.pk)
    task = _locked_task(ext.task)
    if not may_decide(actor, task):
        raise PermissionRefused(_("Only the assigning agency may decide on this request."))
    if ext.requested_by_id == actor.pk:
        raise PermissionRefused(_("You cannot decide on your own request."))
    if ext.status != DeadlineExtension.Status.PENDING:
        raise Conflict(_("This request has already been decided."), code="already_decided")
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise ValidationFailed(_("Keep the note under %(n)s characters.") % {"n": MAX_TEXT}, field="note")
    if not grant and not note:
        raise ValidationFailed(_("Give the reason for refusing the request."), field="note")
    if grant:
        if task.completed_on is not None or task.state == TaskState.CANCELLED:
            raise ValidationFailed(_("The task is completed or cancelled; refuse the request instead."))
        if task.ongoing or task.due_date is None or ext.proposed_due_date <= task.due_date:
            raise ValidationFailed(
                _("The task's deadline has changed since the request; refuse it and ask for a new one.")
            )
    before = _extension_snapshot(ext)
    ext.status = DeadlineExtension.Status.GRANTED if grant else DeadlineExtension.Status.REFUSED
    ext.decided_by = actor
    ext.decided_at = clock.now()
    ext.decision_note = note
    ext.save()
    repr_ = f"{task}: {_day(ext.current_due_date)} → {_day(ext.proposed_due_date)}"
    record(
        actor,
        "planning.extension_granted" if grant else "planning.extension_refused",
        ext,
        before=before,
        after=_extension_snapshot(ext),
        reason=note,
        agency_path=task.lead_agency.path,
        object_repr=repr_,
    )
    if grant:
        task_before = snapshot(task)
        if task.original_due_date is None:
            task.original_due_date = task.due_date
        task.due_date = ext.proposed_due_date
        parent = task.parent
        if (
            parent is not None
            and parent.due_date is not None
            and task.due_date > parent.due_date
            and not task.deadline_justification.strip()
        ):
            task.deadline_justification = _("Deadline extended: %(reason)s") % {"reason": ext.reason}
        task.version += 1
        task.updated_by_name = actor.get_username()
        task.save()
        record(
            actor,
            "planning.task_deadline_extended",
            task,
            before=task_before,
            after=snapshot(task),
            reason=ext.reason,
            agency_path=task.lead_agency.path,
        )
    notices.extension_decided(actor, ext, task)
    return ext


@transaction.atomic
def withdraw_extension(actor: Any, extension: DeadlineExtension) -> None:
    """The requester takes back a request still awaiting a decision; the audit log keeps it."""
    ext = (
        DeadlineExtension.objects.select_for_update(of=("self",))
        .select_related("task__lead_agency")
        .get(pk=extension.pk)
    )
    if actor is None or ext.requested_by_id != actor.pk:
        raise PermissionRefused(_("Only the person who asked may withdraw this request."))
    if ext.status != DeadlineExtension.Status.PENDING:
        raise Conflict(_("This request has already been decided."), code="already_decided")
    before = _extension_snapshot(ext)
    pk = ext.pk
    path = ext.task.lead_agency.path
    repr_ = f"{ext.task}: {_day(ext.current_due_date)} → {_day(ext.proposed_due_date)}"
    ext.delete()
    record(
        actor,
        "planning.extension_withdrawn",
        None,
        before=before,
        agency_path=path,
        object_type=DeadlineExtension._meta.label_lower,
        object_id=str(pk),
        object_repr=repr_,
    )
