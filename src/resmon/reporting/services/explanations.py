"""Explanation requests (yêu cầu giải trình): a supervisor asks an agency to explain a late or
off-track task or report; the agency answers; the requesting side closes the matter.

Asking is for leaders, focal officers and inspectors who can see the task or report and whose
scope covers the agency asked (a steering-committee member: any agency, for the resolution it
steers). One never asks one's own agency, and one asks an agency involved in the subject: for a
task its lead agency, the agency that assigned it or a coordinating agency; for a report the
reporting agency or its accepting level. The asked agency's leaders and focal officers answer
(never someone on the requesting side); the requesting agency, or a level above it, closes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from resmon.agencies.models import Agency
from resmon.audit.services import record, snapshot
from resmon.core import clock
from resmon.core.access import Role, visible_to
from resmon.core.dates import parse_date
from resmon.core.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from resmon.planning.models import Task

from ..models import ExplanationRequest, PeriodReport
from . import notices
from .reports import clean_text

ASKING_ROLES = frozenset({Role.LEADER, Role.FOCAL_OFFICER, Role.INSPECTOR})
ANSWERING_ROLES = frozenset({Role.LEADER, Role.FOCAL_OFFICER})
MIN_TEXT = 10
MAX_TEXT = 4000

Status = ExplanationRequest.Status


def _signed_in(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", True)


def _not_found() -> NotFound:
    return NotFound(_("Not found, or you do not have access to it."))


def _day(value: dt.date) -> str:
    return date_format(value, "d/m/Y")


def _text(value: Any, field: str, missing: str) -> str:
    return clean_text(value, field=field, maximum=MAX_TEXT, minimum=MIN_TEXT, missing=missing)


def _due(value: Any) -> dt.date:
    if isinstance(value, str):
        value = parse_date(value)
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationFailed(_("Give the date the answer is due, as dd/mm/yyyy."), field="due_date")
    today = clock.today()
    if value < today:
        raise ValidationFailed(
            _("The answer cannot be due in the past; choose %(today)s or later.") % {"today": _day(today)},
            field="due_date",
        )
    return value


def _involved(task: Task | None, report: PeriodReport | None) -> set[int]:
    """The agencies one may ask about the subject."""
    if task is not None:
        ids = {task.lead_agency_id, task.assigned_by_id}
        ids.update(task.coordinations.values_list("agency_id", flat=True))
        return ids
    assert report is not None
    return {report.agency_id, report.accepting_agency_id}


def _subject(actor: Any, task: Any, report: Any) -> tuple[Task | None, PeriodReport | None]:
    """The task or report (exactly one), re-read through the actor's scope (a 404 otherwise)."""
    if task is None and report is None:
        raise ValidationFailed(_("Say what needs explaining: choose a task or a report."), field="task")
    if task is not None and report is not None:
        raise ValidationFailed(_("Ask about one task or one report at a time, not both."), field="task")
    try:
        if task is not None:
            return visible_to(actor, Task.objects.all()).get(pk=getattr(task, "pk", task)), None
        return None, visible_to(actor, PeriodReport.objects.all()).get(pk=getattr(report, "pk", report))
    except (Task.DoesNotExist, PeriodReport.DoesNotExist, ValueError, TypeError):
        raise _not_found() from None


def may_ask(actor: Any) -> bool:
    """Whether ``actor`` holds a role that asks for explanations (for the page's button)."""
    return _signed_in(actor) and actor.agency_id is not None and actor.scope.role in ASKING_ROLES


def _on_requesting_side(actor: Any, req: ExplanationRequest) -> bool:
    """The actor's agency is the requesting agency or above it."""
    return actor.agency_id is not None and req.requesting_agency.path.startswith(actor.agency.path)


def may_answer(actor: Any, req: ExplanationRequest) -> bool:
    """A leader or focal officer whose write scope covers the asked agency, not on the requesting side."""
    if not _signed_in(actor) or actor.agency_id is None:
        return False
    scope = actor.scope
    return (
        scope.role in ANSWERING_ROLES
        and scope.writes(req.agency.path)
        and not _on_requesting_side(actor, req)
        and req.status == Status.OPEN
    )


def may_close(actor: Any, req: ExplanationRequest) -> bool:
    """The requesting agency, or a level above it, while the request is not closed."""
    return (
        _signed_in(actor)
        and actor.scope.role in ASKING_ROLES
        and _on_requesting_side(actor, req)
        and req.status != Status.CLOSED
    )


@transaction.atomic
def request_explanation(
    actor: Any,
    *,
    agency: Agency,
    question: str,
    due_date: Any,
    task: Task | None = None,
    report: PeriodReport | None = None,
) -> ExplanationRequest:
    """Ask ``agency`` to explain ``task`` or ``report`` by ``due_date``; its people are notified."""
    if not may_ask(actor):
        raise PermissionRefused(_("Only leaders, focal officers and inspectors may ask for an explanation."))
    task, report = _subject(actor, task, report)
    if not isinstance(agency, Agency):
        raise ValidationFailed(_("Choose the agency that should explain."), field="agency")
    granted = (task or report).resolution_id in actor.scope.resolution_ids  # type: ignore[union-attr]
    if not (actor.scope.reads(agency.path) or granted):
        raise _not_found()
    if agency.pk == actor.agency_id:
        raise PermissionRefused(
            _("You cannot ask your own agency for an explanation; ask the agency responsible for the item."),
            field="agency",
        )
    if agency.pk not in _involved(task, report):
        if task is not None:
            message = _(
                "%(agency)s has no part in this task. Ask its lead agency, the agency that assigned it "
                "or one of its coordinating agencies."
            )
        else:
            message = _(
                "%(agency)s has no part in this report. Ask the reporting agency or its accepting level."
            )
        raise ValidationFailed(message % {"agency": agency.name}, field="agency")
    question = _text(
        question,
        "question",
        _("Write what needs explaining (at least %(n)s characters).") % {"n": MIN_TEXT},
    )
    due = _due(due_date)
    duplicate = ExplanationRequest.objects.filter(
        agency=agency, task=task, report=report, status=Status.OPEN, question=question
    )
    if duplicate.exists():
        raise Conflict(
            _("This question was already sent to %(agency)s and awaits its answer.")
            % {"agency": agency.name},
            code="explanation_pending",
        )
    req = ExplanationRequest.objects.create(
        agency=agency,
        requesting_agency=actor.agency,
        requested_by=actor,
        task=task,
        report=report,
        question=question,
        due_date=due,
    )
    record(
        actor,
        "reporting.explanation_requested",
        req,
        after=snapshot(req),
        agency_path=agency.path,
    )
    notices.explanation_requested(req, actor, str(task) if task is not None else str(report))
    return req


def _locked(actor: Any, req: ExplanationRequest | int) -> ExplanationRequest:
    """The request re-read with a row lock, through the actor's scope (a 404 otherwise)."""
    try:
        return (
            visible_to(actor, ExplanationRequest.objects.all())
            .select_for_update(of=("self",))
            .select_related("agency", "requesting_agency", "requested_by")
            .get(pk=getattr(req, "pk", req))
        )
    except (ExplanationRequest.DoesNotExist, ValueError, TypeError):
        raise _not_found() from None


@transaction.atomic
def answer_explanation(actor: Any, req: ExplanationRequest, *, answer: str) -> ExplanationRequest:
    """The asked agency explains: open → answered."""
    req = _locked(actor, req)
    if req.status != Status.OPEN:
        raise Conflict(_("This request has already been answered or closed."), code="explanation_not_open")
    if not may_answer(actor, req):
        raise PermissionRefused(
            _("Only the leaders and focal officers of %(agency)s may answer this request.")
            % {"agency": req.agency.name}
        )
    text = _text(answer, "answer", _("Write the explanation (at least %(n)s characters).") % {"n": MIN_TEXT})
    before = snapshot(req)
    req.answer = text
    req.answered_by = actor
    req.answered_at = clock.now()
    req.status = Status.ANSWERED
    req.save()
    record(
        actor,
        "reporting.explanation_answered",
        req,
        before=before,
        after=snapshot(req),
        agency_path=req.agency.path,
    )
    notices.explanation_answered(req, actor)
    return req


@transaction.atomic
def close_explanation(actor: Any, req: ExplanationRequest, *, note: str = "") -> ExplanationRequest:
    """The requesting side closes the matter; closing one still unanswered needs a note."""
    req = _locked(actor, req)
    if req.status == Status.CLOSED:
        raise Conflict(_("This request is already closed."), code="explanation_closed")
    if not may_close(actor, req):
        raise PermissionRefused(
            _("Only %(agency)s, which asked for this explanation, or a level above it may close it.")
            % {"agency": req.requesting_agency.name}
        )
    note = clean_text(
        note,
        field="note",
        maximum=MAX_TEXT,
        minimum=1 if req.status == Status.OPEN else 0,
        missing=_("No explanation has been given yet: say why you close the request."),
    )
    before = snapshot(req)
    req.status = Status.CLOSED
    req.closed_at = clock.now()
    req.close_note = note
    req.save()
    record(
        actor,
        "reporting.explanation_closed",
        req,
        before=before,
        after=snapshot(req),
        agency_path=req.agency.path,
        reason=note,
    )
    return req
