"""What the reporting endpoints answer: the shapes shared by several routers and the functions
that turn model rows into them. Decimals are strings ("45.5"), so no value is rounded on the way."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Header, Schema

from resmon.agencies.api import AgencyRef, agency_ref

from ..models import Evidence, Observation, PeriodReport, Proposal, ReportLine, ReportState

# The header a client sends to make a write safe to retry (double click, lost answer): the same key
# answers the first result again instead of doing the write twice.
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        max_length=100,
        description="Any unique string (a UUID): a retry with the same key returns the first result.",
    ),
]

VersionField = Field(None, description="The report version you edited; 409 if someone changed it since.")


def num(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


# --- small references ------------------------------------------------------------------------


class ProgramRef(Schema):
    id: int
    number: str
    title: str


class ResolutionRef(Schema):
    id: int
    number: str


class PeriodRef(Schema):
    id: int
    kind: str
    code: str
    label: str
    start: dt.date
    end: dt.date
    is_closed: bool


class TaskRef(Schema):
    id: int
    code: str
    title: str


def program_ref(p: Any) -> dict[str, Any]:
    return {"id": p.pk, "number": p.number, "title": p.title}


def period_ref(p: Any) -> dict[str, Any]:
    return {
        "id": p.pk,
        "kind": p.kind,
        "code": p.code,
        "label": p.label,
        "start": p.start,
        "end": p.end,
        "is_closed": p.is_closed,
    }


def task_ref(t: Any) -> dict[str, Any] | None:
    if t is None:
        return None
    return {"id": t.pk, "code": t.code, "title": t.title}


# --- reports ---------------------------------------------------------------------------------

STATE_LABELS = dict(ReportState.choices)


class ReportOut(Schema):
    id: int
    program: ProgramRef
    resolution: ResolutionRef
    period: PeriodRef
    agency: AgencyRef
    accepting_agency: AgencyRef
    state: str
    state_label: str
    due_date: dt.date
    grace_until: dt.date
    first_sent_at: dt.datetime | None
    sent_at: dt.datetime | None
    is_late: bool
    accepted_at: dt.datetime | None
    returned_at: dt.datetime | None
    return_reason: str
    version: int
    updated_at: dt.datetime
    updated_by: str


class ReportPage(Schema):
    count: int
    items: list[ReportOut]


def report_summary(r: PeriodReport) -> dict[str, Any]:
    return {
        "id": r.pk,
        "program": program_ref(r.program),
        "resolution": {"id": r.resolution_id, "number": r.resolution.number},
        "period": period_ref(r.period),
        "agency": agency_ref(r.agency),
        "accepting_agency": agency_ref(r.accepting_agency),
        "state": r.state,
        "state_label": str(STATE_LABELS.get(r.state, r.state)),
        "due_date": r.due_date,
        "grace_until": r.grace_until,
        "first_sent_at": r.first_sent_at,
        "sent_at": r.sent_at,
        "is_late": r.is_late,
        "accepted_at": r.accepted_at,
        "returned_at": r.returned_at,
        "return_reason": r.return_reason,
        "version": r.version,
        "updated_at": r.updated_at,
        "updated_by": r.updated_by_name,
    }


# --- evidence --------------------------------------------------------------------------------


class EvidenceOut(Schema):
    id: int
    line_id: int
    classification: str
    kind: str
    title: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    url: str
    doc_number: str
    doc_date: dt.date | None
    uploaded_by: str | None
    created_at: dt.datetime
    download: str | None = Field(None, description="Where to download the file (kind “file” only)")


def evidence_out(e: Evidence) -> dict[str, Any]:
    return {
        "id": e.pk,
        "line_id": e.line_id,
        "classification": e.classification,
        "kind": e.kind,
        "title": e.title,
        "original_name": e.original_name,
        "content_type": e.content_type,
        "size": e.size,
        "sha256": e.sha256,
        "url": e.url,
        "doc_number": e.doc_number,
        "doc_date": e.doc_date,
        "uploaded_by": username(e.uploaded_by),
        "created_at": e.created_at,
        "download": f"/api/v1/evidence/{e.pk}" if e.kind == Evidence.Kind.FILE and e.file else None,
    }


# --- lines -----------------------------------------------------------------------------------


class ReportMilestoneOut(Schema):
    id: int
    name: str
    due_date: dt.date
    done_on: dt.date | None
    reached: bool = Field(..., description="Reported reached in this report")


class LineSourceOut(Schema):
    line: int
    report: int
    agency: AgencyRef
    task: TaskRef


class LineOut(Schema):
    id: int
    task: TaskRef
    is_leaf: bool = Field(..., description="Percent done is entered on leaf tasks only")
    percent_done: str | None
    progress: str | None = Field(None, description="The task's current progress (rolled up for a parent)")
    completed_on: dt.date | None
    results: str
    obstacles: str
    milestones: list[ReportMilestoneOut]
    evidence: list[EvidenceOut]
    sources: list[LineSourceOut] = Field(
        ..., description="The accepted lines of agencies below that this line was consolidated from"
    )


def line_out(line: ReportLine, *, is_leaf: bool, progress: Decimal | None) -> dict[str, Any]:
    reached = {m.pk for m in line.milestones_reached.all()}
    return {
        "id": line.pk,
        "task": task_ref(line.task),
        "is_leaf": is_leaf,
        "percent_done": num(line.percent_done),
        "progress": num(progress),
        "completed_on": line.completed_on,
        "results": line.results,
        "obstacles": line.obstacles,
        "milestones": [
            {
                "id": m.pk,
                "name": m.name,
                "due_date": m.due_date,
                "done_on": m.done_on,
                "reached": m.pk in reached,
            }
            for m in line.task.milestones.all()
        ],
        "evidence": [evidence_out(e) for e in line.evidence.all()],
        "sources": [
            {
                "line": src.pk,
                "report": src.report_id,
                "agency": agency_ref(src.report.agency),
                "task": task_ref(src.task),
            }
            for src in line.sources.all()
        ],
    }


# --- observations ----------------------------------------------------------------------------


class IndicatorRef(Schema):
    id: int
    code: str


class ObservationOut(Schema):
    id: int
    indicator: IndicatorRef
    indicator_version: int
    unit: str
    value: str
    is_outlier: bool
    outlier_reason: str | None = None
    explanation: str
    entered_by: str | None
    updated_at: dt.datetime


def observation_out(o: Observation) -> dict[str, Any]:
    version = o.indicator_version
    return {
        "id": o.pk,
        "indicator": {"id": o.indicator_id, "code": o.indicator.code},
        "indicator_version": version.version,
        "unit": version.unit,
        "value": num(o.value),
        "is_outlier": o.is_outlier,
        "outlier_reason": getattr(o, "outlier_reason", None),
        "explanation": o.explanation,
        "entered_by": username(o.entered_by),
        "updated_at": o.updated_at,
    }


# --- proposals -------------------------------------------------------------------------------


class ProposalOut(Schema):
    id: int
    report_id: int
    line_id: int | None
    task: TaskRef | None
    text: str
    raised_by_agency: AgencyRef
    addressed_to: AgencyRef
    status: str
    status_label: str
    created_by: str | None
    created_at: dt.datetime
    answer: str
    answered_by: str | None
    answered_at: dt.datetime | None
    closed_at: dt.datetime | None
    close_note: str


PROPOSAL_LABELS = dict(Proposal.Status.choices)


def proposal_out(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.pk,
        "report_id": p.report_id,
        "line_id": p.line_id,
        "task": task_ref(p.line.task) if p.line is not None else None,
        "text": p.text,
        "raised_by_agency": agency_ref(p.raised_by_agency),
        "addressed_to": agency_ref(p.addressed_to),
        "status": p.status,
        "status_label": str(PROPOSAL_LABELS.get(p.status, p.status)),
        "created_by": username(p.created_by),
        "created_at": p.created_at,
        "answer": p.answer,
        "answered_by": username(p.answered_by),
        "answered_at": p.answered_at,
        "closed_at": p.closed_at,
        "close_note": p.close_note,
    }
