"""Alerts on other pages: ``{% load alert_tags %}{% task_alerts task %}`` (the task page's panel)
and ``{% severity_badge alert.severity %}`` (one look everywhere: colour, icon and word)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from .. import selectors
from ..models import Severity

register = template.Library()
ROWS = 10

LOOK = {
    Severity.HIGH: ("text-bg-danger", "bi-exclamation-octagon-fill"),
    Severity.MEDIUM: ("text-bg-warning", "bi-exclamation-triangle-fill"),
    Severity.LOW: ("text-bg-secondary", "bi-info-circle-fill"),
}


@register.simple_tag
def severity_badge(severity) -> str:
    css, icon = LOOK.get(severity, ("text-bg-light", "bi-question-circle"))
    try:
        label = str(Severity(severity).label)
    except ValueError:
        label = str(severity)
    return format_html(
        '<span class="badge {} severity-badge" data-severity="{}">'
        '<i class="bi {}" aria-hidden="true"></i> {}</span>',
        css,
        severity,
        icon,
        label,
    )


@register.inclusion_tag("alerts/_task_alerts.html", takes_context=True)
def task_alerts(context, task):
    user = context["request"].user
    rows = list(selectors.task_alerts(user, task)[: ROWS + 1])
    # the request: for the tags of the higher layers on each alert (directive_tags.alert_directive)
    return {"task": task, "alerts": rows[:ROWS], "more": len(rows) > ROWS, "request": context["request"]}
