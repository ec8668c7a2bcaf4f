"""Proposals (kiến nghị, đề xuất) raised in reports: the boxes (received, raised), raising one,
answering, passing it up, closing and withdrawing it."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from resmon.agencies.models import Agency
from resmon.core.apikit import Id, PageQuery, PathId, clean_text, paginate, parse_choice
from resmon.core.errors import ValidationFailed

from .. import selectors
from .. import selectors_proposals as proposal_selectors
from ..models import Proposal
from ..services import proposals as proposal_services
from .schemas import ProposalOut, VersionField, proposal_out

router = Router(tags=["proposals"])

BOXES = ("received", "raised", "all")


class ProposalFilters(Schema):
    box: str = Field("received", description="received (addressed to the caller's agencies), raised or all")
    status: str | None = Field(None, description="open, answered or closed")
    q: str | None = None


class ProposalPage(Schema):
    count: int
    items: list[ProposalOut]


class ProposalIn(Schema):
    text: str = Field(..., max_length=4000)
    task: Id | None = Field(None, description="The report line (by its task) the proposal is about")
    addressed_to: Id | None = Field(
        None, description="The competent level: the accepting agency (default) or one above it"
    )
    version: int | None = VersionField


class ProposalDetailOut(ProposalOut):
    actions: list[str] = Field(
        ..., description="What the caller may do on this proposal now: answer, forward, close, withdraw"
    )


class AnswerIn(Schema):
    answer: str = Field(..., max_length=4000)


class ForwardIn(Schema):
    to_agency: Id
    note: str = Field(..., max_length=2000)


class CloseIn(Schema):
    note: str = Field("", max_length=2000)


def _agency(agency_id: int | None, field: str) -> Agency | None:
    """An agency named in a body (the service checks it is a competent level)."""
    if agency_id is None:
        return None
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise ValidationFailed(_("No agency with id %(id)s.") % {"id": agency_id}, field=field)
    return agency


def _proposal(user: Any, proposal_id: int) -> dict[str, Any]:
    """One proposal as the caller sees it, with what the caller may do on it now."""
    proposal = proposal_selectors.get_proposal(user, proposal_id)
    return {**proposal_out(proposal), "actions": proposal_services.allowed_actions(user, proposal)}


@router.get(
    "/proposals", response=ProposalPage, summary="Proposals received by or raised by the caller's agencies"
)
def list_proposals(request, filters: Query[ProposalFilters], page: Query[PageQuery]):
    qs = proposal_selectors.proposals_for(
        request.auth,
        box=parse_choice(filters.box, "box", BOXES) or "received",
        status=parse_choice(filters.status, "status", Proposal.Status.values),
        q=clean_text(filters.q),
    )
    return paginate(qs, page, proposal_out)


@router.get("/proposals/{proposal_id}", response=ProposalDetailOut, summary="One proposal")
def get_proposal(request, proposal_id: PathId):
    return _proposal(request.auth, proposal_id)


@router.delete(
    "/proposals/{proposal_id}",
    response={204: None},
    summary="Withdraw a proposal (the raising agency, while its report was never sent)",
)
def withdraw_proposal(request, proposal_id: PathId):
    proposal = proposal_selectors.get_proposal(request.auth, proposal_id)
    proposal_services.withdraw_proposal(request.auth, proposal)
    return HttpResponse(status=204)


@router.post(
    "/reports/{report_id}/proposals",
    response={201: ProposalDetailOut},
    summary="Raise a proposal in a report (draft or returned)",
    description="The competent level sees it once the report is sent.",
)
def raise_proposal(request, report_id: PathId, payload: ProposalIn):
    user = request.auth
    report = selectors.get_report(user, report_id)
    line = None
    if payload.task is not None:
        line = report.lines.filter(task_id=payload.task).first()
        if line is None:
            raise ValidationFailed(
                _("This report has no line for the task %(id)s.") % {"id": payload.task}, field="task"
            )
    proposal = proposal_services.raise_proposal(
        user,
        report,
        text=payload.text,
        line=line,
        addressed_to=_agency(payload.addressed_to, "addressed_to"),
        expected_version=payload.version,
    )
    return Status(201, _proposal(user, proposal.pk))


@router.post(
    "/proposals/{proposal_id}/answer",
    response=ProposalDetailOut,
    summary="Answer a proposal (the competent level)",
)
def answer_proposal(request, proposal_id: PathId, payload: AnswerIn):
    proposal = proposal_selectors.get_proposal(request.auth, proposal_id)
    proposal_services.answer_proposal(request.auth, proposal, answer=payload.answer)
    return _proposal(request.auth, proposal_id)


@router.post(
    "/proposals/{proposal_id}/forward",
    response=ProposalDetailOut,
    summary="Pass a proposal up to a higher level (the addressee); it stays open",
)
def forward_proposal(request, proposal_id: PathId, payload: ForwardIn):
    proposal = proposal_selectors.get_proposal(request.auth, proposal_id)
    proposal_services.forward_proposal(
        request.auth, proposal, to_agency=_agency(payload.to_agency, "to_agency"), note=payload.note
    )
    return _proposal(request.auth, proposal_id)


@router.post("/proposals/{proposal_id}/close", response=ProposalDetailOut, summary="Close a proposal")
def close_proposal(request, proposal_id: PathId, payload: CloseIn):
    proposal = proposal_selectors.get_proposal(request.auth, proposal_id)
    proposal_services.close_proposal(request.auth, proposal, note=payload.note)
    return _proposal(request.auth, proposal_id)
