"""The task page's card of coordinating agencies' parts: due dates, deliveries, links to act."""

from __future__ import annotations

from django import template

from .. import selectors_coordination as parts
from ..services import coordination as services

register = template.Library()


@register.inclusion_tag("planning/_task_coordination.html", takes_context=True)
def task_coordination(context, task):
    user = context["request"].user
    rows = parts.parts(task)
    for c in rows:
        c.task = task
        c.may_act = services.may_set_due(user, c) or services.may_deliver(user, c)  # type: ignore[attr-defined]
    return {"task": task, "rows": rows}
