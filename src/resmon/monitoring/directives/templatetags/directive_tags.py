"""The task page's "Chỉ đạo, đôn đốc" section: {% load directive_tags %}{% task_directives task %};
and "Ra ý kiến chỉ đạo" on a warning (the alert list, the task page's alerts):
{% alert_directive alert %}."""

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


def may_direct_about(user, alert) -> bool:
    """A leader (or a steering-committee member) may answer an open warning with a directive when
    the agency concerned is one they may direct (about the alert's task, if it has one)."""
    if alert.cleared_on is not None or not services.may_issue(user):
        return False
    task = alert.task if alert.task_id is not None else None
    return services.may_direct(user, alert.agency, task, [alert.agency_id])


@register.inclusion_tag("directives/_alert_directive.html", takes_context=True)
def alert_directive(context, alert):
    return {"alert": alert, "show": may_direct_about(context["request"].user, alert)}
