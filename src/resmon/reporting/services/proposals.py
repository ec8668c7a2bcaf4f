"""Proposals (kiến nghị, đề xuất) raised in a period report and routed to the competent level.

The reporting agency raises them while its report is editable, addressed to the accepting level
(by default) or a level above it. The addressee sees them once the report has been sent; it
answers, or passes the proposal up to a higher level, and closes it. The raising agency may
withdraw a proposal while its report has never been sent, and close it once answered.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from resmon.audit.services import record, snapshot
from resmon.core import clock
from resmon.core.access import Role
from resmon.core.errors import DomainError, NotFound, PermissionRefused, ValidationFailed

from ..models import PeriodReport, Proposal, ReportLine
from ..selectors_proposals import RELATED, visible_proposals
from . import notices
from .reports import clean_text, ensure_editable, lock_report, touch

TEXT_MAX = 5000
ANSWERING_ROLES = {Role.LEADER, Role.FOCAL_OFFICER}


def _signed_in(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active


def _acts_for(actor: Any, agency: Any) -> bool:
    """May ``actor`` act for ``agency`` on proposals (a leader or focal officer with write scope)?"""
    if not _signed_in(actor):
        return False
    scope = actor.scope
    if scope.role == Role.SYSTEM_ADMIN:
        return True
    return scope.role in ANSWERING_ROLES and scope.writes(agency.path)


def _own_agency_inside(actor: Any, agency: Any) -> bool:
    own = getattr(actor, "agency", None)
    return own is not None and own.path.startswith(agency.path)


def _text(value: str, field: str, empty_message: str) -> str:
    return clean_text(value, field=field, maximum=TEXT_MAX, minimum=1, missing=empty_message)


def _lock(proposal: Proposal | int) -> Proposal:
    pk = proposal.pk if isinstance(proposal, Proposal) else proposal
    try:
        return Proposal.objects.select_for_update(of=("self",)).select_related(*RELATED).get(pk=pk)
    except Proposal.DoesNotExist:
        raise NotFound(_("Not found, or you do not have access to it.")) from None


def _fields(p: Proposal) -> dict[str, Any]:
    return snapshot(
        p,
        [
            "id",
            "report",
            "line",
            "text",
            "raised_by_agency",
            "addressed_to",
            "status",
            "answer",
            "close_note",
        ],
    )


@transaction.atomic
def raise_proposal(
    actor: Any,
    report: PeriodReport,
    *,
    text: str,
    line: ReportLine | int | None = None,
    addressed_to: Any = None,
    expected_version: int | None = None,
) -> Proposal:
    """Raise a proposal in an editable report, to the accepting level or a level above it."""
    report = lock_report(report)
    ensure_editable(actor, report)
    touch(actor, report, expected_version)
    text = _text(text, "text", _("Write the proposal: what you ask the competent level to do."))
    line_obj = None
    if line is not None:
        line_id = line.pk if isinstance(line, ReportLine) else line
        line_obj = ReportLine.objects.filter(pk=line_id, report=report).first()
        if line_obj is None:
            raise ValidationFailed(_("Choose one of this report's tasks."), field="line")
    accepting = report.accepting_agency
    target = addressed_to or accepting
    if not accepting.path.startswith(target.path):
        raise ValidationFailed(
            _(
                "A proposal goes to the accepting level (%(accepting)s) or to a level above it; "
                "%(target)s is neither."
            )
            % {"accepting": accepting.name, "target": target.name},
            field="addressed_to",
        )
    proposal = Proposal.objects.create(
        report=report,
        line=line_obj,
        text=text,
        raised_by_agency=report.agency,
        addressed_to=target,
        created_by=actor,
    )
    record(
        actor, "reporting.proposal_raised", proposal, after=_fields(proposal), agency_path=report.agency.path
    )
    return proposal


def _check_visible(actor: Any, proposal: Proposal) -> None:
    if not visible_proposals(actor).filter(pk=proposal.pk).exists():
        raise NotFound(_("Not found, or you do not have access to it."))


# --- who may do what: one rule each, for the services below and for the pages' and API's buttons --


def _answer_refusal(actor: Any, proposal: Proposal) -> DomainError | None:
    """Answer (and pass on): a leader or focal officer of the addressee, once the report was sent,
    while the proposal is open, never for the agency that raised it."""
    if not _acts_for(actor, proposal.addressed_to):
        return PermissionRefused(
            _("Only a leader or focal officer of %(agency)s may answer or pass on this proposal.")
            % {"agency": proposal.addressed_to.name}
        )
    if actor.scope.role != Role.SYSTEM_ADMIN and _own_agency_inside(actor, proposal.raised_by_agency):
        return PermissionRefused(
            _("Your agency raised this proposal: the competent level (%(agency)s) answers it.")
            % {"agency": proposal.addressed_to.name}
        )
    if proposal.report.first_sent_at is None:
        return ValidationFailed(
            _("The report carrying this proposal has not been sent yet."), code="not_sent"
        )
    if proposal.status != Proposal.Status.OPEN:
        return ValidationFailed(
            _("This proposal is already %(status)s.") % {"status": proposal.get_status_display().lower()},
            code="proposal_not_open",
        )
    return None


def _forward_refusal(actor: Any, proposal: Proposal) -> DomainError | None:
    """Pass on: whoever may answer, when there is a level above the addressee."""
    refusal = _answer_refusal(actor, proposal)
    if refusal is None and not proposal.addressed_to.ancestor_paths:
        return ValidationFailed(
            _("%(agency)s is the highest level: the proposal cannot be passed on; answer it.")
            % {"agency": proposal.addressed_to.name},
            field="to_agency",
        )
    return refusal


def _close_refusal(actor: Any, proposal: Proposal) -> DomainError | None:
    """Close: the addressee (once the report was sent) at any time, the raising agency once the
    proposal was answered."""
    as_addressee = proposal.report.first_sent_at is not None and _acts_for(actor, proposal.addressed_to)
    if not (as_addressee or _acts_for(actor, proposal.raised_by_agency)):
        return PermissionRefused(_("Only the agency that raised the proposal or its addressee may close it."))
    if proposal.status == Proposal.Status.CLOSED:
        return ValidationFailed(_("This proposal is already closed."), code="proposal_not_open")
    if not as_addressee and proposal.status != Proposal.Status.ANSWERED:
        return ValidationFailed(
            _(
                "You can close the proposal once %(agency)s has answered it. To take it back before "
                "the report is sent, withdraw it."
            )
            % {"agency": proposal.addressed_to.name},
            code="proposal_not_answered",
        )
    return None


def _withdraw_refusal(actor: Any, proposal: Proposal, report: PeriodReport) -> DomainError | None:
    """Withdraw: whoever may change the report, while it is editable and was never sent."""
    try:
        ensure_editable(actor, report)
    except DomainError as exc:
        return exc
    if report.first_sent_at is not None:
        return ValidationFailed(
            _(
                "The report was already sent to %(agency)s with this proposal; it can no longer be "
                "withdrawn. Once it is answered you may close it."
            )
            % {"agency": proposal.addressed_to.name},
            code="already_sent",
        )
    return None


def _refuse(refusal: DomainError | None) -> None:
    if refusal is not None:
        raise refusal


def may_answer(actor: Any, proposal: Proposal) -> bool:
    """Whether ``actor`` may answer ``proposal`` now (read through ``get_proposal``)."""
    return _signed_in(actor) and _answer_refusal(actor, proposal) is None


def may_forward(actor: Any, proposal: Proposal) -> bool:
    """Whether ``actor`` may pass ``proposal`` on to a higher level now."""
    return _signed_in(actor) and _forward_refusal(actor, proposal) is None


def may_close(actor: Any, proposal: Proposal) -> bool:
    """Whether ``actor`` may close ``proposal`` now."""
    return _signed_in(actor) and _close_refusal(actor, proposal) is None


def may_withdraw(actor: Any, proposal: Proposal) -> bool:
    """Whether ``actor`` may withdraw ``proposal`` now."""
    return _signed_in(actor) and _withdraw_refusal(actor, proposal, proposal.report) is None


def allowed_actions(actor: Any, proposal: Proposal) -> list[str]:
    """What ``actor`` may do on ``proposal`` now: "answer", "forward", "close", "withdraw"."""
    checks = (
        ("answer", may_answer),
        ("forward", may_forward),
        ("close", may_close),
        ("withdraw", may_withdraw),
    )
    return [name for name, check in checks if check(actor, proposal)]


@transaction.atomic
def answer_proposal(actor: Any, proposal: Proposal, *, answer: str) -> Proposal:
    """The competent level answers an open proposal."""
    proposal = _lock(proposal)
    _check_visible(actor, proposal)
    _refuse(_answer_refusal(actor, proposal))
    answer = _text(answer, "answer", _("Write the answer to the proposal."))
    before = _fields(proposal)
    proposal.answer = answer
    proposal.answered_by = actor
    proposal.answered_at = clock.now()
    proposal.status = Proposal.Status.ANSWERED
    proposal.save()
    record(
        actor,
        "reporting.proposal_answered",
        proposal,
        before=before,
        after=_fields(proposal),
        agency_path=proposal.addressed_to.path,
    )
    notices.proposal_answered(proposal, actor)
    return proposal


@transaction.atomic
def forward_proposal(actor: Any, proposal: Proposal, *, to_agency: Any, note: str) -> Proposal:
    """The addressee passes an open proposal up to a higher level; it stays open there."""
    proposal = _lock(proposal)
    _check_visible(actor, proposal)
    _refuse(_forward_refusal(actor, proposal))
    current = proposal.addressed_to
    if to_agency is None or to_agency.pk == current.pk or not current.path.startswith(to_agency.path):
        raise ValidationFailed(
            _("A proposal can only be passed up to a level above %(agency)s.") % {"agency": current.name},
            field="to_agency",
        )
    note = _text(
        note, "note", _("Say why the proposal is passed on and what the higher level should decide.")
    )
    before = _fields(proposal)
    proposal.addressed_to = to_agency
    proposal.save()
    record(
        actor,
        "reporting.proposal_forwarded",
        proposal,
        before=before,
        after=_fields(proposal),
        agency_path=current.path,
        reason=note,
    )
    notices.proposal_forwarded(proposal, actor, from_agency=current, note=note)
    return proposal


@transaction.atomic
def close_proposal(actor: Any, proposal: Proposal, *, note: str = "") -> Proposal:
    """Close a proposal: the addressee at any time, the raising agency once it was answered."""
    proposal = _lock(proposal)
    _check_visible(actor, proposal)
    _refuse(_close_refusal(actor, proposal))
    note = clean_text(note, field="note", maximum=TEXT_MAX)
    before = _fields(proposal)
    proposal.status = Proposal.Status.CLOSED
    proposal.closed_at = clock.now()
    proposal.close_note = note
    proposal.save()
    record(
        actor,
        "reporting.proposal_closed",
        proposal,
        before=before,
        after=_fields(proposal),
        agency_path=proposal.raised_by_agency.path,
        reason=note,
    )
    return proposal


@transaction.atomic
def withdraw_proposal(actor: Any, proposal: Proposal) -> None:
    """The raising agency takes a proposal back while its report is editable and was never sent."""
    report_id = Proposal.objects.filter(pk=proposal.pk).values_list("report_id", flat=True).first()
    if report_id is None:
        raise NotFound(_("This proposal was already withdrawn."))
    report = lock_report(report_id)
    proposal = _lock(proposal)
    _refuse(_withdraw_refusal(actor, proposal, report))
    touch(actor, report, None)
    record(
        actor,
        "reporting.proposal_withdrawn",
        proposal,
        before=_fields(proposal),
        agency_path=report.agency.path,
    )
    proposal.delete()
