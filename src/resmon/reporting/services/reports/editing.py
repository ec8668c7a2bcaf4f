"""Period reports: creation and saving (the reporting agency's side)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from resmon.agencies.models import Agency
from resmon.audit.services import record, snapshot
from resmon.catalogue import periods as cal
from resmon.catalogue.models import ReportingPeriod
from resmon.catalogue.services_periods import configured_cutoff
from resmon.core import classified, clock
from resmon.core.dates import parse_date
from resmon.core.errors import PermissionRefused, ValidationFailed
from resmon.core.models import check_version
from resmon.planning.models import ActionProgram, Milestone
from resmon.planning.tree_shape import code_key

from ...models import EDITABLE_STATES, PeriodReport, ReportLine
from ...selectors import leaf_task_ids
from ..idempotency import once
from .rules import (
    LINE_TEXT_FIELDS,
    PREPARERS,
    TEXT_MAX,
    _bump,
    _day,
    _ensure,
    _ensure_open,
    _ensure_state,
    _existing_conflict,
    _is_admin,
    _prepare_refusal,
    _reviewer_side,
    _schedule_entry,
    accepting_agency_for,
    lock_report,
    report_tasks,
    too_long,
)


def _create(actor: Any, program: ActionProgram, period: ReportingPeriod, agency: Agency) -> PeriodReport:
    if not (_is_admin(actor) or (actor.scope.role in PREPARERS and actor.scope.writes(agency.path))):
        raise PermissionRefused(
            _("Only the focal officers and leaders of %(agency)s prepare its reports.")
            % {"agency": agency.name}
        )
    accepting = accepting_agency_for(program, agency)
    refusal = _reviewer_side(actor, agency, accepting)
    if refusal:
        raise PermissionRefused(refusal)
    if period.cutoff != configured_cutoff():
        raise ValidationFailed(
            _("This period does not belong to the reporting calendar in use; choose another period."),
            field="period",
        )
    entry = _schedule_entry(program, period)
    today = clock.today()
    if period.start > today:
        raise ValidationFailed(
            _("The period %(period)s has not started yet (it starts on %(date)s).")
            % {"period": period.label, "date": _day(period.start)},
            field="period",
            code="period_not_started",
        )
    if period.is_closed:
        raise ValidationFailed(
            _(
                "The period %(period)s was closed on %(date)s: it accepts no new data. Ask a system "
                "administrator to reopen it if a correction is needed."
            )
            % {"period": period.label, "date": _day(period.closed_at)},
            field="period",
            code="period_closed",
        )
    existing = PeriodReport.objects.filter(program=program, period=period, agency=agency).values_list(
        "pk", flat=True
    )
    if existing:
        raise _existing_conflict(existing[0], agency, period)
    tasks = list(report_tasks(program, agency, period))
    if not tasks:
        raise ValidationFailed(
            _(
                "%(agency)s leads no task of this programme that is due for reporting in %(period)s, "
                "so there is nothing to report."
            )
            % {"agency": agency.name, "period": period.label},
            code="no_tasks",
        )
    due, grace = entry.due_of(cal.parse_code(period.code, period.cutoff))
    report = PeriodReport(
        program=program,
        resolution_id=program.resolution_id,
        period=period,
        agency=agency,
        accepting_agency=accepting,
        due_date=due,
        grace_until=grace,
        prepared_by=actor,
        updated_by_name=actor.get_username(),
    )
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # created meanwhile by someone else (the unique constraint waited for their commit)
        pk = PeriodReport.objects.filter(program=program, period=period, agency=agency).values_list(
            "pk", flat=True
        )
        if not pk:
            raise
        raise _existing_conflict(pk[0], agency, period) from None
    leaves = leaf_task_ids(t.pk for t in tasks)
    tasks.sort(key=lambda t: (code_key(t.code), t.position, t.pk))
    ReportLine.objects.bulk_create(
        [
            ReportLine(
                report=report,
                task=t,
                position=i,
                percent_done=t.percent_done if t.pk in leaves else None,
                completed_on=t.completed_on,
            )
            for i, t in enumerate(tasks, start=1)
        ]
    )
    record(
        actor,
        "reporting.report_created",
        report,
        after={**snapshot(report), "lines": [t.pk for t in tasks]},
        agency_path=agency.path,
    )
    return report


@transaction.atomic
def create_report(
    actor: Any,
    *,
    program: ActionProgram,
    period: ReportingPeriod,
    agency: Agency | None = None,
    idempotency_key: str = "",
) -> PeriodReport:
    """Start ``agency``'s report (default: the actor's agency) on ``program`` for ``period``, its
    lines prefilled from the tasks. Refused: no permission; a period the programme does not report
    on, not started, or closed; no task due; a report that exists (Conflict with its id)."""
    agency = agency or getattr(actor, "agency", None)
    if agency is None:
        raise PermissionRefused(_("Your account belongs to no agency, so it cannot prepare reports."))
    payload = {"program": program.pk, "period": period.pk, "agency": agency.pk}
    return once(
        actor,
        idempotency_key,
        "reporting.create_report",
        payload,
        lambda: _create(actor, program, period, agency),
        model=PeriodReport,
    )


# --- saving -------------------------------------------------------------------------------------


def parse_percent(value: Any) -> Decimal | None:
    """A percent as people type it: 45, "45,5", "45.5", "45 %"; None for empty. 0–100, two decimals."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("not a number")
    text = str(value).strip().rstrip("%").strip().replace(" ", "")
    if "," in text and "." not in text and text.count(",") == 1:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not number.is_finite():
        raise ValueError("not a number")
    return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _percent_error() -> str:
    return _("Enter the percent done as a number from 0 to 100, for example 45 or 45,5.")


def _clean_text(value: Any, key: str, errors: dict[str, list[str]]) -> str:
    text = str(value or "").strip()
    if len(text) > TEXT_MAX:
        errors.setdefault(key, []).append(too_long(TEXT_MAX, len(text)))
    elif classified.mark_in_text(text):
        errors.setdefault(key, []).append(str(classified.TEXT_MESSAGE))
    return text


def _parse_completed(value: Any, key: str, errors: dict[str, list[str]], today: dt.date) -> dt.date | None:
    if value in (None, ""):
        return None
    day = (
        value if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else parse_date(str(value))
    )
    if day is None:
        errors.setdefault(key, []).append(_("Enter the completion date as dd/mm/yyyy."))
        return None
    if day > today:
        errors.setdefault(key, []).append(_("The completion date cannot be in the future."))
    return day


@transaction.atomic
def save_report(
    actor: Any,
    report: PeriodReport,
    *,
    expected_version: int | None = None,
    results: str | None = None,
    obstacles: str | None = None,
    next_steps: str | None = None,
    lines: list[dict[str, Any]] | None = None,
) -> PeriodReport:
    """Save the report's content (the arguments given; in ``lines`` only the keys present).

    Every error is collected ("results", "lines.<task id>.<field>") and nothing is saved if any.
    Saving what is already stored changes nothing (no new version, no audit row)."""
    report = lock_report(report)
    _ensure(_prepare_refusal(actor, report))
    _ensure_state(report, EDITABLE_STATES, _("changed"))
    _ensure_open(report)
    check_version(report, expected_version)

    errors: dict[str, list[str]] = {}
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    report_changes: dict[str, str] = {}
    for name, value in (("results", results), ("obstacles", obstacles), ("next_steps", next_steps)):
        if value is None:
            continue
        text = _clean_text(value, name, errors)
        if text != getattr(report, name):
            report_changes[name] = text

    by_task = {
        line.task_id: line
        for line in report.lines.select_related("task").prefetch_related("milestones_reached")
    }
    leaves = leaf_task_ids(by_task)
    milestones_of: dict[int, set[int]] = defaultdict(set)
    for pk, task_id in Milestone.objects.filter(task_id__in=list(by_task)).values_list("pk", "task_id"):
        milestones_of[task_id].add(pk)
    today = clock.today()
    line_changes: dict[int, dict[str, Any]] = {}
    for item in lines or []:
        try:
            task_id = int(item["task"])
        except (KeyError, TypeError, ValueError):
            errors.setdefault("lines", []).append(_("Each line must name its task."))
            continue
        line = by_task.get(task_id)
        if line is None:
            errors.setdefault(f"lines.{task_id}", []).append(_("This task is not part of the report."))
            continue
        prefix = f"lines.{task_id}"
        code = line.task.code or f"#{task_id}"
        changes: dict[str, Any] = {}
        for name in LINE_TEXT_FIELDS:
            if name in item:
                text = _clean_text(item[name], f"{prefix}.{name}", errors)
                if text != getattr(line, name):
                    changes[name] = text
        is_parent = task_id not in leaves
        percent: Decimal | None = line.percent_done
        if "percent_done" in item:
            try:
                percent = parse_percent(item["percent_done"])
            except ValueError:
                errors.setdefault(f"{prefix}.percent_done", []).append(_percent_error())
                percent = line.percent_done
            else:
                if percent is not None and is_parent:
                    errors.setdefault(f"{prefix}.percent_done", []).append(
                        _(
                            "Task %(code)s has sub-tasks: its percent done is calculated from its "
                            "sub-tasks and cannot be entered."
                        )
                        % {"code": code}
                    )
                elif percent is not None and not Decimal(0) <= percent <= Decimal(100):
                    errors.setdefault(f"{prefix}.percent_done", []).append(_percent_error())
        completed = line.completed_on
        if "completed_on" in item:
            completed = _parse_completed(item["completed_on"], f"{prefix}.completed_on", errors, today)
            if completed is not None and is_parent:
                errors.setdefault(f"{prefix}.completed_on", []).append(
                    _(
                        "Task %(code)s has sub-tasks: it is completed when they are; enter the "
                        "completion dates on the sub-tasks."
                    )
                    % {"code": code}
                )
        if completed is not None and not is_parent:
            percent = Decimal(100)
        if not is_parent and percent != line.percent_done:
            changes["percent_done"] = percent
        if completed != line.completed_on:
            changes["completed_on"] = completed
        if "milestones" in item:
            try:
                wanted = {int(m) for m in (item["milestones"] or [])}
            except (TypeError, ValueError):
                wanted = set()
                errors.setdefault(f"{prefix}.milestones", []).append(_("Choose milestones from the list."))
            if wanted - milestones_of[task_id]:
                errors.setdefault(f"{prefix}.milestones", []).append(
                    _("Choose only milestones of task %(code)s.") % {"code": code}
                )
            current = {m.pk for m in line.milestones_reached.all()}
            if wanted != current:
                changes["milestones"] = sorted(wanted)
        if changes:
            line_changes[task_id] = changes

    if errors:
        raise ValidationFailed(
            _("Some entries need correcting; nothing was saved."),
            code=classified.code_of(errors) or "invalid_report",
            errors=errors,
        )
    if not report_changes and not line_changes:
        return report

    for name, value in report_changes.items():
        before[name] = getattr(report, name)
        after[name] = value
        setattr(report, name, value)
    for task_id, changes in line_changes.items():
        line = by_task[task_id]
        fields = []
        for name, value in changes.items():
            key = f"lines.{task_id}.{name}"
            if name == "milestones":
                before[key] = sorted(m.pk for m in line.milestones_reached.all())
                line.milestones_reached.set(value)
            else:
                before[key] = getattr(line, name)
                setattr(line, name, value)
                fields.append(name)
            after[key] = value
        if fields:
            line.save(update_fields=[*fields, "updated_at"])
    before["version"] = report.version
    _bump(actor, report)
    after["version"] = report.version
    report.save()
    record(
        actor, "reporting.report_saved", report, before=before, after=after, agency_path=report.agency.path
    )
    return report


# --- the review chain ---------------------------------------------------------------------------


def completeness_errors(report: PeriodReport) -> dict[str, list[str]]:
    """What must be filled in before the report can be sent (empty when complete)."""
    errors: dict[str, list[str]] = {}
    lines = list(report.lines.select_related("task"))
    leaves = leaf_task_ids(line.task_id for line in lines)
    for line in lines:
        if line.task_id in leaves and line.percent_done is None:
            errors[f"lines.{line.task_id}.percent_done"] = [
                _("Enter the percent done of task %(code)s.") % {"code": line.task.code or f"#{line.task_id}"}
            ]
    for obs in report.observations.filter(is_outlier=True).select_related("indicator"):
        if not obs.explanation.strip():
            errors[f"observations.{obs.indicator_id}.explanation"] = [
                _("The value of %(indicator)s is unusual against earlier periods: explain it.")
                % {"indicator": obs.indicator}
            ]
    return errors


def _ensure_complete(report: PeriodReport) -> None:
    errors = completeness_errors(report)
    if errors:
        raise ValidationFailed(
            _(
                "The report is not complete (%(n)s items): enter the missing percentages and explain "
                "the unusual KPI values, then send it again."
            )
            % {"n": len(errors)},
            code="report_incomplete",
            errors=errors,
        )
