"""The task page's "Reports" section: {% load reporting_tasks %}{% task_reports task %}."""

from __future__ import annotations

from django import template

from .. import selectors
from ..services import explanations as explanation_services

register = template.Library()
ROWS = 20


@register.inclusion_tag("reporting/_task_reports.html", takes_context=True)
def task_reports(context, task):
    user = context["request"].user
    return {
        "task": task,
        "lines": list(selectors.reports_for_task(user, task)[:ROWS]),
        "may_ask": explanation_services.may_ask(user) and user.agency_id != task.lead_agency_id,
    }
