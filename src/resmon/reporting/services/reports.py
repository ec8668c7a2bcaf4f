"""Period reports: creation, saving, and the review chain.

The focal officer prepares the report (draft), sends it to the head (awaiting_head); the head (a
leader of the reporting agency) approves it for sending (sent), or sends it back with a note; a
leader may also send directly from draft or returned. The accepting level (the level that assigned
the tasks, fixed at creation) accepts it, which applies its progress to the tasks and locks it, or
returns it with a reason; an accepted report is reopened (returned) by that level with a reason.

Every write here: one transaction, the report row locked, permission checked, the period open,
the version checked, one audit row, then the notification.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from resmon.agencies.models import Agency
from resmon.audit.services import record, snapshot
from resmon.catalogue import periods as cal
from resmon.catalogue.models import PeriodKind, ReportingPeriod
from resmon.catalogue.services_periods import configured_cutoff
from resmon.core import clock
from resmon.core.access import Role, can
from resmon.core.dates import parse_date
from resmon.core.errors import Conflict, PermissionRefused, ValidationFailed
from resmon.core.models import check_version
from resmon.planning.models import ActionProgram, Milestone, Task
from resmon.planning.services.schedule import ScheduleEntry, schedule_of
from resmon.planning.services.tasks import apply_reported_progress
from resmon.planning.status import TaskState
from resmon.planning.tree_shape import code_key

from ..models import EDITABLE_STATES, PeriodReport, Proposal, ReportLine, ReportState, ReviewRule
from ..selectors import leaf_task_ids
from ..selectors_completeness import reportable_tasks_q
from . import notices
from .idempotency import once

ACTIONS = (
    "edit",
    "submit",
    "send_back",
    "approve",
    "accept",
    "return",
    "reopen",
    "add_evidence",
    "raise_proposal",
)
PREPARERS = {Role.FOCAL_OFFICER, Role.LEADER}
REVIEWERS = {Role.FOCAL_OFFICER, Role.LEADER}
RULE_SETTERS = {Role.LEADER, Role.AGENCY_ADMIN}
REASON_MIN = 10
REASON_MAX = 2000
TEXT_MAX = 20000
MISSING_NAMED = 5
REPORT_TEXT_FIELDS = ("results", "obstacles", "next_steps")
LINE_TEXT_FIELDS = ("results", "obstacles")
WORKFLOW_FIELDS = [
    "state",
    "version",
    "submitted_to_head_at",
    "head_approved_by",
    "first_sent_at",
    "sent_at",
    "is_late",
    "accepted_by",
    "accepted_at",
    "returned_by",
    "returned_at",
    "return_reason",
    "reopen_reason",
]
SENT_STATES = (ReportState.SENT, ReportState.ACCEPTED)


# --- small helpers ------------------------------------------------------------------------------


def _day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(clock.tz()).date()
    return date_format(value, "d/m/Y")


def _is_admin(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False)) and actor.scope.role == Role.SYSTEM_ADMIN


def lock_report(report: PeriodReport | int) -> PeriodReport:
    """Re-read the report with a row lock (inside a transaction)."""
    pk = report.pk if isinstance(report, PeriodReport) else report
    return (
        PeriodReport.objects.select_for_update(of=("self",))
        .select_related("program", "period", "agency", "accepting_agency", "prepared_by")
        .get(pk=pk)
    )


def _bump(actor: Any, report: PeriodReport) -> None:
    report.version += 1
    report.updated_by_name = actor.get_username()


def touch(actor: Any, report: PeriodReport, expected_version: int | None) -> None:
    """Check the report's version and bump it (for line, evidence and observation writes: one
    version per report). The caller has locked the report (``lock_report``)."""
    check_version(report, expected_version)
    _bump(actor, report)
    report.save(update_fields=["version", "updated_by_name", "updated_at"])


def _ensure_open(report: PeriodReport) -> None:
    period = report.period
    if period.is_closed:
        raise ValidationFailed(
            _(
                "The period %(period)s was closed on %(date)s: it accepts no new data. Ask a system "
                "administrator to reopen it if a correction is needed."
            )
            % {"period": period.label, "date": _day(period.closed_at)},
            code="period_closed",
        )


def _state_label(report: PeriodReport) -> str:
    return str(ReportState(report.state).label)


def _ensure_state(report: PeriodReport, allowed: tuple[str, ...], step: str) -> None:
    if report.state in allowed:
        return
    if report.state == ReportState.ACCEPTED:
        raise ValidationFailed(
            _(
                "This report was accepted on %(date)s and is locked. %(accepting)s can reopen it with "
                "a reason if a correction is needed."
            )
            % {"date": _day(report.accepted_at), "accepting": report.accepting_agency.name},
            code="report_locked",
        )
    raise ValidationFailed(
        _("The report is “%(state)s”: it cannot be %(step)s now.")
        % {"state": _state_label(report), "step": step},
        code="wrong_state",
    )


def _reviewer_side(actor: Any, agency: Agency, accepting: Agency) -> str | None:
    """Separation of duties: the people of the accepting level never prepare or approve the
    report they will accept (a province officer cannot write a commune's report for it)."""
    if _is_admin(actor) or accepting.pk == agency.pk or not actor.scope.writes(accepting.path):
        return None
    return _(
        "%(accepting)s accepts this report, so its people cannot also prepare or approve it; %(agency)s does."
    ) % {"accepting": accepting.name, "agency": agency.name}


def _prepare_refusal(actor: Any, report: PeriodReport) -> str | None:
    if can(actor, "prepare", report):
        return _reviewer_side(actor, report.agency, report.accepting_agency)
    return _("Only the focal officers and leaders of %(agency)s prepare and send its report.") % {
        "agency": report.agency.name
    }


def _approve_refusal(actor: Any, report: PeriodReport) -> str | None:
    if can(actor, "approve", report):
        return _reviewer_side(actor, report.agency, report.accepting_agency)
    return _("Only a leader of %(agency)s approves its report for sending.") % {"agency": report.agency.name}


def _review_refusal(actor: Any, report: PeriodReport) -> str | None:
    """Accept, return and reopen: the accepting level, never the reporting agency itself."""
    if _is_admin(actor):
        return None
    names = {"agency": report.agency.name, "accepting": report.accepting_agency.name}
    own = getattr(actor, "agency", None)
    if own is not None and own.path.startswith(report.agency.path):
        return (
            _(
                "%(agency)s cannot accept, return or reopen its own report: the accepting level "
                "(%(accepting)s) does."
            )
            % names
        )
    if actor.scope.role not in REVIEWERS or not actor.scope.writes(report.accepting_agency.path):
        return (
            _("Only the leaders and focal officers of %(accepting)s accept, return or reopen this report.")
            % names
        )
    return None


def _ensure(refusal: str | None) -> None:
    if refusal:
        raise PermissionRefused(refusal)


def too_long(maximum: int, length: int) -> str:
    return _("Keep it under %(n)s characters (it has %(len)s).") % {"n": maximum, "len": length}


def clean_text(value: Any, *, field: str, maximum: int, minimum: int = 0, missing: str = "") -> str:
    """A text the user wrote, stripped; refused on ``field`` when shorter than ``minimum``
    (``missing`` says what to write) or longer than ``maximum``. For every reporting write."""
    text = str(value or "").strip()
    if len(text) < minimum:
        raise ValidationFailed(missing, field=field)
    if len(text) > maximum:
        raise ValidationFailed(too_long(maximum, len(text)), field=field)
    return text


def _reason(text: Any, field: str = "reason", minimum: int = REASON_MIN) -> str:
    if minimum <= 1:
        missing = _("Write a note saying what to change.")
    else:
        missing = _("Give the reason (at least %(n)s characters), so the agency knows what to correct.") % {
            "n": minimum
        }
    return clean_text(text, field=field, maximum=REASON_MAX, minimum=minimum, missing=missing)


def _audit(actor: Any, action: str, report: PeriodReport, before: Any, *, reason: str = "") -> None:
    record(
        actor,
        action,
        report,
        before=before,
        after=snapshot(report, WORKFLOW_FIELDS),
        agency_path=report.agency.path,
        reason=reason,
    )


# --- who accepts, which tasks -------------------------------------------------------------------


def _accepting_map(
    program: ActionProgram, *, leads: set[int] | None = None, period: ReportingPeriod | None = None
) -> tuple[dict[int, int], dict[int, Agency]]:
    """{lead agency id: accepting agency id} for the programme, from one read of its tasks.

    ``leads`` limits it to some lead agencies; ``period`` to the agencies with tasks due for
    reporting in it (otherwise: every agency leading a task that is not cancelled)."""
    rows = list(
        Task.objects.filter(program_id=program.pk).values_list(
            "id", "parent_id", "lead_agency_id", "assigned_by_id", "state", "completed_on"
        )
    )
    lead_of = {pk: lead for pk, _p, lead, _b, _s, _c in rows}
    found: set[int] = set()
    assigners: dict[int, set[int]] = defaultdict(set)
    for _pk, parent_id, lead, by, state, completed_on in rows:
        if state == TaskState.CANCELLED or (leads is not None and lead not in leads):
            continue
        if period is not None and completed_on is not None and completed_on < period.start:
            continue
        found.add(lead)
        if (parent_id is None or lead_of.get(parent_id) != lead) and by != lead:
            assigners[lead].add(by)
    wanted = found | (leads or set())
    ids = wanted | {program.agency_id} | {a for s in assigners.values() for a in s}
    agencies = {a.pk: a for a in Agency.objects.filter(pk__in=ids)}
    out: dict[int, int] = {}
    for lead in wanted:
        candidates = [agencies[i] for i in assigners.get(lead, ()) if i in agencies]
        if candidates:
            out[lead] = min(candidates, key=lambda a: (a.depth, a.path)).pk
        elif program.agency_id != lead:
            out[lead] = program.agency_id
        else:
            paths = agencies[lead].ancestor_paths if lead in agencies else []
            parent = Agency.objects.filter(path=paths[-1]).first() if paths else None
            out[lead] = parent.pk if parent is not None else lead
            if parent is not None:
                agencies[parent.pk] = parent
    return out, agencies


def accepting_agency_for(program: ActionProgram, agency: Agency) -> Agency:
    """The level that accepts ``agency``'s reports on ``program``: among the agency's top-most
    tasks (whose parent it does not lead), the assigning agencies other than itself — the highest
    of them when several; when it assigned them all itself: the programme's agency, or, for the
    programme's own agency, its parent (the root accepts its own: then only system admins)."""
    mapping, agencies = _accepting_map(program, leads={agency.pk})
    return agencies[mapping[agency.pk]]


def report_tasks(program: ActionProgram, agency: Agency, period: ReportingPeriod) -> QuerySet[Task]:
    """The tasks ``agency`` leads in ``program`` that are due for reporting in ``period``: not
    cancelled, not completed before the period started."""
    return Task.objects.filter(program_id=program.pk, lead_agency_id=agency.pk).filter(
        reportable_tasks_q(period)
    )


def _schedule_entry(program: ActionProgram, period: ReportingPeriod) -> ScheduleEntry:
    entries = schedule_of(program)
    for entry in entries:
        if entry.kind == period.kind:
            return entry
    kinds = ", ".join(str(PeriodKind(e.kind).label).lower() for e in entries)
    raise ValidationFailed(
        _("This programme reports %(kinds)s; choose one of those periods.") % {"kinds": kinds},
        field="period",
        code="period_not_scheduled",
    )


# --- creating -----------------------------------------------------------------------------------


def _existing_conflict(report_id: int, agency: Agency, period: ReportingPeriod) -> Conflict:
    return Conflict(
        _(
            "%(agency)s already has a report on this programme for %(period)s (report #%(id)s): "
            "open it instead."
        )
        % {"agency": agency.name, "period": period.label, "id": report_id},
        code="report_exists",
        extra={"report_id": report_id},
    )


def _create(actor: Any, program: ActionProgram, period: ReportingPeriod, agency: Agency) -> PeriodReport:
    if not (_is_admin(actor) or (actor.scope.role in PREPARERS and actor.scope.writes(agency.path))):
        raise PermissionRefused(
            _("Only the focal officers and leaders of %(agency)s prepare its reports.")
            % {"agency": agency.name}
        )
    refusal = _reviewer_side(actor, agency, accepting_agency_for(program, agency))
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
        accepting_agency=accepting_agency_for(program, agency),
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
            _("Some entries need correcting; nothing was saved."), code="invalid_report", errors=errors
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


def _payload(report: PeriodReport, expected_version: int | None, **extra: Any) -> dict[str, Any]:
    return {"report": report.pk, "version": expected_version, **extra}


def _submit(actor: Any, report: PeriodReport, expected_version: int | None) -> PeriodReport:
    report = lock_report(report)
    _ensure(_prepare_refusal(actor, report))
    _ensure_state(report, EDITABLE_STATES, _("sent to the head"))
    _ensure_open(report)
    check_version(report, expected_version)
    _ensure_complete(report)
    before = snapshot(report, WORKFLOW_FIELDS)
    report.state = ReportState.AWAITING_HEAD
    report.submitted_to_head_at = clock.now()
    report.prepared_by = actor
    _bump(actor, report)
    report.save()
    _audit(actor, "reporting.report_submitted_to_head", report, before)
    notices.submitted_to_head(report, actor)
    return report


@transaction.atomic
def submit_to_head(
    actor: Any, report: PeriodReport, *, expected_version: int | None = None, idempotency_key: str = ""
) -> PeriodReport:
    """The focal officer sends the complete report to the head: draft|returned → awaiting_head."""
    return once(
        actor,
        idempotency_key,
        "reporting.submit_to_head",
        _payload(report, expected_version),
        lambda: _submit(actor, report, expected_version),
        model=PeriodReport,
    )


@transaction.atomic
def send_back_to_officer(
    actor: Any, report: PeriodReport, *, note: str, expected_version: int | None = None
) -> PeriodReport:
    """The head sends the report back to the officer with a note: awaiting_head → draft."""
    report = lock_report(report)
    _ensure(_approve_refusal(actor, report))
    _ensure_state(report, (ReportState.AWAITING_HEAD,), _("sent back"))
    _ensure_open(report)
    check_version(report, expected_version)
    note = _reason(note, "note", minimum=1)
    before = snapshot(report, WORKFLOW_FIELDS)
    report.state = ReportState.DRAFT
    _bump(actor, report)
    report.save()
    _audit(actor, "reporting.report_sent_back", report, before, reason=note)
    notices.sent_back(report, actor, note)
    return report


def _send(actor: Any, report: PeriodReport, expected_version: int | None) -> PeriodReport:
    report = lock_report(report)
    _ensure(_approve_refusal(actor, report))
    _ensure_state(report, (ReportState.AWAITING_HEAD, *EDITABLE_STATES), _("sent"))
    _ensure_open(report)
    check_version(report, expected_version)
    _ensure_complete(report)
    before = snapshot(report, WORKFLOW_FIELDS)
    previously_sent = report.sent_at
    now = clock.now()
    report.state = ReportState.SENT
    report.head_approved_by = actor
    report.sent_at = now
    if report.first_sent_at is None:
        report.first_sent_at = now
        report.is_late = not cal.is_on_time(now, report.due_date)
    _bump(actor, report)
    report.save()
    _audit(actor, "reporting.report_sent", report, before)
    notices.sent(report, actor)
    # the proposals raised since the report was last sent reach their addressees now
    arriving = report.proposals.filter(status=Proposal.Status.OPEN).select_related("addressed_to")
    if previously_sent is not None:
        arriving = arriving.filter(created_at__gt=previously_sent)
    notices.proposals_received(report, arriving.order_by("pk"), actor)
    return report


@transaction.atomic
def approve_and_send(
    actor: Any, report: PeriodReport, *, expected_version: int | None = None, idempotency_key: str = ""
) -> PeriodReport:
    """A leader of the reporting agency approves and sends the report to the accepting level:
    awaiting_head (or directly draft|returned) → sent. The first sending decides timeliness."""
    return once(
        actor,
        idempotency_key,
        "reporting.approve_and_send",
        _payload(report, expected_version),
        lambda: _send(actor, report, expected_version),
        model=PeriodReport,
    )


def missing_before_accept(report: PeriodReport) -> list[Agency]:
    """Under a "wait for all" review rule: the agencies whose expected report on the same
    programme and period (accepted by this level, or reporting from inside its subtree) has not
    been sent yet. Empty when there is no such rule."""
    level = report.accepting_agency
    if not ReviewRule.objects.filter(agency_id=level.pk, wait_for_all=True).exists():
        return []
    mapping, agencies = _accepting_map(report.program, period=report.period)
    expected = [
        lead
        for lead, accepting in mapping.items()
        if lead != level.pk
        and lead in agencies
        and (accepting == level.pk or agencies[lead].path.startswith(level.path))
    ]
    sent = set(
        PeriodReport.objects.filter(
            program_id=report.program_id,
            period_id=report.period_id,
            agency_id__in=expected,
            state__in=SENT_STATES,
        ).values_list("agency_id", flat=True)
    )
    return sorted((agencies[a] for a in expected if a not in sent), key=lambda a: a.path)


def _accept(actor: Any, report: PeriodReport, expected_version: int | None) -> PeriodReport:
    report = lock_report(report)
    _ensure(_review_refusal(actor, report))
    _ensure_state(report, (ReportState.SENT,), _("accepted"))
    _ensure_open(report)
    check_version(report, expected_version)
    missing = missing_before_accept(report)
    if missing:
        names = ", ".join(a.name for a in missing[:MISSING_NAMED])
        if len(missing) > MISSING_NAMED:
            names += ", …"
        raise ValidationFailed(
            _(
                "%(accepting)s accepts reports only when every expected report has been sent, and "
                "%(n)s have not been sent yet: %(names)s."
            )
            % {"accepting": report.accepting_agency.name, "n": len(missing), "names": names},
            code="reports_missing",
            extra={"missing": [a.pk for a in missing]},
        )
    before = snapshot(report, WORKFLOW_FIELDS)
    reported_on = min(report.period.end, clock.today())
    reason = _("Accepted report #%(id)s") % {"id": report.pk}
    lines = list(report.lines.select_related("task").prefetch_related("milestones_reached"))
    leaves = leaf_task_ids(line.task_id for line in lines)
    for line in lines:
        milestones = [m.pk for m in line.milestones_reached.all()]
        if line.task_id not in leaves:
            if milestones:
                apply_reported_progress(
                    line.task,
                    percent_done=None,
                    completed_on=None,
                    reported_on=reported_on,
                    actor=actor,
                    milestones=milestones,
                    reason=reason,
                )
            continue
        apply_reported_progress(
            line.task,
            percent_done=line.percent_done,
            completed_on=line.completed_on,
            reported_on=reported_on,
            actor=actor,
            milestones=milestones,
            reason=reason,
        )
    report.state = ReportState.ACCEPTED
    report.accepted_by = actor
    report.accepted_at = clock.now()
    _bump(actor, report)
    report.save()
    _audit(actor, "reporting.report_accepted", report, before)
    notices.accepted(report, actor)
    return report


@transaction.atomic
def accept_report(
    actor: Any, report: PeriodReport, *, expected_version: int | None = None, idempotency_key: str = ""
) -> PeriodReport:
    """The accepting level accepts a sent report: its progress goes to the tasks, and it is locked."""
    return once(
        actor,
        idempotency_key,
        "reporting.accept_report",
        _payload(report, expected_version),
        lambda: _accept(actor, report, expected_version),
        model=PeriodReport,
    )


def _return(actor: Any, report: PeriodReport, reason: str, expected_version: int | None) -> PeriodReport:
    report = lock_report(report)
    _ensure(_review_refusal(actor, report))
    _ensure_state(report, (ReportState.SENT,), _("returned"))
    _ensure_open(report)
    check_version(report, expected_version)
    reason = _reason(reason)
    before = snapshot(report, WORKFLOW_FIELDS)
    report.state = ReportState.RETURNED
    report.returned_by = actor
    report.returned_at = clock.now()
    report.return_reason = reason
    _bump(actor, report)
    report.save()
    _audit(actor, "reporting.report_returned", report, before, reason=reason)
    notices.returned(report, actor)
    return report


@transaction.atomic
def return_report(
    actor: Any,
    report: PeriodReport,
    *,
    reason: str,
    expected_version: int | None = None,
    idempotency_key: str = "",
) -> PeriodReport:
    """The accepting level returns a sent report with a reason: sent → returned."""
    return once(
        actor,
        idempotency_key,
        "reporting.return_report",
        _payload(report, expected_version, reason=str(reason or "").strip()),
        lambda: _return(actor, report, reason, expected_version),
        model=PeriodReport,
    )


@transaction.atomic
def reopen_report(
    actor: Any, report: PeriodReport, *, reason: str, expected_version: int | None = None
) -> PeriodReport:
    """The accepting level reopens an accepted report with a reason: accepted → returned. The
    progress already applied to the tasks stays until the corrected report is accepted."""
    report = lock_report(report)
    _ensure(_review_refusal(actor, report))
    _ensure_state(report, (ReportState.ACCEPTED,), _("reopened"))
    _ensure_open(report)
    check_version(report, expected_version)
    reason = _reason(reason)
    before = snapshot(report, WORKFLOW_FIELDS)
    now = clock.now()
    report.state = ReportState.RETURNED
    report.reopen_reason = reason
    report.return_reason = reason
    report.returned_by = actor
    report.returned_at = now
    _bump(actor, report)
    report.save()
    _audit(actor, "reporting.report_reopened", report, before, reason=reason)
    notices.returned(report, actor, reopened=True)
    return report


@transaction.atomic
def set_review_rule(actor: Any, agency: Agency, *, wait_for_all: bool) -> ReviewRule:
    """How ``agency`` reviews the reports it accepts; for its leaders and agency administrators."""
    if not (_is_admin(actor) or (actor.scope.role in RULE_SETTERS and actor.scope.writes(agency.path))):
        raise PermissionRefused(
            _("Only the leaders and administrators of %(agency)s set how it reviews reports.")
            % {"agency": agency.name}
        )
    if not isinstance(wait_for_all, bool):
        raise ValidationFailed(_("Enter true or false."), field="wait_for_all")
    rule = ReviewRule.objects.select_for_update().filter(agency_id=agency.pk).first()
    before = snapshot(rule) if rule else None
    if rule is None:
        rule = ReviewRule(agency=agency)
    rule.wait_for_all = wait_for_all
    rule.updated_by = actor
    rule.save()
    record(
        actor, "reporting.review_rule_set", rule, before=before, after=snapshot(rule), agency_path=agency.path
    )
    return rule


# --- for the other reporting services and for buttons --------------------------------------------


def ensure_editable(actor: Any, report: PeriodReport) -> None:
    """For the other reporting writes (evidence, observations, proposals): refuse unless ``actor``
    may prepare the report, it is draft or returned, and its period is open."""
    _ensure(_prepare_refusal(actor, report))
    _ensure_state(report, EDITABLE_STATES, _("changed"))
    _ensure_open(report)


def may(actor: Any, action: str, report: PeriodReport) -> bool:
    """Whether ``actor`` may do ``action`` (one of ACTIONS) on ``report`` now (for buttons)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if actor is None or not getattr(actor, "is_authenticated", False) or report.period.is_closed:
        return False
    state = report.state
    if action in ("edit", "submit", "add_evidence", "raise_proposal"):
        return state in EDITABLE_STATES and _prepare_refusal(actor, report) is None
    if action == "send_back":
        return state == ReportState.AWAITING_HEAD and _approve_refusal(actor, report) is None
    if action == "approve":
        return (
            state in (ReportState.AWAITING_HEAD, *EDITABLE_STATES) and _approve_refusal(actor, report) is None
        )
    if action in ("accept", "return"):
        return state == ReportState.SENT and _review_refusal(actor, report) is None
    return state == ReportState.ACCEPTED and _review_refusal(actor, report) is None
