"""Task page sections for KPIs and deadline extensions: {% task_kpis task %}, {% task_deadline task %}."""

from __future__ import annotations

from django import template

from resmon.core import clock
from resmon.core.access import can

from .. import selectors_kpis as kpi_selectors
from .. import selectors_tree
from ..models import DeadlineExtension
from ..services import extensions as extension_services
from ..status import TaskState

register = template.Library()


@register.inclusion_tag("planning/_task_kpis.html", takes_context=True)
def task_kpis(context, task):
    user = context["request"].user
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "task": task,
        "kpis": kpi_selectors.task_kpis(user, task),
        "may_change": can(user, "change", task) and selectors_tree.program_editable(task.program),
        "today": clock.today(),
    }


@register.inclusion_tag("planning/_task_extensions.html", takes_context=True)
def task_deadline(context, task):
    user = context["request"].user
    history = list(kpi_selectors.task_extensions(user, task))
    pending = next((e for e in history if e.status == DeadlineExtension.Status.PENDING), None)
    open_task = task.completed_on is None and task.state != TaskState.CANCELLED
    may_request = (
        pending is None
        and open_task
        and not task.ongoing
        and task.due_date is not None
        and extension_services.may_request(user, task)
    )
    may_decide = (
        pending is not None
        and pending.requested_by_id != user.pk
        and extension_services.may_decide(user, task)
    )
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "user": user,
        "task": task,
        "history": history,
        "pending": pending,
        "may_request": may_request,
        "may_decide": may_decide,
    }
