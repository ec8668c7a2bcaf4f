"""Setting the evaluation rule: system administrators only, every field checked, versioned, audited."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from resmon.audit.services import record
from resmon.core.errors import PermissionRefused, ValidationFailed
from resmon.core.models import check_version

from .. import permissions, selectors
from ..models import CRITERIA, SINGLETON_ID, WEIGHT_FIELDS, EvaluationRule
from ..scoring import Rule

STEP = Decimal("0.1")
HUNDRED = Decimal(100)


def may_set_rule(actor: Any) -> bool:
    return permissions.is_sysadmin(actor)


def _weight(value: Any, field: str, errors: dict[str, list[str]]) -> int:
    text = str(value if value is not None else "").strip()
    if not (text.isdigit() and int(text) <= 100):
        errors.setdefault(field, []).append(_("Enter a whole number of points from 0 to 100."))
        return 0
    return int(text)


def _points(value: Any, field: str, errors: dict[str, list[str]], *, allow_zero: bool = False) -> Decimal:
    if isinstance(value, float):
        value = str(value)
    try:
        number = None if value is None else Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        number = None
    low = Decimal(0)
    if number is None or not number.is_finite():
        errors.setdefault(field, []).append(_("Enter a number from 0 to 100."))
        return low
    if number != number.quantize(STEP):
        errors.setdefault(field, []).append(_("Use at most one decimal place."))
        return low
    if number > HUNDRED or number < 0 or (number == 0 and not allow_zero):
        errors.setdefault(field, []).append(
            _("Enter a number from 0 to 100.") if allow_zero else _("Enter a number above 0 and at most 100.")
        )
        return low
    return number


def set_rule(
    actor: Any,
    *,
    weights: dict[str, Any],
    excellent_from: Any,
    good_from: Any,
    pass_from: Any,
    cap_percent: Any,
    expected_version: int | None = None,
) -> EvaluationRule:
    """Set the rule: five whole weights summing to 100; 0 < completed from < good from < excellent
    from <= 100; the cap from 0 to 100 percent. Every wrong field is named at once."""
    if not may_set_rule(actor):
        raise PermissionRefused(_("Only system administrators may change the evaluation rule."))
    errors: dict[str, list[str]] = {}
    values = {key: _weight(weights.get(key), WEIGHT_FIELDS[key], errors) for key in CRITERIA}
    if not any(WEIGHT_FIELDS[k] in errors for k in CRITERIA) and sum(values.values()) != 100:
        errors.setdefault("weights", []).append(
            _("The five weights must add up to 100 points (they add up to %(sum)s).")
            % {"sum": sum(values.values())}
        )
    excellent = _points(excellent_from, "excellent_from", errors)
    good = _points(good_from, "good_from", errors)
    passing = _points(pass_from, "pass_from", errors)
    cap = _points(cap_percent, "cap_percent", errors, allow_zero=True)
    if not {"excellent_from", "good_from"} & set(errors) and good >= excellent:
        errors.setdefault("good_from", []).append(
            _("The threshold of good must be lower than that of excellent (%(value)s).")
            % {"value": excellent}
        )
    if not {"good_from", "pass_from"} & set(errors) and passing >= good:
        errors.setdefault("pass_from", []).append(
            _("The threshold of completed must be lower than that of good (%(value)s).") % {"value": good}
        )
    if errors:
        raise ValidationFailed(
            _("Correct the fields marked and save again; the rule was not changed."),
            field=next(iter(errors)) if len(errors) == 1 else None,
            errors=errors,
        )
    with transaction.atomic():
        row = EvaluationRule.objects.select_for_update().filter(pk=SINGLETON_ID).first()
        if row is None:
            before = Rule().as_dict()
            row = EvaluationRule(pk=SINGLETON_ID, version=0)
        else:
            check_version(row, expected_version)
            before = selectors.rule_of(row).as_dict()
        for key in CRITERIA:
            setattr(row, WEIGHT_FIELDS[key], values[key])
        row.excellent_from = excellent
        row.good_from = good
        row.pass_from = passing
        row.cap_percent = cap
        row.updated_by = actor
        row.updated_by_name = actor.get_username()
        row.version += 1
        row.save()
        record(actor, "evaluation.rule_set", row, before=before, after=selectors.rule_of(row).as_dict())
    return row
