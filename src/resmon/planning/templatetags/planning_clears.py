"""Page sections for the six clears: {% task_clears task %} and {% program_clears program %}."""

from __future__ import annotations

from django import template

from resmon.core.access import can

from .. import selectors_clears, selectors_tree
from ..services.programs import open_amendment_of

register = template.Library()


@register.inclusion_tag("planning/_task_clears.html", takes_context=True)
def task_clears(context, task):
    user = context["request"].user
    flags = selectors_clears.task_flags(task)
    linked = list(task.clauses.order_by("order"))
    may_change = can(user, "change", task) and selectors_tree.program_editable(task.program)
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "task": task,
        "flags": flags,
        "open_count": sum(not f.passed for f in flags),
        "linked": linked,
        "linked_ids": {c.pk for c in linked},
        "may_change": may_change,
        "all_clauses": selectors_clears.clauses_of(task.resolution) if may_change else [],
    }


@register.inclusion_tag("planning/_program_clears.html", takes_context=True)
def program_clears(context, program):
    user = context["request"].user
    summary, _open = selectors_clears.program_flags(program)
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "program": program,
        "summary": summary,
        "may_change": can(user, "change", program),
        "open_amendment": open_amendment_of(program),
        "amendments": list(program.amendments.all()),
    }
