"""Template helpers shared by every page: one look for status, numbers in the user's language."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html

from resmon.planning.status import TaskStatus
from resmon.reporting.models import ReportState

register = template.Library()

# status -> (css modifier, Bootstrap icon); the words come from TaskStatus labels (gettext).
STATUS_LOOK = {
    TaskStatus.NOT_STARTED: ("not-started", "bi-circle"),
    TaskStatus.IN_PROGRESS: ("in-progress", "bi-arrow-repeat"),
    TaskStatus.OVERDUE: ("overdue", "bi-exclamation-triangle-fill"),
    TaskStatus.DONE_ON_TIME: ("done-on-time", "bi-check-circle-fill"),
    TaskStatus.DONE_LATE: ("done-late", "bi-check-circle"),
    TaskStatus.PAUSED: ("paused", "bi-pause-circle"),
    TaskStatus.CANCELLED: ("cancelled", "bi-x-circle"),
}


@register.simple_tag
def status_chip(status) -> str:
    """A status as colour + icon + word, the same everywhere."""
    try:
        value = TaskStatus(str(status))
    except ValueError:
        return ""
    modifier, icon = STATUS_LOOK[value]
    return format_html(
        '<span class="status-chip status-{}"><i class="bi {}" aria-hidden="true"></i> {}</span>',
        modifier,
        icon,
        value.label,
    )


# report state -> (css modifier, icon): grey / blue / blue / green / red, like the task statuses.
REPORT_STATE_LOOK = {
    ReportState.DRAFT: ("not-started", "bi-pencil"),
    ReportState.AWAITING_HEAD: ("in-progress", "bi-hourglass-split"),
    ReportState.SENT: ("in-progress", "bi-send"),
    ReportState.ACCEPTED: ("done-on-time", "bi-check-circle-fill"),
    ReportState.RETURNED: ("overdue", "bi-arrow-return-left"),
}


@register.simple_tag
def report_state_chip(state) -> str:
    """A period report's state as colour + icon + word, the same on every page."""
    try:
        value = ReportState(str(state))
    except ValueError:
        return ""
    modifier, icon = REPORT_STATE_LOOK[value]
    return format_html(
        '<span class="status-chip status-{} report-state-{}">'
        '<i class="bi {}" aria-hidden="true"></i> {}</span>',
        modifier,
        value.value,
        icon,
        value.label,
    )


@register.filter
def status_label(status) -> str:
    try:
        return str(TaskStatus(str(status)).label)
    except ValueError:
        return ""


@register.filter
def vnnum(value, decimals=None) -> str:
    """A number with the active language's separators (vi: 1.234,5). Without ``decimals``,
    trailing zeros after the decimal separator are dropped."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    if decimals in (None, ""):
        number = number.normalize()
        if number == number.to_integral_value():
            number = number.quantize(Decimal(1))
        places = max(0, -number.as_tuple().exponent)
    else:
        places = int(decimals)
    return number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)


@register.filter
def add_class(bound_field, css: str):
    """Render a form field's widget with extra CSS classes (Bootstrap's form-control etc.)."""
    classes = css
    if getattr(bound_field, "errors", None):
        classes += " is-invalid"
    return bound_field.as_widget(attrs={"class": classes})


@register.filter
def sees(user, agency) -> bool:
    """May ``user`` open ``agency``'s page (is it inside the user's scope)?"""
    scope = getattr(user, "scope", None)
    return bool(scope and agency is not None and scope.reads(agency.path))
