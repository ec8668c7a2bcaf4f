"""The permission matrix × classification: every write route that carries content, for every user of
the matrix (tests/test_permission_matrix.py) and objects in and out of each scope, with plain content
(Thường, the control) and with content classified Mật, Tối mật and Tuyệt mật — declared where the
route has a classification field, marked in the text or the file otherwise (PRODUCT.md §11).

For each user and object the control is sent first, in a transaction rolled back afterwards; it
tells whether the user may act (it succeeds and records its audit row) or not. Then the classified
variants, in a second transaction rolled back afterwards:

* a user who may not act gets exactly the refusal the control got (a 404 outside the scope): the
  classified payload reveals nothing more;
* a user who may act gets the refusal with the code "classified" (400, problem+json) from the API,
  the classification message on the page; nothing is stored: no row added or changed, no audit row,
  no file;
* every route has at least one user who may act and one who may not, so nothing passes vacuously.

So a mark is judged last: a write refused for anything else (scope, permission, state, a conflict)
is refused the same way whatever its text says. A page that answers several forms (a report's
workflow steps, a proposal's, directive's or evaluation's actions, an account's edit and
deactivation) has a row for each. The matrix's sessions have just signed in, so they count as
confirmed ("confirm it is you": reopening a report, account administration).

The imports make a file for each request (a programme's own Excel file with a task's title marked,
the account import's CSV with a marked name), so they are tried with fewer users: for a programme
one who may import it, one who sees it but may not change it and one outside its scope; for
accounts an administrator and an officer (404).

Write routes that carry no typed content are not here: signing in, the security pages and API tokens
(a credential's label); ids, dates, numbers and choices only (a report's creation, submission,
approval, acceptance and consolidation, a programme's schedule, a task's move, reorder and clauses,
a coordinating part's due date, the review, band, alert and evaluation rules, notification
preferences, computing evaluations, a directive's acknowledgement, stored documents' requests);
deletions and withdrawals without a reason (evidence, proposals, tasks, milestones, dependencies,
KPIs, extensions, stored documents, closing an amendment); and what stores nothing (signature
verification, the audit chain's check, the import's credentials download, account resets).
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.forms import BaseForm
from django.test import Client
from django.urls import reverse

from resmon.accounts.models import User
from resmon.audit.models import AuditEntry
from resmon.catalogue.models import Indicator, IndicatorVersion, ReportingPeriod
from resmon.core import classified
from resmon.monitoring.alerts.models import Alert
from resmon.monitoring.directives.models import Directive, DirectiveRecipient, Reminder
from resmon.monitoring.directives.services import allowed_recipients
from resmon.monitoring.evaluation.models import Evaluation, Level, State
from resmon.notifications.models import Notification
from resmon.planning.models import (
    ActionProgram,
    Clause,
    DeadlineExtension,
    Milestone,
    ProgramAmendment,
    TargetPoint,
    Task,
    TaskCoordination,
    TaskDependency,
    TaskIndicator,
)
from resmon.planning.views.excel import XLSX
from resmon.reporting.forms import plain_number
from resmon.reporting.models import (
    Evidence,
    ExplanationRequest,
    Observation,
    PeriodReport,
    Proposal,
    ReportLine,
    ReportState,
)
from tests import test_permission_matrix as matrix
from tests.permission_routes import API, ROUTES
from tests.planning import excel_helpers
from tests.reporting.evidence_samples import docx_bytes, pdf_bytes
from tests.reporting.helpers import TODAY

pytestmark = pytest.mark.django_db

matrix_world = matrix.matrix_world  # the fixture: the test world with the matrix's objects

# --- the content: a control and the three classifications ----------------------------------------

PLAIN = (
    "Kết quả thực hiện quý I: mật độ doanh nghiệp khoa học tăng; Văn bản số 12-BC/TU (Mật) "
    "ngày 10/3/2026 đã được lưu theo quy định"
)
MARKED = {  # a marked text, one way of marking for each classification
    "mat": "MẬT\nKết quả thực hiện quý I",
    "toi_mat": "Độ mật: Tối mật\nKết quả thực hiện quý I",
    "tuyet_mat": "*** TUYỆT MẬT ***\nKết quả thực hiện quý I",
}
STAMPS = {"mat": "MẬT", "toi_mat": "TỐI MẬT", "tuyet_mat": "TUYỆT MẬT"}
MESSAGES = (classified.TEXT_MESSAGE, classified.FILE_MESSAGE)


@dataclass(frozen=True)
class Variant:
    """One payload's content: the text of every content field, the declared classification and
    (for evidence) the file."""

    label: str
    text: str = PLAIN
    classification: str = "thuong"
    file_name: str = "bien-ban.pdf"
    file_stamp: str = ""  # a stamp printed on the file's first line

    def upload(self) -> SimpleUploadedFile:
        if self.file_stamp:
            return SimpleUploadedFile(self.file_name, docx_bytes(self.file_stamp, "Biên bản họp"))
        return SimpleUploadedFile(self.file_name, pdf_bytes("Bien ban hop"))


CONTROL = Variant("thuong")
TEXT_VARIANTS = [Variant(f"{c}/text", text=t) for c, t in MARKED.items()]
DECLARED = [Variant(f"{c}/declared", classification=c) for c in STAMPS]
# the marks of an upload, one way for each classification: the file's name, its first line, the title
EVIDENCE_VARIANTS = [
    *DECLARED,
    Variant("mat/file name", file_name="[MẬT] Biên bản họp.pdf"),
    Variant("toi_mat/file content", file_name="bien-ban.docx", file_stamp="TỐI MẬT"),
    Variant("tuyet_mat/title", text=MARKED["tuyet_mat"]),
]
EVIDENCE_PAGE_VARIANTS = [
    *DECLARED,
    *(Variant(f"{c}/file name", file_name=f"Biên bản họp ({stamp}).pdf") for c, stamp in STAMPS.items()),
]


# --- the routes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ctx:
    world: Any
    user: Any
    obj: Any
    url: str
    visible: bool  # the object is in the user's scope


Body = Callable[[Ctx, Variant], dict[str, Any]]


@dataclass(frozen=True)
class ContentRoute:
    name: str  # the URL name (tests/permission_routes.py)
    kind: str  # the kind of object (test_permission_matrix.objects_of / visible_ids)
    body: Body
    variants: list[Variant] = field(default_factory=lambda: TEXT_VARIANTS)
    url: Callable[[Any], str] | None = None  # default: the object's id in every URL argument
    prepare: Callable[[Any, list[Any]], None] | None = None  # puts the objects in a writable state
    outside: tuple[int, ...] = (404,)  # what a user outside the object's scope gets
    label: str = ""  # the action, where one URL answers several forms
    users: tuple[str, ...] = ()  # the users tried (default: every user of the matrix)
    only: Callable[[Any], bool] | None = None  # the objects tried (default: every one of the kind)

    @property
    def id(self) -> str:
        return f"{self.name}/{self.label}" if self.label else self.name

    @property
    def route(self):
        return ROUTES[self.name]

    @property
    def api(self) -> bool:
        return self.route.kind == API

    @property
    def method(self) -> str:
        return self.route.method if self.api else "POST"


def fresh(obj: Any) -> Any:
    return type(obj).objects.get(pk=obj.pk)


def first_line(report: PeriodReport) -> ReportLine:
    return report.lines.order_by("pk").first()


def in_state(state: str) -> Callable[[Any, list[PeriodReport]], None]:
    """The matrix's sent reports, moved to ``state`` (returned: editable again; awaiting the head;
    accepted)."""

    def prepare(world, reports: list[PeriodReport]) -> None:
        PeriodReport.objects.filter(pk__in=[r.pk for r in reports]).update(state=state)

    return prepare


reopened = in_state(ReportState.RETURNED)


def unanswered(world, directives: list[Directive]) -> None:
    """The matrix's directives, their recipients not yet reported."""
    DirectiveRecipient.objects.filter(directive__in=directives).update(
        report="", reported_at=None, reported_by=None
    )


def evaluations_in(state: str) -> Callable[[Any, list[Evaluation]], None]:
    """The matrix's evaluations, moved to ``state`` with the levels judged so far."""

    def prepare(world, evaluations: list[Evaluation]) -> None:
        levels = {"self_level": Level.DONE}
        if state == State.APPRAISED:
            levels["appraisal_level"] = Level.DONE
        Evaluation.objects.filter(pk__in=[e.pk for e in evaluations]).update(state=state, **levels)

    return prepare


self_assessed = evaluations_in(State.SELF_ASSESSED)


def recipient_for(ctx: Ctx) -> int:
    """An agency the user may direct about the task (the task's lead agency if none)."""
    chosen = allowed_recipients(ctx.user, task=ctx.obj)
    return (chosen[0] if chosen else ctx.obj.lead_agency).pk


def evidence_api(ctx: Ctx, v: Variant) -> dict[str, Any]:
    return {"classification": v.classification, "kind": "file", "title": v.text, "file": v.upload()}


def evidence_page(ctx: Ctx, v: Variant) -> dict[str, Any]:
    p = f"ev{first_line(ctx.obj).pk}-"
    return {
        f"{p}classification": v.classification,
        f"{p}kind": "file",
        f"{p}title": v.text,
        f"{p}file": v.upload(),
    }


def report_patch(ctx: Ctx, v: Variant) -> dict[str, Any]:
    report = fresh(ctx.obj)
    line = first_line(report)
    return {
        "version": report.version,
        "results": v.text,
        "next_steps": v.text,
        "lines": [{"task": line.task_id, "obstacles": v.text}],
    }


def report_form(ctx: Ctx, v: Variant) -> dict[str, Any]:
    """The report page's form as it stands, with the text typed into its content fields."""
    report = fresh(ctx.obj)
    data = {"version": report.version, "results": v.text, "obstacles": "", "next_steps": ""}
    for line in report.lines.all():
        key = f"line-{line.task_id}-"
        data |= {
            f"{key}results": v.text,
            f"{key}obstacles": line.obstacles,
            f"{key}percent_done": plain_number(line.percent_done),
        }
    return data


def task_fields(ctx: Ctx, v: Variant) -> dict[str, Any]:
    return {"title": v.text, "description": v.text, "deliverable": v.text, "due_date": "2026-03-31"}


def resolution_text(ctx: Ctx, v: Variant) -> dict[str, Any]:
    return {"text": f"BỘ CHÍNH TRỊ\n{v.text}\nNGHỊ QUYẾT\nI. QUAN ĐIỂM\n1. Khoa học là động lực"}


def explanation_request(ctx: Ctx, v: Variant) -> dict[str, Any]:
    task = ctx.obj
    return {"agency": task.lead_agency_id, "task": task.pk, "question": v.text, "due_date": "2026-04-30"}


def directive_issue(ctx: Ctx, v: Variant) -> dict[str, Any]:
    return {"task": ctx.obj.pk, "recipients": [recipient_for(ctx)], "text": v.text, "due_date": "2026-04-30"}


def evaluation_step(ctx: Ctx, v: Variant) -> dict[str, Any]:
    return {"level": Level.DONE, "comment": v.text, "proposal": v.text}


def _url(name: str, **kwargs: Callable[[Any], int]) -> Callable[[Any], str]:
    return lambda obj: reverse(name, kwargs={k: f(obj) for k, f in kwargs.items()})


def with_milestones(world, tasks: list[Task]) -> None:
    for task in tasks:
        Milestone.objects.get_or_create(task=task, name="Dự thảo đề án", due_date=dt.date(2026, 3, 1))


def delivered(world, tasks: list[Task]) -> None:
    TaskCoordination.objects.filter(task__in=tasks).update(delivered_on=dt.date(2026, 3, 10))


def issued(world, programs: list[ActionProgram]) -> None:
    ActionProgram.objects.filter(pk__in=[p.pk for p in programs]).update(
        status=ActionProgram.Status.ISSUED, number="15-CTr/TU", issued_on=dt.date(2025, 3, 1)
    )


def closed_period(world, periods: list[ReportingPeriod]) -> None:
    ReportingPeriod.objects.filter(pk__in=[p.pk for p in periods]).update(
        is_closed=True, closed_at=TODAY, closed_by=world.users["sysadmin"], closed_reason="Khóa sổ quý I"
    )


def with_clauses(world, resolutions: list[Any]) -> None:
    for resolution in resolutions:
        Clause.objects.get_or_create(
            resolution=resolution,
            reference="I.1",
            defaults={"kind": Clause.Kind.SECTION, "label": "1", "text": "Khoa học là động lực"},
        )


def with_kpis(world, objects: list[Any]) -> None:
    matrix.objects_of(world, "kpi")  # the matrix's KPIs on the reports' tasks


def reopened_with_kpis(world, reports: list[PeriodReport]) -> None:
    reopened(world, reports)
    with_kpis(world, reports)


def day(text: str) -> str:
    """A date of the API (yyyy-mm-dd) as the pages take it (dd/mm/yyyy)."""
    return dt.date.fromisoformat(text).strftime("%d/%m/%Y")


def coordination_url(name: str) -> Callable[[Task], str]:
    """The URL of the task's first coordinating agency's part (an agency that does not exist when
    the task has none: a 404 for everyone)."""

    def url(task: Task) -> str:
        part = TaskCoordination.objects.filter(task=task).order_by("pk").first()
        agency = part.agency_id if part else 2**62
        arg = "pk" if name.startswith("planning:") else "task_id"
        return reverse(name, kwargs={arg: task.pk, "agency_id": agency})

    return url


def sibling(task: Task) -> Task:
    """Another task of the same programme: what the task may depend on."""
    return Task.objects.filter(program_id=task.program_id).exclude(pk=task.pk).order_by("pk").first()


def version_and(field: str) -> Body:
    return lambda c, v: {"version": fresh(c.obj).version, field: v.text}


def report_step(action: str) -> Body:
    """The report page's workflow form: the note (send back) or the reason (return, reopen)."""
    return lambda c, v: {"action": action, "version": fresh(c.obj).version, "reason": v.text}


def task_form(ctx: Ctx, v: Variant, *, lead: int, due: str, task: Task | None = None) -> dict[str, Any]:
    """The task page's form (add, assign down, edit) with its coordination rows as they are."""
    rows = list(TaskCoordination.objects.filter(task=task).order_by("pk")) if task else []
    data = {
        "title": v.text,
        "lead_agency": lead,
        "responsible_officer": "",
        "due_date": day(due),
        "review_period": task.review_period if task else "",
        "deadline_justification": "",
        "deliverable_type": "",
        "deliverable": v.text,
        "authority": "",
        "weight": "1",
        "description": v.text,
        "version": task.version if task else "",
        "coord-TOTAL_FORMS": str(len(rows)),
        "coord-INITIAL_FORMS": "0",
        "coord-MIN_NUM_FORMS": "0",
        "coord-MAX_NUM_FORMS": "30",
    }
    for i, row in enumerate(rows):
        data |= {f"coord-{i}-agency": row.agency_id, f"coord-{i}-sub_deliverable": row.sub_deliverable}
    return data


def subtask_due(task: Task) -> str:
    return str(task.due_date or "2026-12-31")


def split_page(ctx: Ctx, v: Variant) -> dict[str, Any]:
    return {
        "part-TOTAL_FORMS": "2",
        "part-INITIAL_FORMS": "0",
        "part-MIN_NUM_FORMS": "0",
        "part-MAX_NUM_FORMS": "50",
        "part-0-title": v.text,
        "part-0-weight": "1",
        "part-1-title": "Phần còn lại",
        "part-1-weight": "1",
    }


def program_fields(ctx: Ctx, v: Variant) -> dict[str, Any]:
    return {"doc_type": ActionProgram.DocType.ACTION_PROGRAM, "number": "", "title": v.text, "signer": ""}


def new_program(ctx: Ctx, v: Variant) -> dict[str, Any]:
    """A programme of the user's own agency for the resolution (the URL names no object)."""
    return {**program_fields(ctx, v), "resolution": ctx.obj.pk, "agency": ctx.user.agency_id}


def kpi_fields(ctx: Ctx, v: Variant) -> dict[str, Any]:
    return {"criterion": v.text, "targets": [{"on": "2026-12-31", "value": "80"}]}


def new_kpi(ctx: Ctx, v: Variant) -> dict[str, Any]:
    return {"indicator": matrix_kpi_indicator().pk, **kpi_fields(ctx, v)}


def kpi_page(ctx: Ctx, v: Variant) -> dict[str, Any]:
    return {
        "indicator": matrix_kpi_indicator().pk,
        "baseline_value": "40",
        "baseline_date": "01/01/2025",
        "criterion": v.text,
        "targets-TOTAL_FORMS": "1",
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "100",
        "targets-0-on": "30/12/2026",  # not the matrix KPIs' own target: a row left as shown is skipped
        "targets-0-value": "85",
    }


def matrix_kpi_indicator() -> Indicator:
    return Indicator.objects.get(code="MATRIX-01")  # the matrix KPIs' (tests/planning/kpi_helpers.py)


def observation(ctx: Ctx, v: Variant) -> dict[str, Any]:
    report = fresh(ctx.obj)
    return {
        "indicator": matrix_kpi_indicator().code,
        "value": "55",
        "explanation": v.text,
        "version": report.version,
    }


def indicator_fields(ctx: Ctx, v: Variant) -> dict[str, Any]:
    return {
        "name": v.text,
        "definition": v.text,
        "unit": "%",
        "direction": "higher",
        "aggregation": "avg",
        "frequency": "year",
        "owner_agency": ctx.world.bo_khcn.pk,
    }


def account_fields(ctx: Ctx, v: Variant) -> dict[str, Any]:
    """A new account in the agency."""
    return {
        "full_name": v.text,
        "position": v.text,
        "agency": ctx.obj.pk,
        "role": "focal_officer",
        "email": "",
        "phone": "",
    }


def account_edit(ctx: Ctx, v: Variant) -> dict[str, Any]:
    account = fresh(ctx.obj)
    return {
        "action": "update",
        "full_name": v.text,
        "position": v.text,
        "agency": account.agency_id,
        "role": account.role,
        "email": account.email,
        "phone": account.phone,
    }


def accounts_file(ctx: Ctx, v: Variant) -> dict[str, Any]:
    """The account import's CSV: one new account in the agency, its name the text."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["ten_dang_nhap", "ho_ten", "ma_co_quan", "vai_tro", "email", "chuc_vu", "dien_thoai"])
    writer.writerow(["nguoi.moi", v.text, ctx.obj.code, "focal_officer", "", "", ""])
    return {"file": SimpleUploadedFile("tai-khoan.csv", out.getvalue().encode(), content_type="text/csv")}


def programme_file(ctx: Ctx, v: Variant) -> dict[str, Any]:
    """The programme's own Excel file, its first task's title the text."""
    program = ctx.obj
    wb = excel_helpers.exported(ctx.world.users["sysadmin"], program)
    first = Task.objects.filter(program=program).order_by("code").first()
    excel_helpers.set_cell(wb, first.code, "title", v.text)
    return {"file": SimpleUploadedFile("chuong-trinh.xlsx", excel_helpers.to_bytes(wb), content_type=XLSX)}


def explanation_page(ctx: Ctx, v: Variant) -> dict[str, Any]:
    task = ctx.obj
    return {"task": task.pk, "agency": task.lead_agency_id, "question": v.text, "due_date": "30/04/2026"}


def directive_page(ctx: Ctx, v: Variant) -> dict[str, Any]:
    return {"task": ctx.obj.pk, "recipients": [recipient_for(ctx)], "text": v.text, "due_date": "30/04/2026"}


def directive_step(action: str, field: str) -> Body:
    return lambda c, v: {
        "action": action,
        f"{action}-version": fresh(c.obj).version,
        f"{action}-{field}": v.text,
    }


def evaluation_page(action: str, texts: tuple[str, ...], **fixed: str) -> Body:
    """A step of the evaluation page: its level, version and fields, the text in ``texts``."""
    return lambda c, v: {
        "action": action,
        f"{action}-level": Level.DONE,
        f"{action}-version": fresh(c.obj).version,
        **{f"{action}-{k}": value for k, value in fixed.items()},
        **{f"{action}-{k}": v.text for k in texts},
    }


# the imports, with fewer users (a file is made for each request): for Hà Nội's programme one who may
# import it, one who sees it but may not change it and one outside its scope (each may import their
# own); for accounts an administrator and an officer
IMPORT_USERS = ("hni_officer", "xa_officer", "hcm_officer")
ACCOUNT_IMPORT_USERS = ("hni_admin", "hni_officer")

CONTENT_ROUTES = [
    # --- reporting: evidence, the report's texts, proposals, explanations
    ContentRoute(
        "api:add_evidence",
        "report",
        evidence_api,
        EVIDENCE_VARIANTS,
        url=_url("api:add_evidence", report_id=lambda r: r.pk, task_id=lambda r: first_line(r).task_id),
        prepare=reopened,
    ),
    ContentRoute(
        "reporting:evidence_add",
        "report",
        evidence_page,
        EVIDENCE_PAGE_VARIANTS,
        url=_url("reporting:evidence_add", pk=lambda r: r.pk, line_id=lambda r: first_line(r).pk),
        prepare=reopened,
    ),
    ContentRoute("api:save_report", "report", report_patch, prepare=reopened),
    ContentRoute("reporting:autosave", "report", report_form, prepare=reopened),
    ContentRoute("api:raise_proposal", "report", lambda c, v: {"text": v.text}, prepare=reopened),
    ContentRoute(
        "reporting:proposal_raise",
        "report",
        lambda c, v: {"proposal-text": v.text, "proposal-line": "", "proposal-addressed_to": ""},
        prepare=reopened,
    ),
    ContentRoute("api:answer_proposal", "proposal", lambda c, v: {"answer": v.text}),
    ContentRoute(
        "reporting:proposal_detail", "proposal", lambda c, v: {"action": "answer", "answer-answer": v.text}
    ),
    ContentRoute("api:close_proposal", "proposal", lambda c, v: {"note": v.text}),
    ContentRoute(
        "api:request_explanation",
        "task",
        explanation_request,
        url=lambda task: reverse("api:request_explanation"),
    ),
    ContentRoute("api:answer_explanation", "explanation", lambda c, v: {"answer": v.text}),
    ContentRoute(
        "reporting:explanation_detail",
        "explanation",
        lambda c, v: {"action": "answer", "answer-answer": v.text},
    ),
    ContentRoute("api:close_explanation", "explanation", lambda c, v: {"note": v.text}),
    # --- directives and alerts
    ContentRoute(
        "api:issue_directive",
        "task",
        directive_issue,
        url=lambda task: reverse("api:issue_directive"),
        outside=(403, 404),  # who may not issue at all hears so first (tests/permission_routes.py)
    ),
    ContentRoute(
        "api:report_on_directive",
        "directive_recipient",
        lambda c, v: {"text": v.text},
        prepare=lambda w, recipients: unanswered(w, [r.directive for r in recipients]),
    ),
    ContentRoute(
        "directives:detail",
        "directive",
        lambda c, v: {"action": "report", "report-report": v.text},
        prepare=unanswered,
    ),
    ContentRoute("api:close_directive", "directive", lambda c, v: {"note": v.text}),
    ContentRoute("api:acknowledge_alert", "alert", lambda c, v: {"comment": v.text}),
    ContentRoute("alerts:detail", "alert", lambda c, v: {"comment": v.text}),
    # --- planning: tasks, milestones, the resolution's text
    ContentRoute(
        "api:create_program_task",
        "program",
        lambda c, v: {**task_fields(c, v), "lead_agency": c.obj.agency_id},
    ),
    ContentRoute(
        "api:create_subtask",
        "task",
        lambda c, v: {
            **task_fields(c, v),
            "lead_agency": c.obj.lead_agency_id,
            "due_date": str(c.obj.due_date or "2026-12-31"),
        },
    ),
    ContentRoute(
        "api:update_task",
        "task",
        lambda c, v: {
            "version": fresh(c.obj).version,
            "title": v.text,
            "description": v.text,
            "due_date": "2026-03-31",  # within every parent's due date
        },
    ),
    ContentRoute("api:add_milestone", "task", lambda c, v: {"name": v.text, "due_date": "2026-03-01"}),
    ContentRoute("planning:milestone_add", "task", lambda c, v: {"name": v.text, "due_date": "01/03/2026"}),
    ContentRoute("api:import_resolution_clauses", "resolution", resolution_text),
    # --- evaluation: the self-assessment's and the appraisal's comments
    ContentRoute("api:self_assess", "evaluation", evaluation_step),
    ContentRoute("api:appraise", "evaluation", evaluation_step, prepare=self_assessed),
    # --- reporting: the review chain's notes and reasons, forwarding, asking, observations
    ContentRoute(
        "api:send_back_report", "report", version_and("note"), prepare=in_state(ReportState.AWAITING_HEAD)
    ),
    ContentRoute(
        "reporting:act",
        "report",
        report_step("send_back"),
        prepare=in_state(ReportState.AWAITING_HEAD),
        label="send_back",
    ),
    ContentRoute("api:return_report", "report", version_and("reason")),
    ContentRoute("reporting:act", "report", report_step("return"), label="return"),
    ContentRoute(  # asks "confirm it is you": the matrix's sessions have just signed in
        "api:reopen_report", "report", version_and("reason"), prepare=in_state(ReportState.ACCEPTED)
    ),
    ContentRoute(
        "reporting:act",
        "report",
        report_step("reopen"),
        prepare=in_state(ReportState.ACCEPTED),
        label="reopen",
    ),
    ContentRoute(
        "api:forward_proposal", "proposal", lambda c, v: {"to_agency": c.world.root.pk, "note": v.text}
    ),
    ContentRoute(
        "reporting:proposal_detail",
        "proposal",
        lambda c, v: {"action": "forward", "forward-to_agency": c.world.root.pk, "forward-note": v.text},
        label="forward",
    ),
    ContentRoute(
        "reporting:proposal_detail",
        "proposal",
        lambda c, v: {"action": "close", "close-note": v.text},
        label="close",
    ),
    ContentRoute(
        "reporting:explanation_new",
        "task",
        explanation_page,
        url=lambda task: reverse("reporting:explanation_new"),
    ),
    ContentRoute(
        "reporting:explanation_detail",
        "explanation",
        lambda c, v: {"action": "close", "close-note": v.text},
        label="close",
    ),
    ContentRoute(
        "api:save_report_observation",
        "report",
        observation,
        prepare=reopened_with_kpis,
    ),
    # --- planning: the task forms, deadline extensions, splitting, dependencies, milestones, KPIs
    ContentRoute(
        "planning:task_new",
        "program",
        lambda c, v: task_form(c, v, lead=c.obj.agency_id, due="2026-03-31"),
    ),
    ContentRoute(
        "planning:subtask_new",
        "task",
        lambda c, v: task_form(c, v, lead=c.obj.lead_agency_id, due=subtask_due(c.obj)),
    ),
    ContentRoute(
        "planning:task_edit",
        "task",
        lambda c, v: task_form(c, v, lead=c.obj.lead_agency_id, due="2026-03-31", task=fresh(c.obj)),
    ),
    ContentRoute(
        "api:request_task_extension",
        "task",
        lambda c, v: {"proposed_due_date": "2027-06-30", "reason": v.text},
    ),
    ContentRoute(
        "planning:extension_request",
        "task",
        lambda c, v: {"proposed_due_date": "30/06/2027", "reason": v.text},
    ),
    ContentRoute("api:decide_task_extension", "extension", lambda c, v: {"grant": False, "note": v.text}),
    ContentRoute(
        "planning:extension_detail", "extension", lambda c, v: {"decision": "refuse", "note": v.text}
    ),
    ContentRoute(
        "api:split_task",
        "task",
        lambda c, v: {"parts": [{"title": v.text}, {"title": "Phần còn lại"}]},
    ),
    ContentRoute("planning:task_split", "task", split_page),
    ContentRoute(
        "api:add_dependency", "task", lambda c, v: {"depends_on": sibling(c.obj).pk, "note": v.text}
    ),
    ContentRoute(
        "planning:dependency_add", "task", lambda c, v: {"depends_on": sibling(c.obj).pk, "note": v.text}
    ),
    ContentRoute(
        "api:update_milestone",
        "task",
        lambda c, v: {"name": v.text},
        url=_url(
            "api:update_milestone", task_id=lambda t: t.pk, milestone_id=lambda t: t.milestones.first().pk
        ),
        prepare=with_milestones,
    ),
    ContentRoute("api:add_task_kpi", "task", new_kpi, prepare=with_kpis),
    ContentRoute("planning:kpi_new", "task", kpi_page, prepare=with_kpis),
    ContentRoute("api:update_task_kpi", "kpi", kpi_fields),
    ContentRoute(
        "planning:kpi_edit",
        "kpi",
        lambda c, v: {k: val for k, val in kpi_page(c, v).items() if k != "indicator"},
    ),
    ContentRoute(
        "api:record_coordination_delivery",
        "task",
        lambda c, v: {"delivered_on": "2026-03-10", "note": v.text},
        url=coordination_url("api:record_coordination_delivery"),
    ),
    ContentRoute(
        "api:undo_coordination_delivery",
        "task",
        lambda c, v: {"reason": v.text},
        url=coordination_url("api:undo_coordination_delivery"),
        prepare=delivered,
    ),
    ContentRoute(
        "planning:coordination_part",
        "task",
        lambda c, v: {"action": "deliver", "deliver-delivered_on": "10/03/2026", "deliver-note": v.text},
        url=coordination_url("planning:coordination_part"),
        label="deliver",
    ),
    ContentRoute(
        "planning:coordination_part",
        "task",
        lambda c, v: {"action": "undo", "undo-reason": v.text},
        url=coordination_url("planning:coordination_part"),
        prepare=delivered,
        label="undo",
    ),
    # --- planning: programmes, amendments, the resolution's text, the Excel import
    ContentRoute(
        "api:create_program",
        "resolution",
        new_program,
        url=lambda resolution: reverse("api:create_program"),
    ),
    ContentRoute(
        "planning:program_new",
        "resolution",
        new_program,
        url=lambda resolution: reverse("planning:program_new"),
        outside=(403, 404),  # who may write for no agency hears so first
    ),
    ContentRoute(
        "api:update_program",
        "program",
        lambda c, v: {"version": fresh(c.obj).version, "title": v.text, "signer": v.text},
    ),
    ContentRoute(
        "planning:program_edit",
        "program",
        lambda c, v: {**program_fields(c, v), "version": fresh(c.obj).version},
    ),
    ContentRoute(
        "api:issue_program",
        "program",
        lambda c, v: {
            "number": "15-CTr/TU",
            "issued_on": "2026-03-01",
            "signer": v.text,
            "override_reason": v.text,
        },
    ),
    ContentRoute(
        "planning:program_issue",
        "program",
        lambda c, v: {
            "number": "15-CTr/TU",
            "issued_on": "01/03/2026",
            "signer": v.text,
            "override_reason": v.text,
            "version": fresh(c.obj).version,
        },
    ),
    ContentRoute(
        "api:open_program_amendment",
        "program",
        lambda c, v: {"number": "20-CTr/TU", "decided_on": "2026-03-10", "reason": v.text},
        prepare=issued,
    ),
    ContentRoute(
        "planning:amendment_new",
        "program",
        lambda c, v: {"number": "20-CTr/TU", "decided_on": "10/03/2026", "reason": v.text},
        prepare=issued,
    ),
    ContentRoute("planning:clause_list", "resolution", resolution_text),
    ContentRoute(
        "planning:clause_edit",
        "resolution",
        lambda c, v: {"label": "1", "text": v.text},
        url=_url("planning:clause_edit", pk=lambda r: r.clauses.first().pk),
        prepare=with_clauses,
    ),
    ContentRoute(
        "api:import_program_xlsx",
        "program",
        programme_file,
        users=IMPORT_USERS,
    ),
    ContentRoute("planning:program_import_xlsx", "program", programme_file, users=IMPORT_USERS),
    # --- catalogue: indicators and the period calendar (system administrators)
    ContentRoute(
        "api:create_indicator",
        "indicator",
        lambda c, v: {**indicator_fields(c, v), "code": "MT-09"},
        url=lambda indicator: reverse("api:create_indicator"),
    ),
    ContentRoute(
        "catalogue:indicator_create",
        "indicator",
        lambda c, v: {**indicator_fields(c, v), "code": "MT-09", "decimal_places": "2"},
        url=lambda indicator: reverse("catalogue:indicator_create"),
    ),
    ContentRoute(
        "api:revise_indicator",
        "indicator",
        lambda c, v: {"change_note": v.text, "name": v.text, "definition": v.text},
    ),
    ContentRoute(
        "catalogue:indicator_revise",
        "indicator",
        lambda c, v: {
            **indicator_fields(c, v),
            "change_note": v.text,
            "decimal_places": "2",
            "expected_version": fresh(c.obj).current.version,
        },
    ),
    ContentRoute(
        "catalogue:indicator_set_active", "indicator", lambda c, v: {"active": "0", "reason": v.text}
    ),
    ContentRoute("api:close_period", "period", lambda c, v: {"reason": v.text}),
    ContentRoute("catalogue:period_close", "period", lambda c, v: {"reason": v.text}),
    ContentRoute("api:reopen_period", "period", lambda c, v: {"reason": v.text}, prepare=closed_period),
    ContentRoute("catalogue:period_reopen", "period", lambda c, v: {"reason": v.text}, prepare=closed_period),
    # --- accounts (administrators): a new account's name, an edit, a deactivation, the import
    ContentRoute(
        "api:create_user",
        "agency",
        lambda c, v: {**account_fields(c, v), "username": "nguoi.moi"},
        url=lambda agency: reverse("api:create_user"),
        outside=(400, 403),  # the body names the agency: a field error for administrators, else 403
    ),
    ContentRoute(
        "accounts:user_create",
        "agency",
        lambda c, v: {**account_fields(c, v), "username": "nguoi.moi"},
        url=lambda agency: reverse("accounts:user_create"),
        outside=(200, 404),  # the form says the agency is outside the subtree; not administrators: 404
    ),
    ContentRoute("api:deactivate_user", "user", lambda c, v: {"reason": v.text}),
    ContentRoute("accounts:user_detail", "user", account_edit, label="update"),
    ContentRoute(
        "accounts:user_detail",
        "user",
        lambda c, v: {"action": "deactivate", "reason": v.text, "confirm": "on"},
        label="deactivate",
    ),
    ContentRoute(
        "accounts:user_import",
        "agency",
        accounts_file,
        url=lambda agency: reverse("accounts:user_import"),
        users=ACCOUNT_IMPORT_USERS,
        only=lambda agency: agency.code == "HNI",
    ),
    # --- directives, reminders, evaluations: the rest of their texts
    ContentRoute("directives:new", "task", directive_page, url=lambda task: reverse("directives:new")),
    ContentRoute("api:withdraw_directive", "directive", version_and("reason")),
    ContentRoute("directives:detail", "directive", directive_step("withdraw", "reason"), label="withdraw"),
    ContentRoute("directives:detail", "directive", directive_step("close", "note"), label="close"),
    ContentRoute(
        "api:send_reminder",
        "task",
        lambda c, v: {"task": c.obj.pk, "message": v.text},
        url=lambda task: reverse("api:send_reminder"),
    ),
    ContentRoute(
        "directives:reminder_new",
        "task",
        lambda c, v: {"task": c.obj.pk, "message": v.text},
        url=lambda task: reverse("directives:reminder_new"),
    ),
    ContentRoute(
        "api:decide",
        "evaluation",
        lambda c, v: {"level": Level.DONE, "number": "125-QĐ/TU", "date": "2026-03-17", "note": v.text},
        prepare=evaluations_in(State.APPRAISED),
    ),
    ContentRoute("evaluation:detail", "evaluation", evaluation_page("self", ("comment",)), label="self"),
    ContentRoute(
        "evaluation:detail",
        "evaluation",
        evaluation_page("appraise", ("comment", "proposal")),
        prepare=self_assessed,
        label="appraise",
    ),
    ContentRoute(
        "evaluation:detail",
        "evaluation",
        evaluation_page("decide", ("note",), decision_number="125-QĐ/TU", decision_date="17/03/2026"),
        prepare=evaluations_in(State.APPRAISED),
        label="decide",
    ),
]

# What must not change when a write is refused: every row of these, the audit log, the files.
WATCHED = [
    Evidence,
    Proposal,
    PeriodReport,
    ReportLine,
    ExplanationRequest,
    Directive,
    DirectiveRecipient,
    Alert,
    Task,
    TaskCoordination,
    Milestone,
    Clause,
    Evaluation,
    Notification,
    Observation,
    DeadlineExtension,
    TaskDependency,
    TaskIndicator,
    TargetPoint,
    ActionProgram,
    ProgramAmendment,
    Indicator,
    IndicatorVersion,
    ReportingPeriod,
    Reminder,
    User,
]


def stored() -> tuple[Any, ...]:
    """The audit log's length and every watched row."""
    rows = tuple(tuple(model.objects.order_by("pk").values_list()) for model in WATCHED)
    return AuditEntry.objects.count(), rows


def files(media) -> set[str]:
    return {str(p) for p in media.rglob("*") if p.is_file()}


# --- sending and reading the answers ----------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: int
    refusal: tuple[Any, ...]  # what the user is told: problem code, detail and errors; page messages
    marked: bool  # the answer is the classification refusal


def send(client: Client, route: ContentRoute, url: str, body: dict[str, Any]):
    client.cookies.pop("messages", None)  # a page's message belongs to its own answer only
    if route.api and not any(isinstance(v, SimpleUploadedFile) for v in body.values()):
        return client.generic(route.method, url, json.dumps(body), content_type="application/json")
    return client.post(url, data=body)


def page_texts(response) -> tuple[list[str], list[str]]:
    """(the messages queued, the errors shown: forms' errors and the error lists of the context)."""
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    errors: list[str] = []
    seen: set[int] = set()
    for context in response.context or []:
        for scope in context.dicts if hasattr(context, "dicts") else [context]:
            for key, value in scope.items():
                if isinstance(value, BaseForm) and id(value) not in seen and value.is_bound:
                    seen.add(id(value))
                    errors += [f"{name}: {e}" for name, errs in value.errors.items() for e in errs]
                elif key == "errors" and isinstance(value, list) and id(value) not in seen:
                    seen.add(id(value))
                    errors += [str(e) for e in value]
    return messages, sorted(set(errors))


def outcome(response) -> Outcome:
    status = response.status_code
    if response["Content-Type"].startswith(("application/problem+json", "application/json")):
        body = response.json() if status >= 400 else {}
        refusal = (body.get("code"), body.get("detail"), json.dumps(body.get("errors"), sort_keys=True))
        return Outcome(status, refusal, body.get("code") == classified.CODE)
    messages, errors = page_texts(response)
    shown = " ".join(messages + errors)
    marked = any(str(m) in shown or str(m) in html.unescape(response.content.decode()) for m in MESSAGES)
    return Outcome(status, (response.get("Location", ""), tuple(messages), tuple(errors)), marked)


@contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@dataclass
class Tally:
    requests: int = 0
    allowed: int = 0
    refused: int = 0
    failures: list[str] = field(default_factory=list)


def try_one(route: ContentRoute, ctx: Ctx, client: Client, baseline: Any, media: Any, tally: Tally) -> None:
    """The control, then the classified variants, for one user and one object; ``baseline`` is
    ``stored()`` before any of them."""
    where = f"{ctx.user.username} {route.method} {ctx.url}"
    fail = tally.failures.append
    with rolled_back():
        control = outcome(send(client, route, ctx.url, route.body(ctx, CONTROL)))
        audited = AuditEntry.objects.count() > baseline[0]
    tally.requests += 1
    allowed = control.status < 400 and audited  # a page refuses with its form or a message
    if control.marked:
        fail(f"{where} [thuong]: plain content refused as classified")
    if route.api and control.status < 400 and not audited:
        fail(f"{where} [thuong]: {control.status} without an audit row")
    if not ctx.visible and control.status not in route.outside:
        fail(f"{where} [thuong]: {control.status} outside the scope, expected {route.outside}")
    tally.allowed += allowed
    tally.refused += not allowed

    with rolled_back():  # the variants in one transaction: what they leave must be nothing
        for variant in route.variants:
            before = (AuditEntry.objects.count(), files(media))
            got = outcome(send(client, route, ctx.url, route.body(ctx, variant)))
            tally.requests += 1
            label = f"{where} [{variant.label}]"
            if (AuditEntry.objects.count(), files(media)) != before:
                fail(f"{label}: {got.status}, with an audit row or a file stored")
            if allowed and route.api and not (got.status == 400 and got.marked):
                fail(f"{label}: {got.status} {got.refusal[:2]}, expected 400 “classified”")
            elif allowed and not route.api and not got.marked:
                fail(f"{label}: {got.status}, the page does not show the refusal")
            elif not allowed and got != control:
                fail(
                    f"{label}: {got.status} {got.refusal}, plain content: {control.status} {control.refusal}"
                )
        if stored() != baseline:
            fail(f"{where}: a row was added or changed by the classified variants")


def url_of(route: ContentRoute, obj: Any) -> str:
    if route.url:
        return route.url(obj)
    return matrix.url_for(route.name, route.route, matrix.all_patterns()[route.name], obj)


@pytest.fixture
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


def test_every_content_route_is_a_route():
    assert not [r.name for r in CONTENT_ROUTES if r.name not in ROUTES]


def test_every_content_route_is_named_once():
    ids = [r.id for r in CONTENT_ROUTES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


@pytest.mark.parametrize("route", CONTENT_ROUTES, ids=lambda r: r.id)
def test_classified_content_by_role_and_scope(_today, route, matrix_world, settings):
    w = matrix_world
    objects = [o for o in matrix.objects_of(w, route.kind) if route.only is None or route.only(o)]
    if route.prepare:
        route.prepare(w, objects)
        objects = [fresh(o) for o in objects]
    urls = [url_of(route, o) for o in objects]
    signed_in = matrix.clients(w)
    baseline = stored()
    tally = Tally()
    for username, client in signed_in.items():
        if route.users and username not in route.users:
            continue
        user = w.users[username]
        visible = matrix.visible_ids(user, route.kind)
        for obj, url in zip(objects, urls, strict=True):
            ctx = Ctx(w, user, obj, url, obj.pk in visible)
            try_one(route, ctx, client, baseline, settings.MEDIA_ROOT, tally)
    print(f"{route.id}: {tally.requests} requests, {tally.allowed} allowed, {tally.refused} refused")
    assert not tally.failures, f"{len(tally.failures)} failures:\n" + "\n".join(tally.failures[:30])
    assert tally.allowed and tally.refused, f"{route.id}: {tally.allowed} allowed, {tally.refused} refused"
