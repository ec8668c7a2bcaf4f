"""The look of an evaluation level and state: colour + icon + word, like the task statuses."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ..explain import LEVEL_LOOK
from ..models import Level, State

register = template.Library()

STATE_LOOK = {
    State.COMPUTED: ("not-started", "bi-calculator"),
    State.SELF_ASSESSED: ("in-progress", "bi-person-check"),
    State.APPRAISED: ("in-progress", "bi-clipboard-check"),
    State.DECIDED: ("done-on-time", "bi-patch-check-fill"),
}


@register.simple_tag
def level_chip(level) -> str:
    """A level as a chip; an em dash when there is none (not assessed yet, or no score)."""
    try:
        value = Level(str(level))
    except ValueError:
        return mark_safe('<span class="text-body-secondary">—</span>')  # noqa: S308 - a constant
    modifier, icon = LEVEL_LOOK[value]
    return format_html(
        '<span class="status-chip status-{} level-{}" data-level="{}">'
        '<i class="bi {}" aria-hidden="true"></i> {}</span>',
        modifier,
        value.value,
        value.value,
        icon,
        value.label,
    )


@register.simple_tag
def state_chip(state) -> str:
    try:
        value = State(str(state))
    except ValueError:
        return ""
    modifier, icon = STATE_LOOK[value]
    return format_html(
        '<span class="status-chip status-{}" data-state="{}">'
        '<i class="bi {}" aria-hidden="true"></i> {}</span>',
        modifier,
        value.value,
        icon,
        value.label,
    )
