"""The task page's forecast panel: {% load forecast_tags %}{% task_forecast task %}; and the words
for a probability of missing a deadline ({{ p|miss_words }})."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import gettext_lazy as _

from resmon.planning.status import TaskState

from .. import selectors
from ..models import Method

register = template.Library()

# (upper bound, words, Bootstrap badge class): the words carry the meaning, the colour repeats it
MISS_WORDS = (
    (Decimal("0.1"), _("very unlikely to miss the deadline"), "text-bg-success"),
    (Decimal("0.3"), _("unlikely to miss the deadline"), "text-bg-success"),
    (Decimal("0.5"), _("may miss the deadline"), "text-bg-warning"),
    (Decimal("0.8"), _("likely to miss the deadline"), "text-bg-danger"),
    (Decimal("1.01"), _("very likely to miss the deadline"), "text-bg-danger"),
)
KPI_MISS_WORDS = (
    (Decimal("0.1"), _("very unlikely to miss the target"), "text-bg-success"),
    (Decimal("0.3"), _("unlikely to miss the target"), "text-bg-success"),
    (Decimal("0.5"), _("may miss the target"), "text-bg-warning"),
    (Decimal("0.8"), _("likely to miss the target"), "text-bg-danger"),
    (Decimal("1.01"), _("very likely to miss the target"), "text-bg-danger"),
)


def _band(p, table):
    if p is None:
        return None
    p = Decimal(p)
    return next((words, css) for bound, words, css in table if p < bound)


@register.filter
def miss_words(p) -> str:
    band = _band(p, MISS_WORDS)
    return str(band[0]) if band else ""


@register.filter
def miss_badge(p) -> str:
    band = _band(p, MISS_WORDS)
    return band[1] if band else "text-bg-secondary"


@register.filter
def kpi_miss_words(p) -> str:
    band = _band(p, KPI_MISS_WORDS)
    return str(band[0]) if band else ""


@register.filter
def kpi_miss_badge(p) -> str:
    band = _band(p, KPI_MISS_WORDS)
    return band[1] if band else "text-bg-secondary"


@register.filter
def percent_of(p) -> str:
    """A probability as a whole percent ("73")."""
    if p is None:
        return ""
    return str(int((Decimal(p) * 100).quantize(Decimal(1))))


@register.inclusion_tag("forecasts/_task_forecast.html", takes_context=True)
def task_forecast(context, task):
    user = context["request"].user
    forecast = selectors.task_forecast(user, task)
    kpis = selectors.kpi_forecasts(user, task)
    return {
        "task": task,
        "forecast": forecast,
        "kpis": kpis,
        "methods": Method,
        "inactive": task.state != TaskState.ACTIVE,
        "late_projection": bool(
            forecast and forecast.projected_on and task.due_date and forecast.projected_on > task.due_date
        ),
    }
