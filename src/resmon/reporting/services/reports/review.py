"""Period reports: the review chain (send to the head, approve and send, accept, return, reopen)
and the review rule."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from resmon.agencies.models import Agency
from resmon.audit.services import record, snapshot
from resmon.catalogue import periods as cal
from resmon.core import clock
from resmon.core.errors import PermissionRefused, ValidationFailed
from resmon.core.models import check_version
from resmon.planning.services.tasks import apply_reported_progress

from ...models import EDITABLE_STATES, PeriodReport, Proposal, ReportState, ReviewRule
from ...selectors import leaf_task_ids
from .. import notices
from ..idempotency import once
from .editing import (
    _ensure_complete,
)
from .rules import (
    ACTIONS,
    MISSING_NAMED,
    RULE_SETTERS,
    SENT_STATES,
    WORKFLOW_FIELDS,
    _accepting_map,
    _approve_refusal,
    _audit,
    _bump,
    _ensure,
    _ensure_open,
    _ensure_state,
    _is_admin,
    _prepare_refusal,
    _reason,
    _review_refusal,
    lock_report,
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
    actor: Any,
    report: PeriodReport,
    *,
    reason: str,
    expected_version: int | None = None,
    idempotency_key: str = "",
) -> PeriodReport:
    """The accepting level reopens an accepted report with a reason: accepted → returned. The
    progress already applied to the tasks stays until the corrected report is accepted. A retry
    with the same ``idempotency_key`` (its answer was lost) gets the result again."""
    return once(
        actor,
        idempotency_key,
        "reporting.reopen_report",
        _payload(report, expected_version, reason=str(reason or "").strip()),
        lambda: _reopen(actor, report, reason, expected_version),
        model=PeriodReport,
    )


def _reopen(actor: Any, report: PeriodReport, reason: str, expected_version: int | None) -> PeriodReport:
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
