"""Every write on the indicator catalogue: system administrators only, validated, audited.

A definition is never edited in place: ``revise_indicator`` adds a new ``IndicatorVersion`` and
moves ``Indicator.current`` to it, so targets and values set against an older version keep the
meaning they were given.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from resmon.agencies.models import Agency
from resmon.audit.services import record, snapshot
from resmon.core import classified
from resmon.core.access import Role, can
from resmon.core.errors import Conflict, PermissionRefused, ValidationFailed

from .models import Aggregation, Direction, Frequency, Indicator, IndicatorVersion

CODE_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?$")
DEFINITION_FIELDS = (
    "name",
    "definition",
    "unit",
    "direction",
    "aggregation",
    "frequency",
    "owner_agency",
    "numerator",
    "denominator",
    "resolution_hint",
    "min_value",
    "max_value",
    "decimal_places",
    "part_of",
)
MAX_DECIMAL_PLACES = 4  # values are stored with 4 decimal places
MAX_ABS = Decimal(10) ** 16  # and at most 16 digits before the point
MAX_LENGTHS = {"code": 40, "name": 300, "unit": 40, "resolution_hint": 100, "change_note": 300}


def is_catalogue_admin(actor: Any) -> bool:
    return bool(
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and getattr(actor, "is_active", True)
        and actor.scope.role == Role.SYSTEM_ADMIN
    )


def _text(value: Any, field: str, *, required: bool, label: str) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if required and not text:
        raise ValidationFailed(_("%(label)s is required.") % {"label": label}, field=field)
    limit = MAX_LENGTHS.get(field)
    if limit and len(text) > limit:
        raise ValidationFailed(
            _("%(label)s may have at most %(n)s characters.") % {"label": label, "n": limit}, field=field
        )
    classified.refuse_marked(**{field: text})
    return text


def clean_code(code: Any, *, exclude_pk: int | None = None) -> str:
    text = _text(code, "code", required=True, label=_("The code")).upper()
    if not CODE_RE.match(text):
        raise ValidationFailed(
            _(
                "The code “%(code)s” may contain only letters, digits, dashes and dots, "
                "and must start and end with a letter or digit (e.g. NQ57-DVC-01)."
            )
            % {"code": text[:40]},
            field="code",
        )
    clash = Indicator.objects.filter(code__iexact=text)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationFailed(
            _("An indicator with the code %(code)s already exists; choose another code.") % {"code": text},
            field="code",
        )
    return text


def _validate_definition(data: dict[str, Any], *, indicator: Indicator | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": _text(data.get("name"), "name", required=True, label=_("The name")),
        "definition": _text(data.get("definition"), "definition", required=True, label=_("The definition")),
        "unit": _text(data.get("unit"), "unit", required=True, label=_("The unit")),
        "resolution_hint": _text(
            data.get("resolution_hint"), "resolution_hint", required=False, label=_("The resolutions")
        ),
    }
    choices = (
        ("direction", Direction, _("Choose whether higher or lower values are better.")),
        ("aggregation", Aggregation, _("Choose how values add up the agency tree.")),
        ("frequency", Frequency, _("Choose how often the indicator is reported.")),
    )
    for field, enum, message in choices:
        value = str(data.get(field) or "").strip()
        if value not in enum.values:
            raise ValidationFailed(message, field=field)
        out[field] = value
    owner = data.get("owner_agency")
    if not isinstance(owner, Agency):
        raise ValidationFailed(_("Choose the agency that owns the indicator."), field="owner_agency")
    if owner.valid_to is not None:
        raise ValidationFailed(
            _("%(agency)s no longer exists; choose a current agency.") % {"agency": owner.name},
            field="owner_agency",
        )
    out["owner_agency"] = owner
    numerator, denominator = data.get("numerator"), data.get("denominator")
    if out["aggregation"] == Aggregation.RATIO:
        for field, value in (("numerator", numerator), ("denominator", denominator)):
            if not isinstance(value, Indicator):
                raise ValidationFailed(
                    _("A ratio needs both a numerator and a denominator indicator."), field=field
                )
            if indicator is not None and value.pk == indicator.pk:
                raise ValidationFailed(_("A ratio cannot use the indicator itself."), field=field)
        if numerator.pk == denominator.pk:
            raise ValidationFailed(
                _("The numerator and the denominator must be different indicators."), field="denominator"
            )
    elif numerator is not None or denominator is not None:
        raise ValidationFailed(
            _("Only a ratio has a numerator and a denominator; remove them or choose “Ratio”."),
            field="numerator" if numerator is not None else "denominator",
        )
    out["numerator"] = numerator
    out["denominator"] = denominator
    out.update(_validate_checks(data, out["unit"], indicator=indicator))
    return out


def _bound(value: Any, field: str, label: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, bool) else None
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise ValidationFailed(
            _("%(label)s must be a number, e.g. 0 or 100.") % {"label": label}, field=field
        )
    if abs(number) >= MAX_ABS:
        raise ValidationFailed(_("%(label)s is too large.") % {"label": label}, field=field)
    if number != number.quantize(Decimal(1).scaleb(-MAX_DECIMAL_PLACES)):
        raise ValidationFailed(
            _("%(label)s may have at most %(n)s decimal places.") % {"label": label, "n": MAX_DECIMAL_PLACES},
            field=field,
        )
    return number


def _validate_checks(data: dict[str, Any], unit: str, *, indicator: Indicator | None) -> dict[str, Any]:
    """The rules a reported value is checked against: valid range, decimal places, part of a whole."""
    low = _bound(data.get("min_value"), "min_value", _("The lowest valid value"))
    high = _bound(data.get("max_value"), "max_value", _("The highest valid value"))
    if low is not None and high is not None and low > high:
        raise ValidationFailed(
            _("The highest valid value (%(high)s) is below the lowest (%(low)s); swap them or correct one.")
            % {"high": f"{high.normalize():f}", "low": f"{low.normalize():f}"},
            field="max_value",
        )
    places = data.get("decimal_places")
    if places is None or places == "":
        places = 2
    try:
        places = int(places) if not isinstance(places, bool) and str(places).strip().isdigit() else -1
    except (TypeError, ValueError):
        places = -1
    if not 0 <= places <= MAX_DECIMAL_PLACES:
        raise ValidationFailed(
            _("Decimal places must be a whole number from 0 to %(n)s (0 for counts).")
            % {"n": MAX_DECIMAL_PLACES},
            field="decimal_places",
        )
    whole = data.get("part_of")
    if whole is not None:
        if not isinstance(whole, Indicator):
            raise ValidationFailed(_("Choose the indicator this one is part of."), field="part_of")
        if indicator is not None and whole.pk == indicator.pk:
            raise ValidationFailed(_("An indicator cannot be part of itself."), field="part_of")
        whole_unit = whole.current.unit if whole.current is not None else ""
        if whole_unit.strip().casefold() != unit.strip().casefold():
            raise ValidationFailed(
                _(
                    "A part and its whole must be measured in the same unit: %(whole)s is measured in "
                    "%(unit)s."
                )
                % {"whole": whole.code, "unit": whole_unit},
                field="part_of",
            )
        _refuse_part_cycle(whole, indicator)
    return {"min_value": low, "max_value": high, "decimal_places": places, "part_of": whole}


def _refuse_part_cycle(whole: Indicator, indicator: Indicator | None) -> None:
    """Following "part of" upwards from ``whole`` must never come back to ``indicator``."""
    if indicator is None:
        return
    seen: set[int] = set()
    step: Indicator | None = whole
    while step is not None and step.pk not in seen:
        if step.pk == indicator.pk:
            raise ValidationFailed(
                _("%(whole)s is already part of %(code)s, so %(code)s cannot be part of it.")
                % {"whole": whole.code, "code": indicator.code},
                field="part_of",
            )
        seen.add(step.pk)
        step = step.current.part_of if step.current is not None else None


def _audit_view(version: IndicatorVersion) -> dict[str, Any]:
    return snapshot(version, [f for f in DEFINITION_FIELDS] + ["version", "change_note"])


@transaction.atomic
def create_indicator(
    actor: Any,
    *,
    code: str,
    name: str,
    definition: str,
    unit: str,
    direction: str,
    aggregation: str,
    frequency: str,
    owner_agency: Agency | None,
    numerator: Indicator | None = None,
    denominator: Indicator | None = None,
    resolution_hint: str = "",
    min_value: Any = None,
    max_value: Any = None,
    decimal_places: int = 2,
    part_of: Indicator | None = None,
    is_demo: bool = False,
) -> Indicator:
    """A new catalogue entry with its first version."""
    if not is_catalogue_admin(actor):
        raise PermissionRefused(_("Only system administrators manage the indicator catalogue."))
    clean = clean_code(code)
    data = _validate_definition(
        {
            "name": name,
            "definition": definition,
            "unit": unit,
            "direction": direction,
            "aggregation": aggregation,
            "frequency": frequency,
            "owner_agency": owner_agency,
            "numerator": numerator,
            "denominator": denominator,
            "resolution_hint": resolution_hint,
            "min_value": min_value,
            "max_value": max_value,
            "decimal_places": decimal_places,
            "part_of": part_of,
        }
    )
    indicator = Indicator.objects.create(code=clean, is_demo=is_demo)
    version = IndicatorVersion.objects.create(indicator=indicator, version=1, created_by=actor, **data)
    indicator.current = version
    indicator.save(update_fields=["current", "updated_at"])
    record(
        actor,
        "catalogue.indicator_created",
        indicator,
        after={**snapshot(indicator), "definition": _audit_view(version)},
    )
    return indicator


@transaction.atomic
def revise_indicator(
    actor: Any,
    indicator: Indicator,
    *,
    change_note: str,
    expected_version: int | None = None,
    **fields: Any,
) -> IndicatorVersion:
    """A new version of the definition; fields not given keep their current value."""
    indicator = Indicator.objects.select_for_update(of=("self",)).get(pk=indicator.pk)
    if not (is_catalogue_admin(actor) and can(actor, "change", indicator)):
        raise PermissionRefused(_("Only system administrators manage the indicator catalogue."))
    unknown = set(fields) - set(DEFINITION_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    current = indicator.current
    if expected_version is not None and current.version != int(expected_version):
        raise Conflict(
            _(
                "The indicator was revised meanwhile (now version %(v)s, by %(who)s). "
                "Reload it and apply your change again."
            )
            % {"v": current.version, "who": current.created_by.get_username() if current.created_by else "—"},
            code="stale_version",
        )
    note = _text(change_note, "change_note", required=True, label=_("What changed"))
    if fields.get("decimal_places") is None:
        fields.pop("decimal_places", None)  # not given: keep the current number of decimal places
    merged = {f: getattr(current, f) for f in DEFINITION_FIELDS} | fields
    data = _validate_definition(merged, indicator=indicator)
    if all(data[f] == getattr(current, f) for f in DEFINITION_FIELDS):
        raise ValidationFailed(_("Nothing in the definition changed; no new version was made."))
    version = IndicatorVersion.objects.create(
        indicator=indicator, version=current.version + 1, created_by=actor, change_note=note, **data
    )
    indicator.current = version
    indicator.save(update_fields=["current", "updated_at"])
    record(
        actor,
        "catalogue.indicator_revised",
        indicator,
        before=_audit_view(current),
        after=_audit_view(version),
        reason=note,
    )
    return version


@transaction.atomic
def set_active(actor: Any, indicator: Indicator, active: bool, reason: str) -> Indicator:
    """Take an indicator out of use (it stays readable, with its history) or back into use."""
    indicator = Indicator.objects.select_for_update(of=("self",)).get(pk=indicator.pk)
    if not (is_catalogue_admin(actor) and can(actor, "change", indicator)):
        raise PermissionRefused(_("Only system administrators manage the indicator catalogue."))
    reason = _text(reason, "reason", required=True, label=_("The reason"))
    if indicator.is_active == bool(active):
        message = (
            _("The indicator is already in use.") if active else _("The indicator is already out of use.")
        )
        raise ValidationFailed(message, field="active")
    before = snapshot(indicator, ["is_active"])
    indicator.is_active = bool(active)
    indicator.save(update_fields=["is_active", "updated_at"])
    record(
        actor,
        "catalogue.indicator_activated" if active else "catalogue.indicator_deactivated",
        indicator,
        before=before,
        after=snapshot(indicator, ["is_active"]),
        reason=reason,
    )
    return indicator
