"""A coordinating agency's part of a task (phần việc của cơ quan phối hợp): its due date, set by
the task's lead or assigning agency while planning, and its delivery, recorded (or undone, with a
reason) by the coordinating agency itself. Each write is checked, audited on the task's trail,
and the lead agency is told of a delivery.

Who may do what:

* the due date: whoever may change the task (``can(actor, "change", task)``: leaders and focal
  officers of the lead or assigning agency, or above), while the programme is a draft or has an
  open amendment; not after the task's own due date;
* the delivery and its undoing: the leaders and focal officers of the coordinating agency (or of
  an agency above it); the date is not in the future.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from resmon.audit.services import record
from resmon.core import clock
from resmon.core.access import Role, can, visible_to
from resmon.core.dates import parse_date
from resmon.core.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from resmon.notifications import services as notifications
from resmon.notifications.models import Kind

from ..models import Task, TaskCoordination
from .tree import ensure_editable

DELIVERING_ROLES = frozenset({Role.LEADER, Role.FOCAL_OFFICER})
NOTE_MAX = 2000
REASON_MIN = 5
AUDIT_KEY = "coordinating_agencies"  # the task field the trail names ("coordinating agencies")


def _signed_in(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", True)


def _day(value: dt.date) -> str:
    return date_format(value, "d/m/Y")


def _task_name(task: Task) -> str:
    return f"{task.code} {task.title}".strip() if task.code else task.title


def _locked(actor: Any, coordination: TaskCoordination | int) -> TaskCoordination:
    """The coordination re-read with a row lock, its task through the actor's scope (a 404 otherwise)."""
    try:
        c = (
            TaskCoordination.objects.select_for_update(of=("self",))
            .select_related("agency", "task", "task__lead_agency", "task__assigned_by", "task__program")
            .get(pk=getattr(coordination, "pk", coordination))
        )
    except (TaskCoordination.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Not found, or you do not have access to it.")) from None
    if not visible_to(actor, Task.objects.filter(pk=c.task_id)).exists():
        raise NotFound(_("Not found, or you do not have access to it."))
    return c


def _state(c: TaskCoordination) -> dict[str, Any]:
    return {
        AUDIT_KEY: {
            "agency": c.agency_id,
            "sub_deliverable": c.sub_deliverable,
            "due_date": c.due_date.isoformat() if c.due_date else None,
            "delivered_on": c.delivered_on.isoformat() if c.delivered_on else None,
        }
    }


def _date(value: Any, field: str, missing: str, *, optional: bool = False) -> dt.date | None:
    if isinstance(value, str):
        text = value.strip()
        if not text and optional:
            return None
        parsed = parse_date(text)
        if parsed is None:
            if not text:
                raise ValidationFailed(missing, field=field)
            raise ValidationFailed(
                _("“%(value)s” is not a date; write it as dd/mm/yyyy.") % {"value": text[:40]}, field=field
            )
        return parsed
    if value is None:
        if optional:
            return None
        raise ValidationFailed(missing, field=field)
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationFailed(missing, field=field)
    return value


def may_set_due(actor: Any, coordination: TaskCoordination) -> bool:
    """Whether the actor may set this part's due date now (for the page's form)."""
    return (
        _signed_in(actor)
        and can(actor, "change", coordination.task)
        and not _program_locked(coordination.task)
    )


def _program_locked(task: Task) -> bool:
    try:
        ensure_editable(task.program)
    except ValidationFailed:
        return True
    return False


def may_deliver(actor: Any, coordination: TaskCoordination) -> bool:
    """A leader or focal officer of the coordinating agency (or of an agency above it)."""
    return (
        _signed_in(actor)
        and actor.scope.role in DELIVERING_ROLES
        and actor.scope.writes(coordination.agency.path)
    )


@transaction.atomic
def set_coordination_due(actor: Any, coordination: TaskCoordination, due_date: Any) -> TaskCoordination:
    """Set (or, with an empty value, clear) the date the coordinating agency's part is due."""
    c = _locked(actor, coordination)
    task = c.task
    if not can(actor, "change", task):
        raise PermissionRefused(
            _(
                "Only the lead agency or the assigning agency of this task may set the due dates of its "
                "coordinating agencies' parts."
            )
        )
    ensure_editable(task.program)
    due = _date(
        due_date,
        "due_date",
        _("Give the date %(agency)s's part is due, as dd/mm/yyyy.") % {"agency": c.agency.name},
        optional=True,
    )
    if due is not None and not task.ongoing and task.due_date is not None and due > task.due_date:
        raise ValidationFailed(
            _(
                "%(agency)s's part cannot be due after the task itself (%(task_due)s); choose "
                "%(task_due)s or an earlier date."
            )
            % {"agency": c.agency.name, "task_due": _day(task.due_date)},
            field="due_date",
        )
    if due == c.due_date:
        return c
    before = _state(c)
    c.due_date = due
    c.save(update_fields=["due_date"])
    record(
        actor,
        "planning.coordination_due_set",
        task,
        before=before,
        after=_state(c),
        agency_path=task.lead_agency.path,
    )
    return c


@transaction.atomic
def record_delivery(
    actor: Any, coordination: TaskCoordination, delivered_on: Any = None, note: str = ""
) -> TaskCoordination:
    """The coordinating agency has delivered its part (today unless another past day is given)."""
    c = _locked(actor, coordination)
    if not may_deliver(actor, c):
        raise PermissionRefused(
            _("Only the leaders and focal officers of %(agency)s may record the delivery of its part.")
            % {"agency": c.agency.name}
        )
    if c.delivered_on is not None:
        raise Conflict(
            _("%(agency)s's part was already recorded as delivered on %(day)s; undo that first to change it.")
            % {"agency": c.agency.name, "day": _day(c.delivered_on)},
            code="already_delivered",
        )
    today = clock.today()
    day = (
        today
        if delivered_on in (None, "")
        else _date(delivered_on, "delivered_on", _("Give the date the part was delivered, as dd/mm/yyyy."))
    )
    assert day is not None
    if day > today:
        raise ValidationFailed(
            _("The delivery date cannot be in the future; choose %(today)s or an earlier date.")
            % {"today": _day(today)},
            field="delivered_on",
        )
    note = str(note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(
            _("The note is too long: at most %(n)s characters.") % {"n": NOTE_MAX}, field="note"
        )
    before = _state(c)
    c.delivered_on = day
    c.save(update_fields=["delivered_on"])
    task = c.task
    record(
        actor,
        "planning.coordination_delivered",
        task,
        before=before,
        after=_state(c),
        agency_path=task.lead_agency.path,
        reason=note,
    )
    body = _("%(agency)s recorded its part%(part)s as delivered on %(day)s.") % {
        "agency": c.agency.name,
        "part": f" “{c.sub_deliverable}”" if c.sub_deliverable else "",
        "day": _day(day),
    }
    if note:
        body += " " + _("Note: %(note)s") % {"note": note}
    notifications.notify_agency(
        task.lead_agency,
        kind=Kind.COORDINATION_DELIVERED,
        title=_("Coordinating agency's part delivered: %(task)s") % {"task": _task_name(task)},
        body=body,
        url=reverse("web:task_detail", args=[task.pk]) + "#coordination",
        actor=actor,
    )
    return c


@transaction.atomic
def undo_delivery(actor: Any, coordination: TaskCoordination, reason: str) -> TaskCoordination:
    """The delivery was recorded by mistake (or the part came back): it is open again."""
    c = _locked(actor, coordination)
    if not may_deliver(actor, c):
        raise PermissionRefused(
            _("Only the leaders and focal officers of %(agency)s may undo the delivery of its part.")
            % {"agency": c.agency.name}
        )
    if c.delivered_on is None:
        raise Conflict(
            _("%(agency)s's part is not recorded as delivered; there is nothing to undo.")
            % {"agency": c.agency.name},
            code="not_delivered",
        )
    reason = str(reason or "").strip()
    if len(reason) < REASON_MIN:
        raise ValidationFailed(
            _("Say why the delivery is undone (at least %(n)s characters).") % {"n": REASON_MIN},
            field="reason",
        )
    if len(reason) > NOTE_MAX:
        raise ValidationFailed(
            _("The reason is too long: at most %(n)s characters.") % {"n": NOTE_MAX}, field="reason"
        )
    before = _state(c)
    delivered = c.delivered_on
    c.delivered_on = None
    c.save(update_fields=["delivered_on"])
    task = c.task
    record(
        actor,
        "planning.coordination_delivery_undone",
        task,
        before=before,
        after=_state(c),
        agency_path=task.lead_agency.path,
        reason=reason,
    )
    notifications.notify_agency(
        task.lead_agency,
        kind=Kind.COORDINATION_DELIVERED,
        title=_("Delivery withdrawn: %(task)s") % {"task": _task_name(task)},
        body=_("%(agency)s withdrew the delivery of its part recorded on %(day)s. Reason: %(reason)s")
        % {"agency": c.agency.name, "day": _day(delivered), "reason": reason},
        url=reverse("web:task_detail", args=[task.pk]) + "#coordination",
        actor=actor,
    )
    return c


# --- keeping the parts' dates when a task's coordinating agencies are replaced ------------------


def replace_coordinations(task: Task, coordinating: list[tuple[Any, str]]) -> None:
    """Make ``coordinating`` (agency, sub-deliverable) the task's coordinating agencies. An agency
    that stays keeps its row, so its part's due date and delivery (and what refers to it) stay."""
    current = {c.agency_id: c for c in task.coordinations.all()}
    wanted = {agency.pk for agency, _sub in coordinating}
    task.coordinations.exclude(agency_id__in=wanted).delete()
    for agency, sub_deliverable in coordinating:
        row = current.get(agency.pk)
        if row is None:
            task.coordinations.create(agency=agency, sub_deliverable=sub_deliverable)
        elif row.sub_deliverable != sub_deliverable:
            row.sub_deliverable = sub_deliverable
            row.save(update_fields=["sub_deliverable"])


def carry_part_dates(task_ids: list[int], new_rows: list[TaskCoordination]) -> None:
    """Before the rows of ``task_ids`` are replaced by ``new_rows`` (the Excel import), copy each
    staying agency's due date and delivery onto its new row."""
    dates = {
        (task_id, agency_id): (due, delivered)
        for task_id, agency_id, due, delivered in TaskCoordination.objects.filter(task_id__in=task_ids)
        .exclude(due_date__isnull=True, delivered_on__isnull=True)
        .values_list("task_id", "agency_id", "due_date", "delivered_on")
    }
    for row in new_rows:
        row.due_date, row.delivered_on = dates.get((row.task_id, row.agency_id), (None, None))
