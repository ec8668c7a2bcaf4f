"""Reads for the Excel round trip of an action programme; each starts from the user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from resmon.agencies.models import Agency
from resmon.agencies.selectors import active_q
from resmon.core.access import visible_to

from .models import ActionProgram, Clause, Task, TaskCoordination


def program_tasks_for_export(user: Any, program: ActionProgram) -> QuerySet[Task]:
    """The programme's tasks the user may see, with what a row of the template shows."""
    return (
        visible_to(user, Task.objects.filter(program=program))
        .select_related("lead_agency")
        .prefetch_related(
            Prefetch(
                "coordinations",
                queryset=TaskCoordination.objects.select_related("agency").order_by("id"),
            ),
            Prefetch("clauses", queryset=Clause.objects.order_by("order", "id")),
        )
        .order_by("position", "id")
    )


def program_agency_choices(program: ActionProgram) -> QuerySet[Agency]:
    """The agencies that may lead a task of the programme: its agency and those under it, today."""
    return (
        Agency.objects.filter(path__startswith=program.agency.path)
        .filter(active_q())
        .order_by("path")
        .only("id", "code", "name", "path")
    )
