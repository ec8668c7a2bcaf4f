"""Milestones (mốc tiến độ) of a task: add, edit, mark done, delete; each audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from resmon.audit.services import record, snapshot
from resmon.core import clock
from resmon.core.access import can
from resmon.core.errors import PermissionRefused, ValidationFailed

from ..models import Milestone, Task
from .tree import ensure_editable


def _task_for_change(actor: Any, task_id: int) -> Task:
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("lead_agency", "assigned_by", "program")
        .get(pk=task_id)
    )
    if not can(actor, "change", task):
        raise PermissionRefused(_("You may not change the milestones of this task."))
    return task


def _validate(task: Task, data: dict[str, Any]) -> dict[str, Any]:
    name = (data.get("name") or "").strip()
    if not name:
        raise ValidationFailed(_("A milestone needs a name."), field="name")
    data["name"] = name[:300]
    due = data.get("due_date")
    if not isinstance(due, dt.date):
        raise ValidationFailed(_("Give the milestone's due date."), field="due_date")
    if not task.ongoing and task.due_date is not None and due > task.due_date:
        raise ValidationFailed(
            _("The milestone's due date %(due)s is after the task's due date %(task_due)s.")
            % {"due": date_format(due, "d/m/Y"), "task_due": date_format(task.due_date, "d/m/Y")},
            field="due_date",
        )
    done = data.get("done_on")
    if done is not None:
        if not isinstance(done, dt.date):
            raise ValidationFailed(_("Enter a valid date."), field="done_on")
        if done > clock.today():
            raise ValidationFailed(_("The date it was done cannot be in the future."), field="done_on")
    return data


@transaction.atomic
def add_milestone(
    actor: Any, task: Task, *, name: str, due_date: dt.date | None, done_on: dt.date | None = None
) -> Milestone:
    task = _task_for_change(actor, task.pk)
    ensure_editable(task.program)
    data = _validate(task, {"name": name, "due_date": due_date, "done_on": done_on})
    position = task.milestones.count()
    milestone = Milestone.objects.create(task=task, position=position, **data)
    record(
        actor,
        "planning.milestone_added",
        milestone,
        after=snapshot(milestone),
        agency_path=task.lead_agency.path,
    )
    return milestone


@transaction.atomic
def update_milestone(actor: Any, milestone: Milestone, **fields: Any) -> Milestone:
    milestone = Milestone.objects.select_for_update(of=("self",)).get(pk=milestone.pk)
    task = _task_for_change(actor, milestone.task_id)
    ensure_editable(task.program)
    unknown = set(fields) - {"name", "due_date", "done_on"}
    if unknown:
        raise ValidationFailed(_("Unknown milestone fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    before = snapshot(milestone)
    merged = {"name": milestone.name, "due_date": milestone.due_date, "done_on": milestone.done_on} | fields
    data = _validate(task, merged)
    for key, value in data.items():
        setattr(milestone, key, value)
    milestone.save()
    record(
        actor,
        "planning.milestone_changed",
        milestone,
        before=before,
        after=snapshot(milestone),
        agency_path=task.lead_agency.path,
    )
    return milestone


def mark_milestone_done(actor: Any, milestone: Milestone, done_on: dt.date | None = None) -> Milestone:
    """Done today unless another (past) day is given."""
    return update_milestone(actor, milestone, done_on=done_on or clock.today())


@transaction.atomic
def delete_milestone(actor: Any, milestone: Milestone) -> None:
    milestone = Milestone.objects.select_for_update(of=("self",)).get(pk=milestone.pk)
    task = _task_for_change(actor, milestone.task_id)
    ensure_editable(task.program)
    record(
        actor,
        "planning.milestone_deleted",
        milestone,
        before=snapshot(milestone),
        agency_path=task.lead_agency.path,
    )
    milestone.delete()
