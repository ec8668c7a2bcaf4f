"""KPI values (giá trị chỉ tiêu) entered in a period report: parsed, validated against the
indicator's definition and the values already reported, checked for unusual values, audited.

One value per (indicator, agency, period): saving again changes the same row. A value unusual
against the agency's own history is saved with ``is_outlier`` set; the report cannot be sent
until it is explained (the report services check that).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from resmon.audit.services import record, snapshot
from resmon.catalogue.models import Indicator, IndicatorVersion, ReportingPeriod
from resmon.core.errors import Conflict, NotFound, ValidationFailed
from resmon.core.models import check_version
from resmon.planning.models import TaskIndicator

from ..models import Observation, PeriodReport
from ..outliers import show_number, unusual
from .idempotency import once
from .reports import ensure_editable, lock_report, touch

HISTORY_SIZE = 12  # earlier periods the outlier check looks at
EXPLANATION_MAX = 2000
STORED_PLACES = 4  # Observation.value: DecimalField(max_digits=20, decimal_places=4)
MAX_ABS = Decimal(10) ** 16
AUDIT_FIELDS = [
    "indicator",
    "indicator_version",
    "agency",
    "period",
    "report",
    "value",
    "is_outlier",
    "explanation",
]

_BLANKS = re.compile(r"[\s\u00a0\u202f\u2009]+")
_THOUSANDS = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+")  # 1.234 / 12.345.678 (Vietnamese grouping)
_DIGITS = re.compile(r"\d*")


def _not_a_number(text: str, field: str) -> ValidationFailed:
    return ValidationFailed(
        _(
            "“%(text)s” is not a number. Write it like 1.234,5: dots between thousands (optional) "
            "and a comma before the decimals."
        )
        % {"text": text[:40]},
        field=field,
        code="not_a_number",
    )


def parse_number(text: Any, *, field: str = "value") -> Decimal:
    """A number typed by a person: Vietnamese "1.234,5" (dots group thousands, a comma before the
    decimals), plain "1234.5" or "1234,5", integers and Decimals. A single dot followed by exactly
    three digits groups thousands ("1.234" is 1234), as Vietnamese users write it. Anything else,
    including the English "1,234.5", is refused with a message saying how to write it."""
    if isinstance(text, bool):
        raise _not_a_number(str(text), field)
    if isinstance(text, int):
        return Decimal(text)
    if isinstance(text, Decimal | float):
        number = Decimal(str(text))
        if not number.is_finite():
            raise _not_a_number(str(text), field)
        return number
    raw = str(text if text is not None else "").replace("\x00", "")
    body = _BLANKS.sub("", raw)
    if not body:
        raise ValidationFailed(_("Enter a value."), field=field, code="required")
    sign = ""
    if body[0] in "+-−":
        sign = "-" if body[0] in "-−" else ""
        body = body[1:]
    if not body or not re.fullmatch(r"[0-9.,]+", body) or not re.search(r"\d", body):
        raise _not_a_number(raw.strip(), field)
    commas, dots = body.count(","), body.count(".")
    if commas > 1:
        raise _not_a_number(raw.strip(), field)
    if commas == 1:
        whole, fraction = body.split(",")
        if "." in fraction:
            raise ValidationFailed(
                _(
                    "“%(text)s” mixes separators. Write it the Vietnamese way, 1.234,5 (a comma before "
                    "the decimals), or without grouping, 1234.5."
                )
                % {"text": raw.strip()[:40]},
                field=field,
                code="not_a_number",
            )
        if not fraction or not fraction.isdigit():
            raise _not_a_number(raw.strip(), field)
        if dots:
            if not _THOUSANDS.fullmatch(whole):
                raise _not_a_number(raw.strip(), field)
            whole = whole.replace(".", "")
        canonical = f"{whole or '0'}.{fraction}"
    elif dots == 0:
        canonical = body
    elif _THOUSANDS.fullmatch(body):
        canonical = body.replace(".", "")
    elif dots == 1 and body[-1] != ".":
        canonical = body if body[0] != "." else f"0{body}"
    else:
        raise _not_a_number(raw.strip(), field)
    try:
        return Decimal(sign + canonical)
    except InvalidOperation:  # pragma: no cover - the patterns above only let digits through
        raise _not_a_number(raw.strip(), field) from None


def _places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _same_unit(a: str, b: str) -> bool:
    return _BLANKS.sub(" ", a).strip().casefold() == _BLANKS.sub(" ", b).strip().casefold()


def _resolve_indicator(report: PeriodReport, indicator: Any) -> Indicator:
    """The indicator (an Indicator, its id, or its code or id as text) if it is a KPI of the
    report's tasks."""
    qs = Indicator.objects.select_related("current")
    if isinstance(indicator, Indicator):
        found = qs.filter(pk=indicator.pk).first()
    elif isinstance(indicator, int) and not isinstance(indicator, bool):
        found = qs.filter(pk=indicator).first()
    else:
        text = str(indicator or "").strip()[:40]
        found = qs.filter(code__iexact=text).first()
        if found is None and text.isdigit():  # an id sent by a form
            found = qs.filter(pk=int(text)).first()
    label = found.code if found is not None else str(indicator if indicator is not None else "")[:40]
    if (
        found is None
        or found.current is None
        or not TaskIndicator.objects.filter(indicator=found, task__report_lines__report=report).exists()
    ):
        raise ValidationFailed(
            _(
                "%(code)s is not a KPI of the tasks in this report. Only the indicators set on these "
                "tasks are reported here."
            )
            % {"code": label or "—"},
            field="indicator",
            code="not_a_kpi",
        )
    return found


def _clean_value(raw: Any, indicator: Indicator, version: IndicatorVersion) -> Decimal:
    number = parse_number(raw)
    if abs(number) >= MAX_ABS:
        raise ValidationFailed(_("The number is too large."), field="value")
    allowed = min(version.decimal_places, STORED_PLACES)
    if _places(number) > allowed:
        if allowed == 0:
            message = _("%(code)s counts whole units: a whole number is expected, without decimals.") % {
                "code": indicator.code
            }
        else:
            message = _("%(code)s is reported with at most %(n)s decimal places; round the value.") % {
                "code": indicator.code,
                "n": allowed,
            }
        raise ValidationFailed(message, field="value", code="too_many_decimals")
    context = {"value": show_number(number), "code": indicator.code, "unit": version.unit}
    if version.min_value is not None and number < version.min_value:
        raise ValidationFailed(
            _(
                "%(value)s is below the lowest valid value of %(code)s (%(min)s %(unit)s). "
                "Check the figure and its unit."
            )
            % {**context, "min": show_number(version.min_value)},
            field="value",
            code="below_min",
        )
    if version.max_value is not None and number > version.max_value:
        raise ValidationFailed(
            _(
                "%(value)s is above the highest valid value of %(code)s (%(max)s %(unit)s). "
                "Check the figure and its unit."
            )
            % {**context, "max": show_number(version.max_value)},
            field="value",
            code="above_max",
        )
    return number


def _check_consistency(
    report: PeriodReport, indicator: Indicator, version: IndicatorVersion, number: Decimal
) -> None:
    """A part never exceeds its whole; a percentage's numerator never exceeds its denominator."""
    same_place = Observation.objects.filter(agency_id=report.agency_id, period_id=report.period_id).exclude(
        indicator=indicator
    )

    def refuse(message: str) -> ValidationFailed:
        return ValidationFailed(message, field="value", code="inconsistent")

    value = show_number(number)
    if version.part_of_id:
        whole = same_place.filter(indicator_id=version.part_of_id).select_related("indicator").first()
        if whole is not None and number > whole.value:
            raise refuse(
                _(
                    "%(code)s is part of %(whole)s, so it cannot be more than the value reported for "
                    "%(whole)s in this period (%(whole_value)s); %(value)s was entered. Check both figures."
                )
                % {
                    "code": indicator.code,
                    "whole": whole.indicator.code,
                    "whole_value": show_number(whole.value),
                    "value": value,
                }
            )
    biggest_part = (
        same_place.filter(indicator__current__part_of=indicator)
        .select_related("indicator")
        .order_by("-value")
        .first()
    )
    if biggest_part is not None and number < biggest_part.value:
        raise refuse(
            _(
                "%(part)s is part of %(code)s and was reported as %(part_value)s in this period, so "
                "%(code)s cannot be smaller; %(value)s was entered. Check both figures."
            )
            % {
                "part": biggest_part.indicator.code,
                "code": indicator.code,
                "part_value": show_number(biggest_part.value),
                "value": value,
            }
        )
    percentages = Indicator.objects.filter(current__unit__startswith="%", current__aggregation="ratio")
    denominators = percentages.filter(current__numerator=indicator).values("current__denominator")
    above = (
        same_place.filter(indicator__in=denominators, value__lt=number).select_related("indicator").first()
    )
    if above is not None:
        raise refuse(
            _(
                "%(code)s is the numerator of a percentage whose denominator is %(other)s, so it cannot "
                "be more than %(other)s (%(other_value)s in this period); %(value)s was entered."
            )
            % {
                "code": indicator.code,
                "other": above.indicator.code,
                "other_value": show_number(above.value),
                "value": value,
            }
        )
    numerators = percentages.filter(current__denominator=indicator).values("current__numerator")
    below = same_place.filter(indicator__in=numerators, value__gt=number).select_related("indicator").first()
    if below is not None:
        raise refuse(
            _(
                "%(code)s is the denominator of a percentage whose numerator is %(other)s, so it cannot "
                "be less than %(other)s (%(other_value)s in this period); %(value)s was entered."
            )
            % {
                "code": indicator.code,
                "other": below.indicator.code,
                "other_value": show_number(below.value),
                "value": value,
            }
        )


def history_of(indicator_id: int, agency_id: int, period: ReportingPeriod) -> list[Decimal]:
    """The agency's earlier values of the indicator (periods of the same kind), oldest first."""
    values = list(
        Observation.objects.filter(
            indicator_id=indicator_id,
            agency_id=agency_id,
            period__kind=period.kind,
            period__cutoff=period.cutoff,
            period__start__lt=period.start,
        )
        .order_by("-period__start")
        .values_list("value", flat=True)[:HISTORY_SIZE]
    )
    values.reverse()
    return values


def _clean_explanation(text: Any) -> str:
    clean = str(text or "").replace("\x00", "").strip()
    if len(clean) > EXPLANATION_MAX:
        raise ValidationFailed(
            _("The explanation may have at most %(n)s characters.") % {"n": EXPLANATION_MAX},
            field="explanation",
        )
    return clean


def _save(
    actor: Any,
    report: PeriodReport,
    *,
    indicator: Any,
    value: Any,
    unit: str | None,
    explanation: str | None,
    expected_version: int | None,
) -> Observation:
    report = lock_report(report)
    ensure_editable(actor, report)
    found = _resolve_indicator(report, indicator)
    version = found.current
    assert version is not None  # _resolve_indicator refuses an indicator without a definition
    number = _clean_value(value, found, version)
    if unit is not None and str(unit).strip() and not _same_unit(str(unit), version.unit):
        raise ValidationFailed(
            _("This indicator is measured in %(unit)s: convert the value to %(unit)s.")
            % {"unit": version.unit},
            field="unit",
            code="wrong_unit",
        )
    existing = (
        Observation.objects.select_for_update(of=("self",))
        .filter(indicator=found, agency_id=report.agency_id, period_id=report.period_id)
        .first()
    )
    if existing is not None and existing.report_id != report.pk:
        other = PeriodReport.objects.select_related("program").get(pk=existing.report_id)
        raise ValidationFailed(
            _(
                "The value of %(code)s for this agency and period was already entered in the report on "
                "“%(program)s”; change it there."
            )
            % {"code": found.code, "program": other.program.title},
            field="indicator",
            code="reported_elsewhere",
        )
    text = (
        _clean_explanation(explanation)
        if explanation is not None
        else (existing.explanation if existing else "")
    )
    _check_consistency(report, found, version, number)
    reason = unusual(number, history_of(found.pk, report.agency_id, report.period))
    if (
        existing is not None
        and existing.value == number
        and existing.explanation == text
        and existing.is_outlier == (reason is not None)
        and existing.indicator_version_id == version.pk
    ):
        check_version(report, expected_version)  # nothing changed: no new version, no audit row
        existing.outlier_reason = reason  # type: ignore[attr-defined]
        return existing
    touch(actor, report, expected_version)
    before = snapshot(existing, AUDIT_FIELDS) if existing is not None else None
    obs = existing or Observation(
        indicator=found, agency_id=report.agency_id, period_id=report.period_id, report=report
    )
    obs.indicator_version = version
    obs.value = number
    obs.is_outlier = reason is not None
    obs.explanation = text
    obs.entered_by = actor
    try:
        with transaction.atomic():
            obs.save()
    except IntegrityError:  # another request created the same value at the same moment
        raise Conflict(
            _("Someone saved a value for %(code)s at the same moment. Reload the report and check it.")
            % {"code": found.code},
            code="stale_version",
        ) from None
    record(
        actor,
        "reporting.observation_saved",
        obs,
        before=before,
        after={**snapshot(obs, AUDIT_FIELDS), "outlier_reason": reason or ""},
        agency_path=report.agency.path,
    )
    obs.outlier_reason = reason  # type: ignore[attr-defined]
    return obs


@transaction.atomic
def save_observation(
    actor: Any,
    report: PeriodReport,
    *,
    indicator: Any,
    value: Any,
    unit: str | None = None,
    explanation: str | None = None,
    expected_version: int | None = None,
    idempotency_key: str = "",
) -> Observation:
    """Enter or change the value of one KPI of the report's tasks for the reporting agency and period.

    ``indicator``: an Indicator, its id or its code. ``value``: a number or the text typed (see
    ``parse_number``). ``unit``, when given, must be the indicator's. ``explanation``: None keeps
    the one saved. The returned observation carries ``outlier_reason`` (None when usual)."""
    payload = {
        "report": report.pk,
        "indicator": indicator.pk if isinstance(indicator, Indicator) else str(indicator),
        "value": str(value),
        "unit": unit,
        "explanation": explanation,
    }
    return once(
        actor,
        idempotency_key,
        "reporting.observation_saved",
        payload,
        lambda: _save(
            actor,
            report,
            indicator=indicator,
            value=value,
            unit=unit,
            explanation=explanation,
            expected_version=expected_version,
        ),
        model=Observation,
    )


@transaction.atomic
def remove_observation(actor: Any, observation: Observation, *, expected_version: int | None = None) -> None:
    """Take a value out of the report (while the report can be edited)."""
    report = lock_report(observation.report_id)
    ensure_editable(actor, report)
    obs = Observation.objects.select_for_update(of=("self",)).filter(pk=observation.pk, report=report).first()
    if obs is None:
        raise NotFound(_("This value was already removed. Reload the report."))
    touch(actor, report, expected_version)
    record(
        actor,
        "reporting.observation_removed",
        obs,
        before=snapshot(obs, AUDIT_FIELDS),
        agency_path=report.agency.path,
    )
    obs.delete()
