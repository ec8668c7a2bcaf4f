"""The task page's "Chỉ đạo, đôn đốc" section: {% load directive_tags %}{% task_directives task %}."""

from __future__ import annotations

from django import template

from resmon.core import clock

from .. import selectors, services

register = template.Library()
ROWS = 20


@register.inclusion_tag("directives/_task_directives.html", takes_context=True)
def task_directives(context, task):
    user = context["request"].user
    open_task = task.completed_on is None and task.state == "active"
    may_remind = False
    if open_task and user.agency_id != task.lead_agency_id:
        may_remind = services.may_remind(user, services.subject_of(user, task=task))
    return {
        "task": task,
        "directives": list(selectors.task_directives(user, task)[:ROWS]),
        "reminders": list(selectors.task_reminders(user, task)[:ROWS]),
        "may_issue": bool(services.allowed_recipients(user, task=task)),
        "may_remind": may_remind,
        "today": clock.today(),
    }
