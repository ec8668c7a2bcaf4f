"""Period reports: the lists (queues), one report with its lines, KPI values, evidence and
proposals, saving it, and every step of the review chain (officer → head → accepting level).

Writes that a client may retry (create, submit, approve, accept, return, reopen, KPI values) take an
``Idempotency-Key`` header: a retry with the same key answers the first result again. Writes that
change a report take its ``version``: a stale one is a 409 naming who changed it. A review step
answers the report's state, version and next actions; ``GET /reports/{id}`` gives the whole report.
Accepting and reopening first ask "confirm it is you" (accounts.reauth: 403 confirmation_required)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Query, Router, Schema, Status

from resmon.accounts import reauth
from resmon.agencies import selectors as agency_selectors
from resmon.agencies.api import AgencyRef, agency_ref
from resmon.catalogue import selectors_periods
from resmon.core.apikit import Id, PageQuery, PathId, clean_text, paginate, parse_choice
from resmon.planning import selectors as planning_selectors

from .. import selectors
from .. import selectors_kpis as kpi_selectors
from .. import selectors_proposals as proposal_selectors
from ..models import ReportState
from ..services import consolidation as consolidation_services
from ..services import observations as observation_services
from ..services import reports as report_services
from .schemas import (
    IdempotencyKey,
    IndicatorRef,
    LineOut,
    ObservationOut,
    ProposalOut,
    ReportOut,
    ReportPage,
    TaskRef,
    VersionField,
    line_out,
    num,
    observation_out,
    proposal_out,
    report_summary,
    task_ref,
    username,
)

router = Router(tags=["reports"])


class ReportFilters(Schema):
    queue: str | None = Field(
        None, description="to_prepare, to_approve, to_accept or returned: the caller's work queues"
    )
    period: Id | None = None
    program: Id | None = None
    agency: Id | None = Field(None, description="The reporting agency and the agencies under it")
    state: str | None = Field(None, description="draft, awaiting_head, sent, accepted or returned")
    q: str | None = Field(None, description="Words in the programme's title or number, or the agency's name")


class ReportCreateIn(Schema):
    program: Id
    period: Id
    agency: Id | None = Field(None, description="The reporting agency; the caller's own by default")


class ReportStepOut(ReportOut):
    actions: list[str] = Field(..., description="What the caller may do on this report now")


class ReportDetailOut(ReportOut):
    results: str
    obstacles: str
    next_steps: str
    reopen_reason: str
    prepared_by: str | None
    submitted_to_head_at: dt.datetime | None
    head_approved_by: str | None
    accepted_by: str | None
    returned_by: str | None
    actions: list[str] = Field(..., description="What the caller may do on this report now")
    lines: list[LineOut]
    observations: list[ObservationOut]
    proposals: list[ProposalOut]


class LineIn(Schema):
    task: Id
    results: str | None = None
    obstacles: str | None = None
    percent_done: Decimal | str | None = Field(
        None, description='0–100 on a leaf task ("45.5" or "45,5"); null clears it'
    )
    completed_on: dt.date | str | None = Field(None, description="yyyy-mm-dd or dd/mm/yyyy; sets 100 %")
    milestones: list[Id] | None = Field(None, description="The milestones reached (ids of the task's)")


class ReportPatch(Schema):
    version: int = Field(..., description="The report version you edited; 409 if someone changed it since.")
    results: str | None = None
    obstacles: str | None = None
    next_steps: str | None = None
    lines: list[LineIn] | None = Field(None, description="Only the lines and the keys given change")


class VersionIn(Schema):
    version: int | None = VersionField


class NoteIn(Schema):
    version: int | None = VersionField
    note: str = Field("", max_length=2000)


class ReasonIn(Schema):
    version: int | None = VersionField
    reason: str = Field(..., max_length=4000)


class KpiRowOut(Schema):
    indicator: IndicatorRef
    name: str
    unit: str
    decimal_places: int
    min_value: str | None
    max_value: str | None
    target: str | None = Field(None, description="The target for the period (the trajectory at its end)")
    target_on: dt.date | None
    last_value: str | None = Field(None, description="This agency's value in the previous period")
    last_period: str | None = Field(None, description="The code of that previous period")
    tasks: list[TaskRef] = Field(..., description="The report's tasks that carry this KPI")
    observation: ObservationOut | None


class KpiRowList(Schema):
    count: int
    items: list[KpiRowOut]


class ObservationIn(Schema):
    indicator: str = Field(..., max_length=40, description="The indicator's code, e.g. NQ57-DVC-01")
    value: Decimal | str = Field(..., description='A number: "1234.5" or "1.234,5"')
    unit: str | None = Field(None, max_length=40, description="When given, it must be the indicator's unit")
    explanation: str | None = Field(
        None, max_length=4000, description="Required before sending when the value is unusual; null keeps it"
    )
    version: int | None = VersionField


class ReviewRuleIn(Schema):
    wait_for_all: bool


class ReviewRuleOut(Schema):
    agency: AgencyRef
    wait_for_all: bool
    updated_by: str | None
    updated_at: dt.datetime


# --- helpers ---------------------------------------------------------------------------------


def _actions(user: Any, report: Any) -> list[str]:
    return [a for a in report_services.ACTIONS if report_services.may(user, a, report)]


def report_step(user: Any, report: Any) -> dict[str, Any]:
    """A review step's answer: the report's state, version and dates and what the caller may do
    next (the whole report is one GET away; the deadline-day path stays light)."""
    return {**report_summary(report), "actions": _actions(user, report)}


def report_detail(user: Any, report: Any) -> dict[str, Any]:
    """The full report as the caller sees it; ``report`` was read (or written) in this request."""
    lines = selectors.report_lines(report)
    tasks = [line.task for line in lines]
    leaves = selectors.leaf_task_ids(t.pk for t in tasks)
    progress = planning_selectors.task_progress(tasks)
    observations = report.observations.select_related(
        "indicator", "indicator_version", "entered_by"
    ).order_by("indicator__code")
    proposals = proposal_selectors.report_proposals(user, report)
    return {
        **report_summary(report),
        "results": report.results,
        "obstacles": report.obstacles,
        "next_steps": report.next_steps,
        "reopen_reason": report.reopen_reason,
        "prepared_by": username(report.prepared_by),
        "submitted_to_head_at": report.submitted_to_head_at,
        "head_approved_by": username(report.head_approved_by),
        "accepted_by": username(report.accepted_by),
        "returned_by": username(report.returned_by),
        "actions": _actions(user, report),
        "lines": [
            line_out(line, is_leaf=line.task_id in leaves, progress=progress.get(line.task_id))
            for line in lines
        ],
        "observations": [observation_out(o) for o in observations],
        "proposals": [proposal_out(p) for p in proposals],
    }


# --- lists and creation ----------------------------------------------------------------------


@router.get("/reports", response=ReportPage, summary="Period reports in scope, or one of the caller's queues")
def list_reports(request, filters: Query[ReportFilters], page: Query[PageQuery]):
    user = request.auth
    qs = selectors.reports_for(
        user,
        queue=parse_choice(filters.queue, "queue", selectors.QUEUES),
        period=filters.period,
        program=filters.program,
        agency=filters.agency,
        state=parse_choice(filters.state, "state", ReportState.values),
        q=clean_text(filters.q),
    )
    return paginate(qs.select_related("resolution"), page, report_summary)


@router.post(
    "/reports",
    response={201: ReportDetailOut},
    summary="Create the report of an agency on a programme for a period",
    description=(
        "The report's lines are the tasks the agency leads in the programme that are due for reporting. "
        "A report that already exists is a 409 whose body names it (`report_id`). Send an "
        "`Idempotency-Key` header to make a retry safe."
    ),
)
def create_report(request, payload: ReportCreateIn, idempotency_key: IdempotencyKey = ""):
    user = request.auth
    program = planning_selectors.get_program(user, payload.program)
    period = selectors_periods.get_period(user, payload.period)
    agency = agency_selectors.get_agency(user, payload.agency) if payload.agency is not None else None
    report = report_services.create_report(
        user, program=program, period=period, agency=agency, idempotency_key=idempotency_key
    )
    return Status(201, report_detail(user, report))


# --- one report ------------------------------------------------------------------------------


@router.get("/reports/{report_id}", response=ReportDetailOut, summary="One report with everything it carries")
def get_report(request, report_id: PathId):
    return report_detail(request.auth, selectors.get_report(request.auth, report_id))


@router.patch(
    "/reports/{report_id}",
    response=ReportDetailOut,
    summary="Save a report's content (draft or returned); only the fields given change",
    description=('Errors on lines are keyed "lines.<task id>.<field>"; if any is wrong nothing is saved.'),
)
def save_report(request, report_id: PathId, payload: ReportPatch):
    user = request.auth
    report = selectors.get_report(user, report_id)
    data = payload.model_dump(exclude_unset=True)
    report_services.save_report(
        user,
        report,
        expected_version=payload.version,
        results=data.get("results"),
        obstacles=data.get("obstacles"),
        next_steps=data.get("next_steps"),
        lines=data.get("lines"),
    )
    return report_detail(user, selectors.get_report(user, report_id))


@router.post(
    "/reports/{report_id}/consolidate",
    response=ReportDetailOut,
    summary="Draft the report from the accepted reports of the agencies below (báo cáo tổng hợp)",
    description=(
        "Empty results and obstacles of each line are drafted from the accepted lines of the sub-tasks "
        "assigned down, which are linked as the line's `sources`; what was written is kept."
    ),
)
def consolidate_report(request, report_id: PathId, payload: VersionIn):
    user = request.auth
    report = selectors.get_report(user, report_id)
    consolidation_services.consolidate_report(user, report, expected_version=payload.version)
    return report_detail(user, selectors.get_report(user, report_id))


# --- the review chain ------------------------------------------------------------------------


@router.post(
    "/reports/{report_id}/submit",
    response=ReportStepOut,
    summary="Send the report to the head of the agency for approval (focal officer)",
)
def submit_report(request, report_id: PathId, payload: VersionIn, idempotency_key: IdempotencyKey = ""):
    user = request.auth
    report = selectors.get_report(user, report_id)
    report = report_services.submit_to_head(
        user, report, expected_version=payload.version, idempotency_key=idempotency_key
    )
    return report_step(user, report)


@router.post(
    "/reports/{report_id}/send-back",
    response=ReportStepOut,
    summary="Send the report back to the focal officer with a note (the head)",
)
def send_back_report(request, report_id: PathId, payload: NoteIn):
    user = request.auth
    report = selectors.get_report(user, report_id)
    report = report_services.send_back_to_officer(
        user, report, note=payload.note, expected_version=payload.version
    )
    return report_step(user, report)


@router.post(
    "/reports/{report_id}/approve",
    response=ReportStepOut,
    summary="Approve the report and send it to the accepting level (the head)",
)
def approve_report(request, report_id: PathId, payload: VersionIn, idempotency_key: IdempotencyKey = ""):
    user = request.auth
    report = selectors.get_report(user, report_id)
    report = report_services.approve_and_send(
        user, report, expected_version=payload.version, idempotency_key=idempotency_key
    )
    return report_step(user, report)


@router.post(
    "/reports/{report_id}/accept",
    response=ReportStepOut,
    summary="Accept a sent report (the accepting level); its progress is applied to the tasks",
    openapi_extra=reauth.documented(),
)
def accept_report(request, report_id: PathId, payload: VersionIn, idempotency_key: IdempotencyKey = ""):
    user = request.auth
    report = selectors.get_report(user, report_id)  # out of scope: 404 first
    reauth.require_confirmation(request)
    report = report_services.accept_report(
        user, report, expected_version=payload.version, idempotency_key=idempotency_key
    )
    return report_step(user, report)


@router.post(
    "/reports/{report_id}/return",
    response=ReportStepOut,
    summary="Return a sent report to the reporting agency with a reason (the accepting level)",
)
def return_report(request, report_id: PathId, payload: ReasonIn, idempotency_key: IdempotencyKey = ""):
    user = request.auth
    report = selectors.get_report(user, report_id)
    report = report_services.return_report(
        user, report, reason=payload.reason, expected_version=payload.version, idempotency_key=idempotency_key
    )
    return report_step(user, report)


@router.post(
    "/reports/{report_id}/reopen",
    response=ReportStepOut,
    summary="Reopen an accepted report with a reason (the accepting level); it goes back as returned",
    openapi_extra=reauth.documented(),
)
def reopen_report(request, report_id: PathId, payload: ReasonIn, idempotency_key: IdempotencyKey = ""):
    user = request.auth
    report = selectors.get_report(user, report_id)  # out of scope: 404 first
    reauth.require_confirmation(request)
    report = report_services.reopen_report(
        user, report, reason=payload.reason, expected_version=payload.version, idempotency_key=idempotency_key
    )
    return report_step(user, report)


# --- KPI values ------------------------------------------------------------------------------


def _observation(row: Any) -> dict[str, Any] | None:
    if row.observation is None:
        return None
    return {**observation_out(row.observation), "outlier_reason": row.outlier_reason}


def _kpi_row(row: Any) -> dict[str, Any]:
    version = row.version
    return {
        "indicator": {"id": row.indicator.pk, "code": row.indicator.code},
        "name": version.name,
        "unit": version.unit,
        "decimal_places": version.decimal_places,
        "min_value": num(version.min_value),
        "max_value": num(version.max_value),
        "target": num(row.target),
        "target_on": row.target_on,
        "last_value": num(row.last_value),
        "last_period": row.last_period.code if row.last_period is not None else None,
        "tasks": [task_ref(t) for t in row.tasks],
        "observation": _observation(row),
    }


@router.get(
    "/reports/{report_id}/kpis",
    response=KpiRowList,
    summary="The KPIs of the report's tasks: unit, range, target, last period's value and this period's",
)
def report_kpis(request, report_id: PathId):
    report = selectors.get_report(request.auth, report_id)
    items = [_kpi_row(row) for row in kpi_selectors.report_kpis(report)]
    return {"count": len(items), "items": items}


@router.put(
    "/reports/{report_id}/observations",
    response=ObservationOut,
    summary="Enter or change one KPI value of the report",
    description=(
        "An unusual value against the agency's history is saved with is_outlier=true and the reason; "
        "the report cannot be sent until the value has an explanation."
    ),
)
def save_report_observation(
    request, report_id: PathId, payload: ObservationIn, idempotency_key: IdempotencyKey = ""
):
    user = request.auth
    report = selectors.get_report(user, report_id)
    observation = observation_services.save_observation(
        user,
        report,
        indicator=payload.indicator,
        value=payload.value,
        unit=payload.unit,
        explanation=payload.explanation,
        expected_version=payload.version,
        idempotency_key=idempotency_key,
    )
    # the KPI row carries the outlier reason: the same answer for the first call and for a retry
    row = next(r for r in kpi_selectors.report_kpis(report) if r.indicator.pk == observation.indicator_id)
    return _observation(row)


# --- review rules ----------------------------------------------------------------------------


@router.put(
    "/review-rules/{agency_id}",
    response=ReviewRuleOut,
    summary="Whether this level accepts reports only after every agency under it has sent its own",
)
def set_review_rule(request, agency_id: PathId, payload: ReviewRuleIn):
    user = request.auth
    agency = agency_selectors.get_agency(user, agency_id)
    rule = report_services.set_review_rule(user, agency, wait_for_all=payload.wait_for_all)
    return {
        "agency": agency_ref(agency),
        "wait_for_all": rule.wait_for_all,
        "updated_by": username(rule.updated_by),
        "updated_at": rule.updated_at,
    }
