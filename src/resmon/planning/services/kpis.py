"""KPIs of a task: an indicator from the catalogue, a baseline, a target trajectory and the criterion.

A KPI pins the indicator version current when its targets are set, so a later change of the
indicator's definition never changes what the targets meant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from resmon.audit.services import record
from resmon.catalogue.models import Direction, Indicator
from resmon.core.access import can
from resmon.core.errors import Conflict, PermissionRefused, ValidationFailed

from ..models import TargetPoint, Task, TaskIndicator
from .tree import ensure_editable

MAX_TARGETS = 100
# DecimalField(max_digits=20, decimal_places=4): 16 digits before the point
MAX_ABS = Decimal(10) ** 16


def _day(value: dt.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def _number(value: Any, field: str, where: str) -> Decimal:
    """A finite Decimal that fits the database column, or a message naming the place."""
    if isinstance(value, float):
        value = str(value)
    try:
        number = Decimal(str(value).strip().replace(" ", "")) if value is not None else None
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise ValidationFailed(_("%(where)s: enter a number.") % {"where": where}, field=field)
    if abs(number) >= MAX_ABS:
        raise ValidationFailed(_("%(where)s: the number is too large.") % {"where": where}, field=field)
    if number != number.quantize(Decimal("0.0001")):
        raise ValidationFailed(_("%(where)s: use at most 4 decimal places.") % {"where": where}, field=field)
    return number


def _clean_baseline(baseline_value: Any, baseline_date: Any) -> tuple[Decimal | None, dt.date | None]:
    empty_value = baseline_value is None or str(baseline_value).strip() == ""
    if empty_value and baseline_date is None:
        return None, None
    if empty_value:
        raise ValidationFailed(_("Give the baseline value for the baseline date."), field="baseline_value")
    if not isinstance(baseline_date, dt.date):
        raise ValidationFailed(_("Give the date of the baseline value."), field="baseline_date")
    return _number(baseline_value, "baseline_value", _("Baseline")), baseline_date


def _clean_targets(
    targets: Iterable[tuple[Any, Any]] | None, baseline_date: dt.date | None
) -> list[tuple[dt.date, Decimal]]:
    rows = list(targets or [])
    if not rows:
        raise ValidationFailed(
            _("Give at least one target: a date and the value planned for it."), field="targets"
        )
    if len(rows) > MAX_TARGETS:
        raise ValidationFailed(
            _("A trajectory has at most %(n)s target points.") % {"n": MAX_TARGETS}, field="targets"
        )
    out: list[tuple[dt.date, Decimal]] = []
    for i, row in enumerate(rows, start=1):
        try:
            on, value = row
        except (TypeError, ValueError):
            raise ValidationFailed(
                _("Target row %(n)s: give a date and a value.") % {"n": i}, field=f"targets.{i}"
            ) from None
        where = _("Target row %(n)s") % {"n": i}
        if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
            raise ValidationFailed(_("%(where)s: give the date.") % {"where": where}, field=f"targets.{i}.on")
        if baseline_date is not None and on < baseline_date:
            raise ValidationFailed(
                _("%(where)s: the date %(on)s is before the baseline date %(base)s.")
                % {"where": where, "on": _day(on), "base": _day(baseline_date)},
                field=f"targets.{i}.on",
            )
        if out and on <= out[-1][0]:
            raise ValidationFailed(
                _("%(where)s: the date %(on)s must be after the previous row's date %(prev)s.")
                % {"where": where, "on": _day(on), "prev": _day(out[-1][0])},
                field=f"targets.{i}.on",
            )
        out.append((on, _number(value, f"targets.{i}.value", where)))
    return out


def default_criterion(indicator: Indicator, targets: list[tuple[dt.date, Decimal]]) -> str:
    """'Achieved when the value on <last date> reaches / does not exceed <last target> <unit>'."""
    version = indicator.current
    on, value = targets[-1]
    params = {
        "date": _day(on),
        "value": f"{value.normalize():f}",
        "unit": version.unit if version else "",
    }
    if version is not None and version.direction == Direction.LOWER:
        text = _("Achieved when the value on %(date)s does not exceed %(value)s %(unit)s.") % params
    else:
        text = _("Achieved when the value on %(date)s reaches at least %(value)s %(unit)s.") % params
    return " ".join(text.split()).replace(" .", ".")


def _check_indicator(indicator: Any) -> Indicator:
    if not isinstance(indicator, Indicator):
        indicator = Indicator.objects.select_related("current").filter(pk=indicator).first()
    if indicator is None:
        raise ValidationFailed(_("Choose an indicator from the catalogue."), field="indicator")
    if not indicator.is_active:
        raise ValidationFailed(
            _("Indicator %(code)s is no longer in use; choose another.") % {"code": indicator.code},
            field="indicator",
        )
    if indicator.current_id is None:
        raise ValidationFailed(
            _("Indicator %(code)s has no definition yet.") % {"code": indicator.code}, field="indicator"
        )
    return indicator


def kpi_snapshot(kpi: TaskIndicator) -> dict[str, Any]:
    return {
        "task_id": kpi.task_id,
        "indicator_id": kpi.indicator_id,
        "indicator_version_id": kpi.indicator_version_id,
        "baseline_value": kpi.baseline_value,
        "baseline_date": kpi.baseline_date,
        "criterion": kpi.criterion,
        "targets": [[t.on, t.value] for t in kpi.targets.order_by("on")],
    }


def _locked_task(actor: Any, task: Task) -> Task:
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("lead_agency", "assigned_by")
        .get(pk=task.pk)
    )
    if not can(actor, "change", task):
        raise PermissionRefused(_("You may not change the KPIs of this task."))
    ensure_editable(task.program)  # the targets are part of the programme: locked once it is issued
    return task


def _write_targets(kpi: TaskIndicator, targets: list[tuple[dt.date, Decimal]]) -> None:
    kpi.targets.all().delete()
    TargetPoint.objects.bulk_create([TargetPoint(kpi=kpi, on=on, value=value) for on, value in targets])


@transaction.atomic
def add_kpi(
    actor: Any,
    task: Task,
    *,
    indicator: Any,
    baseline_value: Any = None,
    baseline_date: dt.date | None = None,
    criterion: str = "",
    targets: Iterable[tuple[Any, Any]] | None = None,
) -> TaskIndicator:
    """Attach an indicator to a task with its baseline and target trajectory."""
    task = _locked_task(actor, task)
    indicator = _check_indicator(indicator)
    if TaskIndicator.objects.filter(task=task, indicator=indicator).exists():
        raise Conflict(
            _("This task already has indicator %(code)s; edit that KPI instead.") % {"code": indicator.code},
            code="duplicate",
            field="indicator",
        )
    base_value, base_date = _clean_baseline(baseline_value, baseline_date)
    points = _clean_targets(targets, base_date)
    kpi = TaskIndicator.objects.create(
        task=task,
        indicator=indicator,
        indicator_version_id=indicator.current_id,
        baseline_value=base_value,
        baseline_date=base_date,
        criterion=(criterion or "").strip() or default_criterion(indicator, points),
    )
    _write_targets(kpi, points)
    record(
        actor,
        "planning.kpi_added",
        kpi,
        after=kpi_snapshot(kpi),
        agency_path=task.lead_agency.path,
        object_repr=f"{task} – {indicator.code}",
    )
    return kpi


@transaction.atomic
def update_kpi(
    actor: Any,
    kpi: TaskIndicator,
    *,
    baseline_value: Any = None,
    baseline_date: dt.date | None = None,
    criterion: str = "",
    targets: Iterable[tuple[Any, Any]] | None = None,
) -> TaskIndicator:
    """Replace a KPI's baseline, criterion and whole trajectory; the targets are set anew against
    the indicator's current definition."""
    kpi = (
        TaskIndicator.objects.select_for_update(of=("self",))
        .select_related("indicator__current")
        .get(pk=kpi.pk)
    )
    task = _locked_task(actor, kpi.task)
    indicator = _check_indicator(kpi.indicator)
    base_value, base_date = _clean_baseline(baseline_value, baseline_date)
    points = _clean_targets(targets, base_date)
    before = kpi_snapshot(kpi)
    kpi.baseline_value = base_value
    kpi.baseline_date = base_date
    kpi.criterion = (criterion or "").strip() or default_criterion(indicator, points)
    kpi.indicator_version_id = indicator.current_id
    kpi.save()
    _write_targets(kpi, points)
    record(
        actor,
        "planning.kpi_updated",
        kpi,
        before=before,
        after=kpi_snapshot(kpi),
        agency_path=task.lead_agency.path,
        object_repr=f"{task} – {indicator.code}",
    )
    return kpi


@transaction.atomic
def remove_kpi(actor: Any, kpi: TaskIndicator) -> None:
    kpi = TaskIndicator.objects.select_for_update(of=("self",)).select_related("indicator").get(pk=kpi.pk)
    task = _locked_task(actor, kpi.task)
    before = kpi_snapshot(kpi)
    repr_ = f"{task} – {kpi.indicator.code}"
    pk = kpi.pk
    kpi.delete()
    record(
        actor,
        "planning.kpi_removed",
        None,
        before=before,
        agency_path=task.lead_agency.path,
        object_type=TaskIndicator._meta.label_lower,
        object_id=str(pk),
        object_repr=repr_,
    )
