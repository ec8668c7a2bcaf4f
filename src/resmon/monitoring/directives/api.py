"""Directives (ý kiến chỉ đạo) and reminders (đôn đốc): list, read, issue, answer, close, withdraw;
the reminders of a task; a reminder by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Query, Router, Schema, Status

from resmon.agencies.api import AgencyRef, agency_ref
from resmon.core.apikit import Id, PageQuery, PathId, clean_text, paginate, parse_choice
from resmon.planning import selectors as planning_selectors

from . import selectors, services
from .models import Directive, DirectiveRecipient, DirectiveStatus, Reminder, ReminderKind

router = Router(tags=["directives and reminders"])

STATUS_LABELS = dict(DirectiveStatus.choices)
KIND_LABELS = dict(ReminderKind.choices)


class TaskRef(Schema):
    id: int
    code: str
    title: str


def _task_ref(task: Any) -> dict[str, Any] | None:
    return None if task is None else {"id": task.pk, "code": task.code, "title": task.title}


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


class RecipientOut(Schema):
    id: int
    agency: AgencyRef
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None
    report: str
    reported_at: dt.datetime | None
    reported_by: str | None


class DirectiveOut(Schema):
    id: int
    version: int
    issuing_agency: AgencyRef
    issued_by: str | None
    task: TaskRef | None
    agency: AgencyRef | None
    alert_id: int | None
    text: str
    due_date: dt.date
    status: str
    status_label: str
    recipients_count: int
    acknowledged_count: int
    reported_count: int
    closed_at: dt.datetime | None
    close_note: str
    created_at: dt.datetime


class DirectiveDetailOut(DirectiveOut):
    recipients: list[RecipientOut] = Field(..., description="The recipients the caller may see")


class DirectivePage(Schema):
    count: int
    items: list[DirectiveOut]


class DirectiveFilters(Schema):
    box: str = Field("received", description="received (sent to the caller's agency), issued or all")
    status: str | None = Field(None, description="open, closed or withdrawn")
    q: str | None = Field(None, description="Words of the directive, its task or an agency's name")
    task: Id | None = Field(None, description="Only the directives about this task")


class DirectiveIn(Schema):
    task: Id | None = Field(None, description="The task it is about (or give an agency)")
    agency: Id | None = Field(None, description="The agency it is about (or give a task)")
    recipients: list[Id] = Field(..., description="The agencies that must act and report back")
    text: str = Field(..., max_length=4000)
    due_date: dt.date = Field(..., description="Report back by (yyyy-mm-dd), today or later")
    alert: Id | None = Field(None, description="The warning this directive answers")


class ReportIn(Schema):
    text: str = Field(..., max_length=4000)


class DirectiveCloseIn(Schema):
    version: int | None = Field(None, description="The version you saw; 409 if it changed since")
    note: str = Field("", max_length=2000)


class WithdrawIn(Schema):
    version: int | None = Field(None, description="The version you saw; 409 if it changed since")
    reason: str = Field("", max_length=2000)


class ReminderOut(Schema):
    id: int
    kind: str
    kind_label: str
    agency: AgencyRef
    escalated_to: AgencyRef | None
    task_id: int | None
    directive_id: int | None
    report_id: int | None
    sent_by: str | None
    message: str
    created_at: dt.datetime


class ReminderPage(Schema):
    count: int
    items: list[ReminderOut]


class ReminderFilters(Schema):
    box: str = Field("received", description="received (to or escalated to the caller's agency), sent or all")
    kind: str | None = Field(None, description="before_due, overdue, escalation or manual")
    q: str | None = None


class ReminderIn(Schema):
    task: Id | None = Field(None, description="Remind the task's lead agency")
    directive: Id | None = Field(None, description="Remind the directive's recipients that have not reported")
    report: Id | None = Field(None, description="Remind the reporting agency of a report not sent")
    message: str = Field(..., max_length=2000)


def recipient_out(r: DirectiveRecipient) -> dict[str, Any]:
    return {
        "id": r.pk,
        "agency": agency_ref(r.agency),
        "acknowledged_at": r.acknowledged_at,
        "acknowledged_by": _username(r.acknowledged_by),
        "report": r.report,
        "reported_at": r.reported_at,
        "reported_by": _username(r.reported_by),
    }


def directive_out(d: Directive) -> dict[str, Any]:
    return {
        "id": d.pk,
        "version": d.version,
        "issuing_agency": agency_ref(d.issuing_agency),
        "issued_by": _username(d.issued_by),
        "task": _task_ref(d.task),
        "agency": agency_ref(d.agency),
        "alert_id": d.alert_id,
        "text": d.text,
        "due_date": d.due_date,
        "status": d.status,
        "status_label": str(STATUS_LABELS.get(d.status, d.status)),
        "recipients_count": getattr(d, "n_recipients", 0),
        "acknowledged_count": getattr(d, "n_acknowledged", 0),
        "reported_count": getattr(d, "n_reported", 0),
        "closed_at": d.closed_at,
        "close_note": d.close_note,
        "created_at": d.created_at,
    }


def reminder_out(r: Reminder) -> dict[str, Any]:
    return {
        "id": r.pk,
        "kind": r.kind,
        "kind_label": str(KIND_LABELS.get(r.kind, r.kind)),
        "agency": agency_ref(r.agency),
        "escalated_to": agency_ref(r.escalated_to),
        "task_id": r.task_id,
        "directive_id": r.directive_id,
        "report_id": r.report_id,
        "sent_by": _username(r.sent_by),
        "message": r.message,
        "created_at": r.created_at,
    }


def _detail(user: Any, directive_id: int) -> dict[str, Any]:
    d = selectors.get_directive(user, directive_id)
    return {**directive_out(d), "recipients": [recipient_out(r) for r in selectors.recipients_of(user, d)]}


@router.get(
    "/directives", response=DirectivePage, summary="Directives received by, or issued by, the caller's agency"
)
def list_directives(request, filters: Query[DirectiveFilters], page: Query[PageQuery]):
    user = request.auth
    task = planning_selectors.get_task(user, filters.task) if filters.task is not None else None
    qs = selectors.directives_for(
        user,
        box=parse_choice(filters.box, "box", selectors.BOXES) or "received",
        status=parse_choice(filters.status, "status", DirectiveStatus.values),
        q=clean_text(filters.q),
        task=task,
    )
    return paginate(qs, page, directive_out)


@router.post(
    "/directives",
    response={201: DirectiveDetailOut},
    summary="Issue a directive about a task or an agency (leaders; steering committees on their resolution)",
)
def issue_directive(request, payload: DirectiveIn):
    user = request.auth
    directive = services.issue_directive(
        user,
        task=payload.task,
        agency=payload.agency,
        recipients=payload.recipients,
        text=payload.text,
        due_date=payload.due_date,
        alert=payload.alert,
    )
    return Status(201, _detail(user, directive.pk))


@router.get(
    "/directives/{directive_id}", response=DirectiveDetailOut, summary="One directive with its recipients"
)
def get_directive(request, directive_id: PathId):
    return _detail(request.auth, directive_id)


@router.post(
    "/directives/{directive_id}/close",
    response=DirectiveDetailOut,
    summary="Close a directive (its issuer or a leader of the issuing agency)",
)
def close_directive(request, directive_id: PathId, payload: DirectiveCloseIn):
    services.close(request.auth, directive_id, payload.note, version=payload.version)
    return _detail(request.auth, directive_id)


@router.post(
    "/directives/{directive_id}/withdraw",
    response=DirectiveDetailOut,
    summary="Withdraw a directive, with a reason (its issuer or a leader of the issuing agency)",
)
def withdraw_directive(request, directive_id: PathId, payload: WithdrawIn):
    services.withdraw(request.auth, directive_id, payload.reason, version=payload.version)
    return _detail(request.auth, directive_id)


@router.post(
    "/directive-recipients/{recipient_id}/acknowledge",
    response=RecipientOut,
    summary="Acknowledge a directive received (the recipient agency's leaders and focal officers)",
)
def acknowledge_directive(request, recipient_id: PathId):
    services.acknowledge(request.auth, recipient_id)
    return recipient_out(selectors.get_recipient(request.auth, recipient_id))


@router.post(
    "/directive-recipients/{recipient_id}/report",
    response=RecipientOut,
    summary="Report back on a directive (the recipient agency; acknowledges it too)",
)
def report_on_directive(request, recipient_id: PathId, payload: ReportIn):
    services.report_back(request.auth, recipient_id, payload.text)
    return recipient_out(selectors.get_recipient(request.auth, recipient_id))


@router.get(
    "/reminders",
    response=ReminderPage,
    summary="Reminders to (or escalated to) the caller's agency, or sent by it",
)
def list_reminders(request, filters: Query[ReminderFilters], page: Query[PageQuery]):
    qs = selectors.reminders_for(
        request.auth,
        box=parse_choice(filters.box, "box", selectors.REMINDER_BOXES) or "received",
        kind=parse_choice(filters.kind, "kind", ReminderKind.values),
        q=clean_text(filters.q),
    )
    return paginate(qs, page, reminder_out)


@router.get("/tasks/{task_id}/reminders", response=ReminderPage, summary="The reminders about one task")
def list_task_reminders(request, task_id: PathId, page: Query[PageQuery]):
    task = planning_selectors.get_task(request.auth, task_id)
    return paginate(selectors.task_reminders(request.auth, task), page, reminder_out)


@router.post(
    "/reminders",
    response={201: list[ReminderOut]},
    summary="Send a reminder by hand about a task, a directive or a report (the supervising level's leaders)",
)
def send_reminder(request, payload: ReminderIn):
    sent = services.send_reminder(
        request.auth,
        task=payload.task,
        directive=payload.directive,
        report=payload.report,
        message=payload.message,
    )
    rows = selectors.reminders_for(request.auth, box="all").filter(pk__in=[r.pk for r in sent])
    return Status(201, [reminder_out(r) for r in rows])
