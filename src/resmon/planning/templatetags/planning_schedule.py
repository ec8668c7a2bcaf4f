"""The programme page's reporting schedule: {% program_schedule program %}."""

from __future__ import annotations

from django import template

from resmon.core.access import can

from ..services.schedule import schedule_of

register = template.Library()


@register.inclusion_tag("planning/_program_schedule.html", takes_context=True)
def program_schedule(context, program):
    user = context["request"].user
    rows = []
    for entry in schedule_of(program):
        period, due = entry.next_due()
        rows.append({"entry": entry, "next_period": period, "next_due": due})
    return {"program": program, "rows": rows, "may_change": can(user, "change", program)}
