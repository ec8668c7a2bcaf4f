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
from resmon.core.errors import NotFound, PermissionRefused, ValidationFailed

from ..models import PeriodReport, Proposal, ReportLine
from ..selectors_proposals import visible_proposals
from .reports import ensure_editable, lock_report, touch

TEXT_MAX = 5000
ANSWERING_ROLES = {Role.LEADER, Role.FOCAL_OFFICER}


def _acts_for(actor: Any, agency: Any) -> bool:
    """May ``actor`` act for ``agency`` on proposals (a leader or focal officer with write scope)?"""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    scope = actor.scope
    if scope.role == Role.SYSTEM_ADMIN:
        return True
    return scope.role in ANSWERING_ROLES and scope.writes(agency.path)


def _own_agency_inside(actor: Any, agency: Any) -> bool:
    own = getattr(actor, "agency", None)
    return own is not None and own.path.startswith(agency.path)


def _text(value: str, field: str, empty_message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(empty_message, field=field)
    if len(value) > TEXT_MAX:
        raise ValidationFailed(
            _("The text is too long (at most %(n)s characters).") % {"n": TEXT_MAX}, field=field
        )
    return value


def _lock(proposal: Proposal | int) -> Proposal:
    pk = proposal.pk if isinstance(proposal, Proposal) else proposal
    try:
        return (
            Proposal.objects.select_for_update(of=("self",))
            .select_related("report", "raised_by_agency", "addressed_to")
            .get(pk=pk)
        )
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


def _check_addressee(actor: Any, proposal: Proposal) -> None:
    """The addressee sees the proposal only once its report was sent, and acts only for itself."""
    _check_visible(actor, proposal)
    if not _acts_for(actor, proposal.addressed_to):
        raise PermissionRefused(
            _("Only a leader or focal officer of %(agency)s may answer or pass on this proposal.")
            % {"agency": proposal.addressed_to.name}
        )
    if actor.scope.role != Role.SYSTEM_ADMIN and _own_agency_inside(actor, proposal.raised_by_agency):
        raise PermissionRefused(
            _("Your agency raised this proposal: the competent level (%(agency)s) answers it.")
            % {"agency": proposal.addressed_to.name}
        )
    if proposal.report.first_sent_at is None:
        raise ValidationFailed(_("The report carrying this proposal has not been sent yet."), code="not_sent")


def _require_open(proposal: Proposal) -> None:
    if proposal.status != Proposal.Status.OPEN:
        raise ValidationFailed(
            _("This proposal is already %(status)s.") % {"status": proposal.get_status_display().lower()},
            code="proposal_not_open",
        )


@transaction.atomic
def answer_proposal(actor: Any, proposal: Proposal, *, answer: str) -> Proposal:
    """The competent level answers an open proposal."""
    proposal = _lock(proposal)
    _check_addressee(actor, proposal)
    _require_open(proposal)
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
    return proposal


@transaction.atomic
def forward_proposal(actor: Any, proposal: Proposal, *, to_agency: Any, note: str) -> Proposal:
    """The addressee passes an open proposal up to a higher level; it stays open there."""
    proposal = _lock(proposal)
    _check_addressee(actor, proposal)
    _require_open(proposal)
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
    return proposal


@transaction.atomic
def close_proposal(actor: Any, proposal: Proposal, *, note: str = "") -> Proposal:
    """Close a proposal: the addressee at any time, the raising agency once it was answered."""
    proposal = _lock(proposal)
    _check_visible(actor, proposal)
    as_addressee = proposal.report.first_sent_at is not None and _acts_for(actor, proposal.addressed_to)
    as_raiser = _acts_for(actor, proposal.raised_by_agency)
    if not (as_addressee or as_raiser):
        raise PermissionRefused(_("Only the agency that raised the proposal or its addressee may close it."))
    if proposal.status == Proposal.Status.CLOSED:
        raise ValidationFailed(_("This proposal is already closed."), code="proposal_not_open")
    if not as_addressee and proposal.status != Proposal.Status.ANSWERED:
        raise ValidationFailed(
            _(
                "You can close the proposal once %(agency)s has answered it. To take it back before "
                "the report is sent, withdraw it."
            )
            % {"agency": proposal.addressed_to.name},
            code="proposal_not_answered",
        )
    note = (note or "").strip()
    if len(note) > TEXT_MAX:
        raise ValidationFailed(
            _("The text is too long (at most %(n)s characters).") % {"n": TEXT_MAX}, field="note"
        )
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
    ensure_editable(actor, report)
    if report.first_sent_at is not None:
        raise ValidationFailed(
            _(
                "The report was already sent to %(agency)s with this proposal; it can no longer be "
                "withdrawn. Once it is answered you may close it."
            )
            % {"agency": proposal.addressed_to.name},
            code="already_sent",
        )
    touch(actor, report, None)
    record(
        actor,
        "reporting.proposal_withdrawn",
        proposal,
        before=_fields(proposal),
        agency_path=report.agency.path,
    )
    proposal.delete()
