"""Setting the warning rule: system administrators only, version-checked, every impossible
threshold refused next to its field (nothing saved), audited."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from resmon.audit.services import record
from resmon.core.access import Role
from resmon.core.errors import PermissionRefused, ValidationFailed
from resmon.core.models import check_version

from ..models import RULE_SINGLETON_ID, AlertKind, WarningRule
from ..rules import RuleConfig

# (field, lowest, highest) of the whole-number thresholds
DAY_LIMITS: dict[str, tuple[int, int]] = {
    "due_soon_days": (1, 365),
    "behind_points": (0, 100),
    "stalled_days": (1, 730),
    "report_grace_days": (0, 365),
    "milestone_grace_days": (0, 365),
    "coordination_grace_days": (0, 365),
}
P_MIN = Decimal("0.05")
P_MAX = Decimal("0.99")
P_STEP = Decimal("0.01")
FIELDS = (*DAY_LIMITS, "forecast_p_miss", "enabled")


def may_set_rule(actor: Any) -> bool:
    return bool(
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and getattr(actor, "is_active", True)
        and actor.scope.role == Role.SYSTEM_ADMIN
    )


def _labels() -> dict[str, str]:
    return {
        "due_soon_days": _("Due-soon window"),
        "behind_points": _("Behind tolerance"),
        "stalled_days": _("Stalled after"),
        "report_grace_days": _("Report missing after"),
        "milestone_grace_days": _("Milestone missed after"),
        "coordination_grace_days": _("Coordination late after"),
        "forecast_p_miss": _("Forecast probability threshold"),
    }


def _whole(value: Any, name: str, errors: dict[str, list[str]]) -> int | None:
    label = _labels()[name]
    low, high = DAY_LIMITS[name]
    text = str(value).strip() if value is not None else ""
    if isinstance(value, bool) or not text.lstrip("-").isdigit() or len(text) > 9:
        errors[name] = [_("%(label)s: enter a whole number.") % {"label": label}]
        return None
    number = int(text)
    if name == "behind_points":
        if number < low or number > high:
            errors[name] = [
                _("%(label)s: give a number of percentage points from %(low)s to %(high)s.")
                % {"label": label, "low": low, "high": high}
            ]
            return None
    elif number < low or number > high:
        if number < 0:
            message = _("%(label)s: a number of days cannot be negative.")
        elif number < low:
            message = _("%(label)s: give at least %(low)s day.")
        else:
            message = _("%(label)s: at most %(high)s days.")
        errors[name] = [message % {"label": label, "low": low, "high": high}]
        return None
    return number


def _probability(value: Any, errors: dict[str, list[str]]) -> Decimal | None:
    label = _labels()["forecast_p_miss"]
    if isinstance(value, float):
        value = str(value)
    try:
        number = (
            None
            if value is None or isinstance(value, bool)
            else Decimal(str(value).strip().replace(",", "."))
        )
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        errors["forecast_p_miss"] = [_("%(label)s: enter a probability such as 0.5.") % {"label": label}]
        return None
    if not P_MIN <= number <= P_MAX:
        errors["forecast_p_miss"] = [
            _("%(label)s: give a probability from %(low)s to %(high)s.")
            % {"label": label, "low": P_MIN, "high": P_MAX}
        ]
        return None
    if number != number.quantize(P_STEP):
        errors["forecast_p_miss"] = [_("%(label)s: use at most 2 decimal places.") % {"label": label}]
        return None
    return number


def _kinds(value: Any, errors: dict[str, list[str]]) -> list[str] | None:
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        errors["enabled"] = [_("Choose the rules in force from the list.")]
        return None
    chosen = [str(v) for v in value]
    unknown = [v for v in chosen if v not in AlertKind.values]
    if unknown:
        errors["enabled"] = [
            _("Unknown rule “%(value)s”. Choose among: %(choices)s.")
            % {"value": unknown[0][:40], "choices": ", ".join(AlertKind.values)}
        ]
        return None
    return [k for k in AlertKind.values if k in chosen]  # one order, no duplicates


def _as_dict(config: RuleConfig | WarningRule) -> dict[str, Any]:
    if isinstance(config, WarningRule):
        enabled = [k for k in AlertKind.values if k in config.enabled_kinds]
    else:
        enabled = [k for k in AlertKind.values if k in config.enabled]
    return {
        **{name: getattr(config, name) for name in DAY_LIMITS},
        "forecast_p_miss": Decimal(config.forecast_p_miss),
        "enabled": enabled,
    }


def set_rule(actor: Any, *, expected_version: int | None = None, **values: Any) -> WarningRule:
    """Set the warning rule. ``values``: every threshold of :data:`DAY_LIMITS`, ``forecast_p_miss``
    (0.05–0.99) and ``enabled`` (the kinds in force). All fields are checked before anything is
    written; each impossible one gets its message."""
    if not may_set_rule(actor):
        raise PermissionRefused(_("Only system administrators may change the warning rule."))
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise ValidationFailed(_("Unknown field: %(name)s.") % {"name": unknown[0]}, field=unknown[0])
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name in DAY_LIMITS:
        if name not in values:
            errors[name] = [_("%(label)s: this field is required.") % {"label": _labels()[name]}]
            continue
        clean[name] = _whole(values[name], name, errors)
    clean["forecast_p_miss"] = _probability(values.get("forecast_p_miss"), errors)
    clean["enabled"] = _kinds(values.get("enabled", ()), errors)
    if errors:
        first = next(iter(errors))
        raise ValidationFailed(
            _("The rule was not saved: correct the thresholds marked below."),
            field=first,
            errors=errors,
            code="impossible_thresholds",
        )
    with transaction.atomic():
        row = WarningRule.objects.select_for_update().filter(pk=RULE_SINGLETON_ID).first()
        if row is None:
            before = _as_dict(RuleConfig())
            row = WarningRule(pk=RULE_SINGLETON_ID, version=0)
        else:
            check_version(row, expected_version)
            before = _as_dict(row)
        for name in DAY_LIMITS:
            setattr(row, name, clean[name])
        row.forecast_p_miss = clean["forecast_p_miss"]
        row.enabled_kinds = clean["enabled"]
        row.updated_by = actor
        row.updated_by_name = actor.get_username()
        row.version += 1
        row.save()
        record(actor, "alerts.rule_set", row, before=before, after=_as_dict(row))
    return row
