"""Writes on the period calendar: generating periods ahead, closing and reopening a period.

Generation is idempotent (a period that exists is left as it is, closed or not). Closing and
reopening are for system administrators, need a reason, and are audited; a closed period refuses
new data (the reporting services check ``period.is_closed``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from resmon.audit.services import record, snapshot
from resmon.core import clock
from resmon.core.access import can
from resmon.core.errors import PermissionRefused, ValidationFailed

from . import periods as cal
from .models import ReportingPeriod
from .services import is_catalogue_admin

FIRST_YEAR = 2025
MAX_YEARS_AHEAD = 10
REASON_MAX = 500
CLOSE_FIELDS = ["is_closed", "closed_at", "closed_by", "closed_reason"]


def configured_cutoff() -> str:
    cutoff = getattr(settings, "REPORTING_CUTOFF", cal.DECREE09)
    if cutoff not in cal.CUTOFFS:
        raise ValueError(f"settings.REPORTING_CUTOFF must be one of {', '.join(cal.CUTOFFS)}, not {cutoff!r}")
    return cutoff


@transaction.atomic
def generate_periods(
    *,
    years_ahead: int = 2,
    first_year: int = FIRST_YEAR,
    cutoff: str | None = None,
    actor: Any = None,
) -> int:
    """Every period of every kind from ``first_year`` to this year + ``years_ahead``; returns how
    many were created (0 when they all exist)."""
    cutoff = cutoff or configured_cutoff()
    if cutoff not in cal.CUTOFFS:
        raise ValidationFailed(_("Unknown data cut-off “%(c)s”.") % {"c": cutoff[:20]}, field="cutoff")
    if not 0 <= years_ahead <= MAX_YEARS_AHEAD:
        raise ValidationFailed(
            _("Generate between 0 and %(n)s years ahead.") % {"n": MAX_YEARS_AHEAD}, field="years_ahead"
        )
    last_year = clock.today().year + years_ahead
    if first_year > last_year:
        return 0
    existing = set(
        ReportingPeriod.objects.filter(cutoff=cutoff, year__gte=first_year, year__lte=last_year).values_list(
            "kind", "code"
        )
    )
    rows = [
        ReportingPeriod(
            kind=p.kind,
            cutoff=cutoff,
            year=p.year,
            index=p.index,
            code=p.code,
            label=p.label,
            start=p.start,
            end=p.end,
        )
        for year in range(first_year, last_year + 1)
        for kind in cal.KINDS
        for p in cal.periods_of_year(kind, year, cutoff)
        if (kind, p.code) not in existing
    ]
    if not rows:
        return 0
    ReportingPeriod.objects.bulk_create(rows, ignore_conflicts=True)
    record(
        actor,
        "catalogue.periods_generated",
        None,
        object_type="catalogue.reportingperiod",
        object_repr=f"{first_year}–{last_year} ({cutoff})",
        after={"cutoff": cutoff, "first_year": first_year, "last_year": last_year, "created": len(rows)},
    )
    return len(rows)


def _reason(reason: Any) -> str:
    text = str(reason or "").replace("\x00", "").strip()
    if not text:
        raise ValidationFailed(_("Give the reason."), field="reason")
    if len(text) > REASON_MAX:
        raise ValidationFailed(
            _("The reason may have at most %(n)s characters.") % {"n": REASON_MAX}, field="reason"
        )
    return text


def _check_admin(actor: Any, period: ReportingPeriod) -> None:
    if not (is_catalogue_admin(actor) and can(actor, "change", period)):
        raise PermissionRefused(_("Only system administrators close and reopen reporting periods."))


@transaction.atomic
def close_period(actor: Any, period: ReportingPeriod, reason: str) -> ReportingPeriod:
    """Close a period: from now on it refuses new data."""
    _check_admin(actor, period)
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    text = _reason(reason)
    if period.is_closed:
        raise ValidationFailed(_("%(period)s is already closed.") % {"period": period.label}, code="closed")
    before = snapshot(period, CLOSE_FIELDS)
    period.is_closed = True
    period.closed_at = clock.now()
    period.closed_by = actor
    period.closed_reason = text
    period.save(update_fields=[*CLOSE_FIELDS, "updated_at"])
    record(
        actor,
        "catalogue.period_closed",
        period,
        before=before,
        after=snapshot(period, CLOSE_FIELDS),
        reason=text,
    )
    return period


@transaction.atomic
def reopen_period(actor: Any, period: ReportingPeriod, reason: str) -> ReportingPeriod:
    """Reopen a closed period so that data can be entered again."""
    _check_admin(actor, period)
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    text = _reason(reason)
    if not period.is_closed:
        raise ValidationFailed(_("%(period)s is open already.") % {"period": period.label}, code="open")
    before = snapshot(period, CLOSE_FIELDS)
    period.is_closed = False
    period.closed_at = None
    period.closed_by = None
    period.closed_reason = ""
    period.save(update_fields=[*CLOSE_FIELDS, "updated_at"])
    record(
        actor,
        "catalogue.period_reopened",
        period,
        before=before,
        after=snapshot(period, CLOSE_FIELDS),
        reason=text,
    )
    return period
