"""Reads of the coordinating agencies' parts of a task (their due dates and deliveries); the task
is always read through the user's scope first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from resmon.core import clock
from resmon.core.errors import NotFound

from .models import Task, TaskCoordination
from .selectors import get_task


class PartState(models.TextChoices):
    NO_DUE_DATE = "no_due_date", _("No due date")
    DUE = "due", _("Due – not delivered yet")
    LATE = "late", _("Late – not delivered")
    DELIVERED = "delivered", _("Delivered on time")
    DELIVERED_LATE = "delivered_late", _("Delivered late")


@dataclass(frozen=True)
class PartStatus:
    state: str
    days: int = 0  # LATE: days past the due date; DUE: days left; DELIVERED_LATE: days late

    @property
    def label(self) -> str:
        return str(PartState(self.state).label)


def part_status(due: dt.date | None, delivered_on: dt.date | None, today: dt.date) -> PartStatus:
    """The state of a part, derived from its dates (never typed in), like a task's status."""
    if delivered_on is not None:
        if due is not None and delivered_on > due:
            return PartStatus(PartState.DELIVERED_LATE, (delivered_on - due).days)
        return PartStatus(PartState.DELIVERED)
    if due is None:
        return PartStatus(PartState.NO_DUE_DATE)
    if due < today:
        return PartStatus(PartState.LATE, (today - due).days)
    return PartStatus(PartState.DUE, (due - today).days)


def parts(task: Task, today: dt.date | None = None) -> list[TaskCoordination]:
    """The coordinating agencies of a visible task with their parts, each with ``status``."""
    today = today or clock.today()
    rows = list(task.coordinations.select_related("agency").order_by("agency__path"))
    for c in rows:
        c.status = part_status(c.due_date, c.delivered_on, today)  # type: ignore[attr-defined]
    return rows


def get_part(user: Any, task_id: Any, agency_id: Any) -> TaskCoordination:
    """One coordinating agency's part of a task the user sees; NotFound (a 404) otherwise."""
    task = get_task(user, task_id)
    found = None
    if str(agency_id).isdigit() and len(str(agency_id)) < 19:
        found = task.coordinations.select_related("agency").filter(agency_id=int(agency_id)).first()
    if found is None:
        raise NotFound(_("This agency does not coordinate this task."))
    found.task = task
    found.status = part_status(found.due_date, found.delivered_on, clock.today())  # type: ignore[attr-defined]
    return found
