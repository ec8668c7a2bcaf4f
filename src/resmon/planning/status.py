"""Task status, derived by one pure function and never typed in (PRODUCT.md).

Inputs: the date progress was first reported, the completion date, the current due date, the
day it is judged on, whether the task is ongoing, and its administrative state (active, paused,
cancelled – the last two set with a reason). Rules:

* paused / cancelled win over everything else;
* completed: on time if completed on or before the current due date (ongoing or undated: on time);
* not completed and the current due date has passed: overdue (started or not); ongoing tasks
  are never overdue;
* otherwise in progress once progress was reported, else not started.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskState(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    CANCELLED = "cancelled", _("Cancelled")


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress – on time")
    OVERDUE = "overdue", _("Overdue – not completed")
    DONE_ON_TIME = "done_on_time", _("Completed on time")
    DONE_LATE = "done_late", _("Completed late")
    PAUSED = "paused", _("Paused")
    CANCELLED = "cancelled", _("Cancelled")


def derive_status(
    *,
    first_progress_on: dt.date | None,
    completed_on: dt.date | None,
    due_date: dt.date | None,
    today: dt.date,
    ongoing: bool = False,
    state: str = TaskState.ACTIVE,
) -> TaskStatus:
    if state == TaskState.PAUSED:
        return TaskStatus.PAUSED
    if state == TaskState.CANCELLED:
        return TaskStatus.CANCELLED
    has_deadline = (not ongoing) and due_date is not None
    if completed_on is not None:
        if has_deadline and completed_on > due_date:  # type: ignore[operator]
            return TaskStatus.DONE_LATE
        return TaskStatus.DONE_ON_TIME
    if has_deadline and today > due_date:  # type: ignore[operator]
        return TaskStatus.OVERDUE
    if first_progress_on is not None and first_progress_on <= today:
        return TaskStatus.IN_PROGRESS
    return TaskStatus.NOT_STARTED


def status_expression(today: dt.date) -> models.Case:
    """The same rule as :func:`derive_status`, as a database expression, so lists can filter
    and count by status at national scale. A property test proves the two agree."""
    from django.db.models import Case, F, Q, Value, When

    has_deadline = Q(ongoing=False, due_date__isnull=False)
    return Case(
        When(state=TaskState.PAUSED, then=Value(TaskStatus.PAUSED.value)),
        When(state=TaskState.CANCELLED, then=Value(TaskStatus.CANCELLED.value)),
        When(
            Q(completed_on__isnull=False) & has_deadline & Q(completed_on__gt=F("due_date")),
            then=Value(TaskStatus.DONE_LATE.value),
        ),
        When(completed_on__isnull=False, then=Value(TaskStatus.DONE_ON_TIME.value)),
        When(has_deadline & Q(due_date__lt=today), then=Value(TaskStatus.OVERDUE.value)),
        When(
            first_progress_on__isnull=False,
            first_progress_on__lte=today,
            then=Value(TaskStatus.IN_PROGRESS.value),
        ),
        default=Value(TaskStatus.NOT_STARTED.value),
        output_field=models.CharField(),
    )
