"""What planning tells people: the notifications its writes send, composed in one place.

Each function runs inside the calling service's transaction, after its audit row; the inbox rows
commit with the change and e-mail leaves after the commit (see notifications.services.notify).
Messages are gettext strings; the Vietnamese content (task titles, agency names) is interpolated.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from resmon.notifications import services as notifications
from resmon.notifications.models import Kind

from ..models import ActionProgram, DeadlineExtension, Task


def _day(value: Any) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else _("no fixed deadline")


def _task_name(task: Task) -> str:
    return f"{task.code} {task.title}".strip() if task.code else task.title


def subtask_assigned(actor: Any, task: Task) -> None:
    """A sub-task assigned to an agency: its leaders and focal officers are told."""
    parent = task.parent
    notifications.notify_agency(
        task.lead_agency,
        kind=Kind.TASK_ASSIGNED,
        title=_("New task for %(agency)s: %(task)s")
        % {"agency": task.lead_agency.name, "task": _task_name(task)},
        body=_("%(assigner)s assigned this task under “%(parent)s”. Deadline: %(due)s.")
        % {
            "assigner": task.assigned_by.name,
            "parent": _task_name(parent) if parent else "",
            "due": _day(None if task.ongoing else task.due_date),
        },
        url=reverse("web:task_detail", args=[task.pk]),
        actor=actor,
    )


def extension_requested(actor: Any, ext: DeadlineExtension, task: Task) -> None:
    """A later deadline asked for: the assigning agency's leaders and focal officers decide."""
    notifications.notify_agency(
        task.assigned_by,
        kind=Kind.EXTENSION_REQUESTED,
        title=_("Deadline extension requested: %(task)s") % {"task": _task_name(task)},
        body=_("%(agency)s asks to move the deadline from %(current)s to %(proposed)s. Reason: %(reason)s")
        % {
            "agency": task.lead_agency.name,
            "current": _day(ext.current_due_date),
            "proposed": _day(ext.proposed_due_date),
            "reason": ext.reason,
        },
        url=reverse("planning:extension_detail", args=[ext.pk]),
        actor=actor,
    )


def extension_decided(actor: Any, ext: DeadlineExtension, task: Task) -> None:
    """The decision goes back to the person who asked."""
    granted = ext.status == DeadlineExtension.Status.GRANTED
    if granted:
        title = _("Deadline extension granted: %(task)s") % {"task": _task_name(task)}
        body = _("The new deadline is %(due)s.") % {"due": _day(ext.proposed_due_date)}
    else:
        title = _("Deadline extension refused: %(task)s") % {"task": _task_name(task)}
        body = _("The deadline stays %(due)s. Reason: %(note)s") % {
            "due": _day(ext.current_due_date),
            "note": ext.decision_note,
        }
    notifications.notify(
        [ext.requested_by],
        Kind.EXTENSION_DECIDED,
        title,
        body,
        reverse("planning:extension_detail", args=[ext.pk]),
        actor=actor,
    )


def program_issued(actor: Any, program: ActionProgram) -> None:
    """An issued programme: the agencies leading its top-level tasks are told, one notification
    per person however many of the tasks their agency leads."""
    lead_ids = (
        Task.objects.filter(program=program, parent__isnull=True)
        .values_list("lead_agency_id", flat=True)
        .distinct()
    )
    agencies = type(program.agency).objects.filter(pk__in=lead_ids)
    notifications.notify_agencies(
        agencies,
        kind=Kind.PROGRAM_ISSUED,
        title=_("Programme issued: %(number)s %(title)s")
        % {"number": program.number, "title": program.title},
        body=_("%(agency)s issued the programme on %(day)s; your agency leads tasks in it.")
        % {"agency": program.agency.name, "day": _day(program.issued_on)},
        url=reverse("web:program_detail", args=[program.pk]),
        actor=actor,
    )
