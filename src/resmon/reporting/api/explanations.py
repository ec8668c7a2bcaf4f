"""Explanation requests (yêu cầu giải trình): a supervisor asks an agency to explain a late or
off-track task or report; the agency answers; the asking side closes it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Query, Router, Schema, Status

from resmon.agencies import selectors as agency_selectors
from resmon.agencies.api import AgencyRef, agency_ref
from resmon.core.apikit import Id, PageQuery, PathId, clean_text, paginate, parse_choice
from resmon.planning import selectors as planning_selectors

from .. import selectors
from .. import selectors_explanations as explanation_selectors
from ..models import ExplanationRequest
from ..services import explanations as explanation_services
from .schemas import TaskRef, task_ref, username

router = Router(tags=["explanation requests"])

BOXES = ("received", "sent", "all")
STATUS_LABELS = dict(ExplanationRequest.Status.choices)


class ExplanationFilters(Schema):
    box: str = Field("received", description="received (asked of the caller's agencies), sent or all")
    status: str | None = Field(None, description="open, answered or closed")
    q: str | None = Field(None, description="Words in the question or the answer")


class ExplanationOut(Schema):
    id: int
    agency: AgencyRef
    requesting_agency: AgencyRef
    requested_by: str | None
    task: TaskRef | None
    report_id: int | None
    question: str
    due_date: dt.date
    status: str
    status_label: str
    answer: str
    answered_by: str | None
    answered_at: dt.datetime | None
    closed_at: dt.datetime | None
    close_note: str
    created_at: dt.datetime


class ExplanationPage(Schema):
    count: int
    items: list[ExplanationOut]


class ExplanationIn(Schema):
    agency: Id = Field(..., description="The agency asked to explain")
    question: str = Field(..., max_length=4000)
    due_date: dt.date = Field(..., description="Answer by (yyyy-mm-dd), today or later")
    task: Id | None = Field(None, description="The task it is about (or give a report)")
    report: Id | None = Field(None, description="The report it is about (or give a task)")


class AnswerIn(Schema):
    answer: str = Field(..., max_length=4000)


class ExplanationCloseIn(Schema):
    note: str = Field("", max_length=2000)


def explanation_out(e: ExplanationRequest) -> dict[str, Any]:
    return {
        "id": e.pk,
        "agency": agency_ref(e.agency),
        "requesting_agency": agency_ref(e.requesting_agency),
        "requested_by": username(e.requested_by),
        "task": task_ref(e.task) if e.task_id else None,
        "report_id": e.report_id,
        "question": e.question,
        "due_date": e.due_date,
        "status": e.status,
        "status_label": str(STATUS_LABELS.get(e.status, e.status)),
        "answer": e.answer,
        "answered_by": username(e.answered_by),
        "answered_at": e.answered_at,
        "closed_at": e.closed_at,
        "close_note": e.close_note,
        "created_at": e.created_at,
    }


def _explanation(user: Any, explanation_id: int) -> dict[str, Any]:
    return explanation_out(explanation_selectors.get_explanation(user, explanation_id))


@router.get(
    "/explanations",
    response=ExplanationPage,
    summary="Explanation requests asked of, or sent by, the caller's agencies",
)
def list_explanations(request, filters: Query[ExplanationFilters], page: Query[PageQuery]):
    qs = explanation_selectors.explanations_for(
        request.auth,
        box=parse_choice(filters.box, "box", BOXES) or "received",
        status=parse_choice(filters.status, "status", ExplanationRequest.Status.values),
        q=clean_text(filters.q),
    )
    return paginate(qs, page, explanation_out)


@router.post(
    "/explanations",
    response={201: ExplanationOut},
    summary="Ask an agency to explain a task or a report (leaders, focal officers, inspectors)",
)
def request_explanation(request, payload: ExplanationIn):
    user = request.auth
    agency = agency_selectors.get_agency(user, payload.agency)
    task = planning_selectors.get_task(user, payload.task) if payload.task is not None else None
    report = selectors.get_report(user, payload.report) if payload.report is not None else None
    req = explanation_services.request_explanation(
        user, agency=agency, question=payload.question, due_date=payload.due_date, task=task, report=report
    )
    return Status(201, _explanation(user, req.pk))


@router.get("/explanations/{explanation_id}", response=ExplanationOut, summary="One explanation request")
def get_explanation(request, explanation_id: PathId):
    return _explanation(request.auth, explanation_id)


@router.post(
    "/explanations/{explanation_id}/answer",
    response=ExplanationOut,
    summary="Give the explanation (the agency asked)",
)
def answer_explanation(request, explanation_id: PathId, payload: AnswerIn):
    req = explanation_selectors.get_explanation(request.auth, explanation_id)
    explanation_services.answer_explanation(request.auth, req, answer=payload.answer)
    return _explanation(request.auth, explanation_id)


@router.post(
    "/explanations/{explanation_id}/close",
    response=ExplanationOut,
    summary="Close an explanation request (the asking side)",
)
def close_explanation(request, explanation_id: PathId, payload: ExplanationCloseIn):
    req = explanation_selectors.get_explanation(request.auth, explanation_id)
    explanation_services.close_explanation(request.auth, req, note=payload.note)
    return _explanation(request.auth, explanation_id)
