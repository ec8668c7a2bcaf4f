"""Evaluation of agencies over the API: the list (with the cap check), one evaluation with the rule
and the inputs behind its score, computing, the three steps, the rule, the Excel download."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema

from resmon.agencies.api import AgencyRef, agency_ref
from resmon.core.apikit import Id, PageQuery, PathId, clean_text, paginate, parse_choice

from . import explain, selectors, services
from .models import CRITERIA, Evaluation, Level, State
from .scoring import CapCheck, Rule
from .services import export

router = Router(tags=["evaluation of agencies"])

XLSX_TYPE = export.XLSX_TYPE
LEVEL_LABELS = dict(Level.choices)
STATE_LABELS = dict(State.choices)


class EvaluationFilters(Schema):
    period: Id | None = Field(None, description="A quarter of the calendar (its id); or give year")
    year: int | None = Field(None, ge=selectors.MIN_YEAR, le=selectors.MAX_YEAR, description="A year")
    agency: Id | None = Field(None, description="The subtree listed (default: the caller's agency)")
    state: str | None = Field(None, description="computed, self_assessed, appraised or decided")
    level: str | None = Field(
        None,
        description="The level as it stands (decision, else appraisal, else self-assessment, else proposal)",
    )
    q: str | None = Field(None, description="Words in the agency's name or code")
    todo: bool = Field(False, description="Only those waiting for a step the caller may take")


class StepOut(Schema):
    level: str
    level_label: str
    comment: str = ""
    proposal: str = ""
    number: str = ""
    date: dt.date | None = None
    by: str | None = None
    agency: AgencyRef | None = None
    at: dt.datetime | None = None


class CriterionOut(Schema):
    key: str
    label: str
    rule: str
    figures: str
    applicable: bool
    rate: str | None = Field(None, description="Percent, 2 decimals; null: not applicable (no data)")
    weight: int
    effective_weight: str = Field(
        ..., description="Percent of the score once criteria without data are left out"
    )
    points: str


class EvaluationOut(Schema):
    id: int
    agency: AgencyRef
    kind: str
    period_id: int | None
    year: int
    label: str
    window_start: dt.date
    window_end: dt.date
    score: str | None = Field(None, description="0–100, one decimal; null without any data")
    proposed_level: str
    proposed_level_label: str
    state: str
    state_label: str
    rule_version: int
    computed_at: dt.datetime
    self_assessment: StepOut | None
    appraisal: StepOut | None
    decision: StepOut | None
    version: int


class EvaluationDetailOut(EvaluationOut):
    as_of: dt.date
    criteria: list[CriterionOut]
    not_applicable: list[str]
    rule: dict
    inputs: dict


class CapOut(Schema):
    excellent: int
    good: int
    at_least_good: int
    cap_percent: str
    share: str | None
    limit: int
    exceeded: bool
    rule: str


class EvaluationPage(Schema):
    count: int
    items: list[EvaluationOut]
    label: str
    cap: CapOut


class ComputeIn(Schema):
    period: Id | None = Field(None, description="A quarter (its id); or give year")
    year: int | None = Field(None, ge=selectors.MIN_YEAR, le=selectors.MAX_YEAR)
    agency: Id | None = Field(
        None, description="The subtree: its agencies are evaluated (default: the caller's)"
    )
    agency_kind: str | None = Field(
        None,
        description="Evaluate every agency of this kind in the subtree (default: those directly under it)",
    )


class ComputeOut(Schema):
    label: str
    created: int
    refreshed: int
    kept: int
    ids: list[int]


class SelfIn(Schema):
    level: str = Field(..., max_length=20)
    comment: str = Field(..., max_length=4000)
    version: int | None = Field(
        None, ge=0, le=2**31 - 1, description="The version read; a stale one is a 409"
    )


class AppraisalIn(Schema):
    level: str = Field(..., max_length=20)
    comment: str = Field(..., max_length=4000)
    proposal: str = Field("", max_length=4000)
    version: int | None = Field(None, ge=0, le=2**31 - 1)


class EvaluationDecisionIn(Schema):
    level: str = Field(..., max_length=20)
    number: str = Field(..., max_length=200, description="The decision's number, e.g. 125-QĐ/TU")
    date: dt.date = Field(..., description="The decision's date (yyyy-mm-dd), not in the future")
    note: str = Field("", max_length=4000)
    version: int | None = Field(None, ge=0, le=2**31 - 1)


class EvaluationRuleIn(Schema):
    weight_on_time: int = Field(..., ge=0, le=100)
    weight_progress: int = Field(..., ge=0, le=100)
    weight_kpi: int = Field(..., ge=0, le=100)
    weight_reporting: int = Field(..., ge=0, le=100)
    weight_directives: int = Field(..., ge=0, le=100)
    excellent_from: str = Field(..., max_length=10, description="Points, e.g. 90")
    good_from: str = Field(..., max_length=10)
    pass_from: str = Field(..., max_length=10)
    cap_percent: str = Field(
        ..., max_length=10, description="Excellent at most this percent of those at least good"
    )
    version: int | None = Field(None, ge=0, le=2**31 - 1)


class EvaluationRuleOut(Schema):
    weights: dict[str, int]
    excellent_from: str
    good_from: str
    pass_from: str
    cap_percent: str
    bands: str
    cap: str
    criteria: dict[str, str]
    is_default: bool
    version: int
    updated_by: str | None
    updated_at: dt.datetime | None


def _name(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def _num(value: Any) -> str | None:
    return None if value is None else f"{value:f}"


def _plain(value: Any) -> str:
    """A threshold as typed: 90, 50.5 (not 90.0)."""
    return f"{Decimal(value).normalize():f}"


def _step(level: str, **kw: Any) -> dict[str, Any] | None:
    if not level:
        return None
    return {"level": level, "level_label": str(LEVEL_LABELS.get(level, level)), **kw}


def evaluation_out(ev: Evaluation) -> dict[str, Any]:
    return {
        "id": ev.pk,
        "agency": agency_ref(ev.agency),
        "kind": ev.kind,
        "period_id": ev.period_id,
        "year": ev.year,
        "label": ev.period_label,
        "window_start": ev.window_start,
        "window_end": ev.window_end,
        "score": _num(ev.score),
        "proposed_level": ev.proposed_level,
        "proposed_level_label": str(LEVEL_LABELS.get(ev.proposed_level, "")),
        "state": ev.state,
        "state_label": str(STATE_LABELS.get(ev.state, ev.state)),
        "rule_version": ev.rule_version,
        "computed_at": ev.computed_at,
        "self_assessment": _step(ev.self_level, comment=ev.self_comment, by=_name(ev.self_by), at=ev.self_at),
        "appraisal": _step(
            ev.appraisal_level,
            comment=ev.appraisal_comment,
            proposal=ev.appraisal_proposal,
            by=_name(ev.appraised_by),
            agency=agency_ref(ev.appraising_agency) if ev.appraising_agency_id else None,
            at=ev.appraised_at,
        ),
        "decision": _step(
            ev.decision_level,
            number=ev.decision_number,
            date=ev.decision_date,
            comment=ev.decision_note,
            by=_name(ev.decided_by),
            agency=agency_ref(ev.deciding_agency) if ev.deciding_agency_id else None,
            at=ev.decided_at,
        ),
        "version": ev.version,
    }


def evaluation_detail_out(ev: Evaluation) -> dict[str, Any]:
    rows = explain.criteria(ev)
    return {
        **evaluation_out(ev),
        "as_of": explain.as_of(ev),
        "criteria": [
            {
                "key": r.key,
                "label": r.label,
                "rule": r.rule,
                "figures": r.figures,
                "applicable": r.applicable,
                "rate": _num(r.rate),
                "weight": r.weight,
                "effective_weight": _num(r.effective_weight),
                "points": _num(r.points),
            }
            for r in rows
        ],
        "not_applicable": [r.key for r in rows if not r.applicable],
        "rule": ev.inputs.get("rule", {}),
        "inputs": ev.inputs.get("inputs", {}),
    }


def cap_out(cap: CapCheck, rule: Rule) -> dict[str, Any]:
    return {
        "excellent": cap.excellent,
        "good": cap.good,
        "at_least_good": cap.at_least_good,
        "cap_percent": _plain(cap.cap_percent),
        "share": _num(cap.share),
        "limit": cap.limit,
        "exceeded": cap.exceeded,
        "rule": explain.cap_text(rule),
    }


def rule_out() -> dict[str, Any]:
    row = selectors.rule_row()
    rule = selectors.rule_of(row)
    return {
        "weights": {k: int(rule.weights.get(k, 0)) for k in CRITERIA},
        "excellent_from": _plain(rule.excellent_from),
        "good_from": _plain(rule.good_from),
        "pass_from": _plain(rule.pass_from),
        "cap_percent": _plain(rule.cap_percent),
        "bands": explain.bands_text(rule),
        "cap": explain.cap_text(rule),
        "criteria": {k: str(explain.CRITERION_RULES[k]) for k in CRITERIA},
        "is_default": row is None,
        "version": rule.version,
        "updated_by": None if row is None else row.updated_by_name,
        "updated_at": None if row is None else row.updated_at,
    }


def _filters(request, f: EvaluationFilters) -> tuple[Any, Any, dict[str, Any]]:
    target = selectors.pick_target(f.period, f.year)
    root = selectors.pick_root(request.auth, f.agency)
    options = {
        "state": parse_choice(f.state, "state", State.values),
        "level": parse_choice(f.level, "level", Level.values),
        "q": clean_text(f.q),
        "todo": f.todo,
    }
    return target, root, options


@router.get(
    "/evaluations", response=EvaluationPage, summary="Evaluations of a quarter or a year in a subtree"
)
def list_evaluations(request, filters: Query[EvaluationFilters], page: Query[PageQuery]):
    user = request.auth
    target, root, options = _filters(request, filters)
    rule = selectors.current_rule()
    body = paginate(selectors.evaluations_for(user, target, root, **options), page, evaluation_out)
    cap = selectors.cap_for(selectors.base(user, target, root), rule.cap_percent)
    return {**body, "label": target.label, "cap": cap_out(cap, rule)}


@router.get(
    "/evaluations.xlsx",
    summary="The evaluation list as Excel (the list's filters, every page)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as an attachment",
                "content": {XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def export_evaluations(request, filters: Query[EvaluationFilters]):
    target, root, options = _filters(request, filters)
    file = export.download(request.auth, target, root, **options)
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.post(
    "/evaluations/compute",
    response=ComputeOut,
    summary="Compute (or refresh) the evaluations of the agencies under an agency (leaders above them)",
)
def compute_evaluations(request, payload: ComputeIn):
    result = services.compute_evaluations(
        request.auth,
        period=payload.period,
        year=payload.year,
        agency=payload.agency,
        agency_kind=payload.agency_kind,
    )
    return {
        "label": result.target.label,
        "created": len(result.created),
        "refreshed": len(result.refreshed),
        "kept": len(result.kept),
        "ids": sorted(ev.pk for ev in (*result.created, *result.refreshed, *result.kept)),
    }


@router.get("/evaluations/{evaluation_id}", response=EvaluationDetailOut, summary="One evaluation")
def get_evaluation(request, evaluation_id: PathId):
    return evaluation_detail_out(selectors.get_evaluation(request.auth, evaluation_id))


@router.post(
    "/evaluations/{evaluation_id}/self-assessment",
    response=EvaluationDetailOut,
    summary="Record the agency's self-assessment (its leaders)",
)
def self_assess(request, evaluation_id: PathId, payload: SelfIn):
    ev = selectors.get_evaluation(request.auth, evaluation_id)
    services.self_assess(
        request.auth, ev, level=payload.level, comment=payload.comment, expected_version=payload.version
    )
    return evaluation_detail_out(selectors.get_evaluation(request.auth, evaluation_id))


@router.post(
    "/evaluations/{evaluation_id}/appraisal",
    response=EvaluationDetailOut,
    summary="Appraise and propose a level (the supervising agency)",
)
def appraise(request, evaluation_id: PathId, payload: AppraisalIn):
    ev = selectors.get_evaluation(request.auth, evaluation_id)
    services.appraise(
        request.auth,
        ev,
        level=payload.level,
        comment=payload.comment,
        proposal=payload.proposal,
        expected_version=payload.version,
    )
    return evaluation_detail_out(selectors.get_evaluation(request.auth, evaluation_id))


@router.post(
    "/evaluations/{evaluation_id}/decision",
    response=EvaluationDetailOut,
    summary="Record the decision (the competent body: leaders of the supervising agency or above)",
)
def decide(request, evaluation_id: PathId, payload: EvaluationDecisionIn):
    ev = selectors.get_evaluation(request.auth, evaluation_id)
    services.decide(
        request.auth,
        ev,
        level=payload.level,
        number=payload.number,
        decided_on=payload.date,
        note=payload.note,
        expected_version=payload.version,
    )
    return evaluation_detail_out(selectors.get_evaluation(request.auth, evaluation_id))


@router.get(
    "/evaluation-rule", response=EvaluationRuleOut, summary="The evaluation rule in force (published)"
)
def get_evaluation_rule(request):
    return rule_out()


@router.put(
    "/evaluation-rule", response=EvaluationRuleOut, summary="Set the evaluation rule (system administrators)"
)
def set_evaluation_rule(request, payload: EvaluationRuleIn):
    services.set_rule(
        request.auth,
        weights={k: getattr(payload, f"weight_{k}") for k in CRITERIA},
        excellent_from=payload.excellent_from,
        good_from=payload.good_from,
        pass_from=payload.pass_from,
        cap_percent=payload.cap_percent,
        expected_version=payload.version,
    )
    return rule_out()
