"""Setting the KPI band thresholds: system administrators only, validated, audited."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from resmon.audit.services import record
from resmon.core.access import Role
from resmon.core.errors import PermissionRefused, ValidationFailed
from resmon.core.models import check_version

from ..bands import BandRule, percent_text
from ..models import KpiBandRule
from ..models.band_rule import SINGLETON_ID

MAX_ON_TRACK = Decimal(1000)
STEP = Decimal("0.01")


def may_set_band_rule(actor: Any) -> bool:
    return bool(
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and getattr(actor, "is_active", True)
        and actor.scope.role == Role.SYSTEM_ADMIN
    )


def _percent(value: Any, field: str, label: str) -> Decimal:
    if isinstance(value, float):
        value = str(value)
    try:
        number = None if value is None else Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise ValidationFailed(_("%(label)s: enter a percentage.") % {"label": label}, field=field)
    if abs(number) > MAX_ON_TRACK:
        raise ValidationFailed(
            _("%(label)s: at most %(max)s%% of the plan.")
            % {"label": label, "max": percent_text(MAX_ON_TRACK)},
            field=field,
        )
    if number != number.quantize(STEP):
        raise ValidationFailed(_("%(label)s: use at most 2 decimal places.") % {"label": label}, field=field)
    return number


def set_band_rule(
    actor: Any, *, on_track_from: Any, at_risk_below: Any, expected_version: int | None = None
) -> KpiBandRule:
    """Set the thresholds: 0 < at risk below < on track from <= 1000 (percent of plan)."""
    if not may_set_band_rule(actor):
        raise PermissionRefused(_("Only system administrators may change the KPI band rule."))
    on_track = _percent(on_track_from, "on_track_from", _("On track from"))
    at_risk = _percent(at_risk_below, "at_risk_below", _("At risk below"))
    if at_risk <= 0:
        raise ValidationFailed(
            _("At risk below: give a percentage above 0 (a KPI below it is at risk)."), field="at_risk_below"
        )
    if at_risk >= on_track:
        raise ValidationFailed(
            _(
                "At risk below must be lower than on track from (%(on_track)s%%): a KPI between the two "
                "is behind."
            )
            % {"on_track": percent_text(on_track)},
            field="at_risk_below",
        )
    with transaction.atomic():
        row = KpiBandRule.objects.select_for_update().filter(pk=SINGLETON_ID).first()
        if row is None:
            defaults = BandRule()
            before = {"on_track_from": defaults.on_track_from, "at_risk_below": defaults.at_risk_below}
            row = KpiBandRule(pk=SINGLETON_ID, version=0)
        else:
            check_version(row, expected_version)
            before = {"on_track_from": row.on_track_from, "at_risk_below": row.at_risk_below}
        row.on_track_from = on_track
        row.at_risk_below = at_risk
        row.updated_by = actor
        row.updated_by_name = actor.get_username()
        row.version += 1
        row.save()
        record(
            actor,
            "planning.kpi_band_rule_set",
            row,
            before=before,
            after={"on_track_from": on_track, "at_risk_below": at_risk},
        )
    return row
