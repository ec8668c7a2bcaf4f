"""Every write on programmes and tasks: permission, validation, write, audit row, one transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from resmon.audit.services import record, snapshot
from resmon.core import classified, clock
from resmon.core.access import can
from resmon.core.errors import PermissionRefused, ValidationFailed
from resmon.core.models import check_version

from ..models import ActionProgram, DeliverableType, ReviewPeriod, Task
from ..status import TaskState

EDITABLE_FIELDS = (
    "title",
    "description",
    "source_clause",
    "responsible_officer",
    "due_date",
    "ongoing",
    "review_period",
    "deliverable_type",
    "deliverable",
    "weight",
    "authority",
    "deadline_justification",
)


def _decimal(value: Any, field: str, low: Decimal, high: Decimal | None) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("Enter a number."), field=field) from None
    if not number.is_finite() or number < low or (high is not None and number > high):
        if high is None:
            msg = _("Enter a number of at least %(low)s.") % {"low": low}
        else:
            msg = _("Enter a number between %(low)s and %(high)s.") % {"low": low, "high": high}
        raise ValidationFailed(msg, field=field)
    return number


def _validate_task_fields(data: dict[str, Any]) -> dict[str, Any]:
    title = (data.get("title") or "").strip()
    if not title:
        raise ValidationFailed(_("A task needs a title that states the action and its scope."), field="title")
    data["title"] = title
    if data.get("ongoing"):
        data["due_date"] = None
        if data.get("review_period") not in ReviewPeriod.values:
            raise ValidationFailed(_("An ongoing task needs a review period."), field="review_period")
    elif not isinstance(data.get("due_date"), dt.date):
        raise ValidationFailed(_("Give a due date, or mark the task as ongoing."), field="due_date")
    if data.get("deliverable_type") and data["deliverable_type"] not in DeliverableType.values:
        raise ValidationFailed(_("Choose a deliverable type from the list."), field="deliverable_type")
    if "weight" in data:
        data["weight"] = _decimal(data["weight"], "weight", Decimal(0), Decimal(10000))
    classified.refuse_marked(**{name: value for name, value in data.items() if isinstance(value, str)})
    return data


@transaction.atomic
def create_task(
    actor: Any,
    *,
    program: ActionProgram,
    lead_agency: Any,
    parent: Task | None = None,
    coordinating: list[tuple[Any, str]] | None = None,
    code: str = "",
    **fields: Any,
) -> Task:
    """Add a task to a programme, assigned by the programme's agency to an agency in its subtree.
    Without a code, the task gets the next number among its siblings and goes last."""
    from .tree import check_coordinating, check_parent_deadline, ensure_editable, next_slot

    if not can(actor, "change", program):
        raise PermissionRefused(_("You may not add tasks to this programme."))
    ensure_editable(program)
    if not lead_agency.path.startswith(program.agency.path):
        raise ValidationFailed(
            _("The lead agency must belong to the programme's agency or the agencies under it."),
            field="lead_agency",
        )
    if parent is not None and parent.program_id != program.pk:
        raise ValidationFailed(_("The parent task belongs to another programme."), field="parent")
    data = validated_fields(fields)
    check_parent_deadline(parent, data)
    coordinating = check_coordinating(lead_agency, coordinating or [])
    code = (code or "").strip()
    position, auto_code = next_slot(program, parent)
    if code and Task.objects.filter(program=program, code=code).exists():
        raise ValidationFailed(
            _("Code %(code)s is already used in this programme; choose another one.") % {"code": code},
            field="code",
        )
    return insert_task(
        actor,
        "planning.task_created",
        program=program,
        parent=parent,
        code=code or auto_code,
        position=position,
        lead_agency=lead_agency,
        assigned_by=program.agency,
        data=data,
        coordinating=coordinating,
    )


def validated_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The editable fields of a new task, checked; unknown names are refused."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown task fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    return _validate_task_fields(dict(fields))


def insert_task(
    actor: Any,
    action: str,
    *,
    program: ActionProgram,
    parent: Task | None,
    code: str,
    position: int,
    lead_agency: Any,
    assigned_by: Any,
    data: dict[str, Any],
    coordinating: list[tuple[Any, str]],
) -> Task:
    """Write a checked new task with its coordinating agencies and its audit row."""
    task = Task.objects.create(
        program=program,
        resolution_id=program.resolution_id,
        parent=parent,
        code=code,
        position=position,
        lead_agency=lead_agency,
        assigned_by=assigned_by,
        original_due_date=data.get("due_date"),
        updated_by_name=actor.get_username(),
        **data,
    )
    for agency, sub_deliverable in coordinating:
        task.coordinations.create(agency=agency, sub_deliverable=sub_deliverable)
    after = snapshot(task) | {"coordinating": [[a.pk, d] for a, d in coordinating]}
    record(actor, action, task, after=after, agency_path=lead_agency.path)
    return task


@transaction.atomic
def update_task(
    actor: Any,
    task: Task,
    *,
    expected_version: int | None,
    lead_agency: Any = None,
    coordinating: list[tuple[Any, str]] | None = None,
    **fields: Any,
) -> Task:
    """Change a task's fields. ``lead_agency`` re-assigns it (inside the assigning agency's
    subtree; the audit row keeps the former lead); ``coordinating`` replaces the coordinating
    agencies with their sub-deliverables."""
    from .tree import check_coordinating, check_parent_deadline, ensure_editable

    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("lead_agency", "assigned_by", "program", "parent")
        .get(pk=task.pk)
    )
    if not can(actor, "change", task):
        raise PermissionRefused(_("You may not change this task."))
    ensure_editable(task.program)
    check_version(task, expected_version)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    before = snapshot(task) | {"coordinating": _coordinating_of(task)}
    merged = {f: getattr(task, f) for f in EDITABLE_FIELDS} | fields
    data = _validate_task_fields(merged)
    check_parent_deadline(task.parent, data)
    if lead_agency is not None and lead_agency.pk != task.lead_agency_id:
        if not lead_agency.path.startswith(task.assigned_by.path):
            raise ValidationFailed(
                _("The lead agency must be %(agency)s or an agency under it.")
                % {"agency": task.assigned_by.name},
                field="lead_agency",
            )
        task.lead_agency = lead_agency
    if coordinating is not None:
        coordinating = check_coordinating(task.lead_agency, coordinating)
    elif task.coordinations.filter(agency_id=task.lead_agency_id).exists():
        raise ValidationFailed(
            _("The lead agency cannot also be a coordinating agency."), field="coordinating_agencies"
        )
    for name, value in data.items():
        setattr(task, name, value)
    if task.original_due_date is None and task.due_date:
        task.original_due_date = task.due_date
    task.version += 1
    task.updated_by_name = actor.get_username()
    task.save()
    if coordinating is not None:
        from .coordination import replace_coordinations

        replace_coordinations(task, coordinating)  # staying agencies keep their parts' dates
    record(
        actor,
        "planning.task_updated",
        task,
        before=before,
        after=snapshot(task) | {"coordinating": _coordinating_of(task)},
        agency_path=task.lead_agency.path,
    )
    return task


def _coordinating_of(task: Task) -> list[list[Any]]:
    return [[c.agency_id, c.sub_deliverable] for c in task.coordinations.order_by("agency_id")]


@transaction.atomic
def record_progress(
    actor: Any,
    task: Task,
    *,
    percent_done: Any,
    completed_on: dt.date | None = None,
    expected_version: int | None = None,
) -> Task:
    """Percent done is entered on leaf tasks only, by the lead agency; parents are rolled up."""
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("lead_agency", "assigned_by")
        .get(pk=task.pk)
    )
    if not (can(actor, "report_progress", task) and actor.scope.writes(task.lead_agency.path)):
        raise PermissionRefused(_("Only the lead agency reports progress on this task."))
    check_version(task, expected_version)
    if task.children.exists():
        raise ValidationFailed(
            _(
                "Progress is entered on the lowest-level tasks; this task's progress is "
                "calculated from its sub-tasks."
            ),
            field="percent_done",
        )
    if task.state != TaskState.ACTIVE:
        raise ValidationFailed(_("This task is paused or cancelled; resume it before reporting progress."))
    percent = _decimal(percent_done, "percent_done", Decimal(0), Decimal(100))
    today = clock.today()
    if completed_on is not None and completed_on > today:
        raise ValidationFailed(_("The completion date cannot be in the future."), field="completed_on")
    if completed_on is not None:
        percent = Decimal(100)
    before = snapshot(task)
    task.percent_done = percent
    if task.first_progress_on is None and (percent > 0 or completed_on):
        task.first_progress_on = today
    task.completed_on = completed_on
    task.version += 1
    task.updated_by_name = actor.get_username()
    task.save()
    record(
        actor,
        "planning.progress_recorded",
        task,
        before=before,
        after=snapshot(task),
        agency_path=task.lead_agency.path,
    )
    return task


@transaction.atomic
def apply_reported_progress(
    task: Task,
    *,
    percent_done: Any,
    completed_on: dt.date | None,
    reported_on: dt.date,
    actor: Any,
    milestones: Any = (),
    reason: str = "",
) -> Task:
    """Apply what an accepted period report says about ``task``.

    No permission check here: the caller (the report's acceptance) has checked it. On a leaf
    task, ``percent_done`` (None keeps it) and ``completed_on`` (which sets 100 %) are written and
    ``first_progress_on`` is set the first time progress is above zero; a parent task's progress is
    rolled up, so for a parent both must be None. The ``milestones`` (ids of this task's
    milestones) not done yet are marked done on ``reported_on``. The task's status stays derived.
    One audit row "planning.progress_reported" when something changed; nothing otherwise."""
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("lead_agency", "assigned_by")
        .get(pk=task.pk)
    )
    is_parent = task.children.exists()
    if is_parent and (percent_done is not None or completed_on is not None):
        raise ValidationFailed(
            _(
                "Progress is entered on the lowest-level tasks; this task's progress is "
                "calculated from its sub-tasks."
            ),
            field="percent_done",
        )
    before = snapshot(task)
    changed = False
    if not is_parent:
        percent = (
            task.percent_done
            if percent_done is None
            else _decimal(percent_done, "percent_done", Decimal(0), Decimal(100))
        )
        if completed_on is not None:
            percent = Decimal(100)
        if percent != task.percent_done or completed_on != task.completed_on:
            changed = True
            task.percent_done = percent
            task.completed_on = completed_on
            if task.first_progress_on is None and (percent > 0 or completed_on):
                task.first_progress_on = min(reported_on, completed_on) if completed_on else reported_on
    done = sorted(
        task.milestones.filter(pk__in=list(milestones), done_on__isnull=True).values_list("pk", flat=True)
    )
    if done:
        task.milestones.filter(pk__in=done).update(done_on=reported_on)
    if not changed and not done:
        return task
    task.version += 1
    task.updated_by_name = actor.get_username()
    task.save()
    record(
        actor,
        "planning.progress_reported",
        task,
        before=before,
        after={**snapshot(task), "milestones_done": done},
        agency_path=task.lead_agency.path,
        reason=reason,
    )
    return task


@transaction.atomic
def set_task_state(actor: Any, task: Task, *, state: str, reason: str = "") -> Task:
    """Pause, cancel or resume a task; pausing and cancelling need a reason."""
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("lead_agency", "assigned_by")
        .get(pk=task.pk)
    )
    if not (can(actor, "change", task) and actor.scope.writes(task.assigned_by.path)):
        raise PermissionRefused(_("Only the assigning agency may pause, cancel or resume this task."))
    if state not in TaskState.values:
        raise ValidationFailed(_("Unknown task state."), field="state")
    reason = (reason or "").strip()
    classified.refuse_marked(state_reason=reason)
    if state != TaskState.ACTIVE and not reason:
        raise ValidationFailed(_("Give the reason for pausing or cancelling the task."), field="state_reason")
    before = snapshot(task)
    task.state = state
    task.state_reason = reason if state != TaskState.ACTIVE else ""
    task.version += 1
    task.updated_by_name = actor.get_username()
    task.save()
    record(
        actor,
        f"planning.task_{state}",
        task,
        before=before,
        after=snapshot(task),
        reason=reason,
        agency_path=task.lead_agency.path,
    )
    return task
