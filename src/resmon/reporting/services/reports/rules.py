"""Period reports: who may do what, the states, the accepting level and the tasks a report covers."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from resmon.agencies.models import Agency
from resmon.audit.services import record, snapshot
from resmon.catalogue.models import PeriodKind, ReportingPeriod
from resmon.core import classified, clock
from resmon.core.access import Role, can
from resmon.core.errors import Conflict, PermissionRefused, ValidationFailed
from resmon.core.models import check_version
from resmon.planning.models import ActionProgram, Task
from resmon.planning.services.schedule import ScheduleEntry, schedule_of
from resmon.planning.status import TaskState

from ...models import PeriodReport, ReportState
from ...selectors_completeness import reportable_tasks_q

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
        .select_related("program", "resolution", "period", "agency", "accepting_agency", "prepared_by")
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
    classified.refuse_marked(**{field: text})
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
