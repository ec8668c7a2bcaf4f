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
"""

from __future__ import annotations

import html
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

from resmon.audit.models import AuditEntry
from resmon.core import classified
from resmon.monitoring.alerts.models import Alert
from resmon.monitoring.directives.models import Directive, DirectiveRecipient
from resmon.monitoring.directives.services import allowed_recipients
from resmon.monitoring.evaluation.models import Evaluation, Level, State
from resmon.notifications.models import Notification
from resmon.planning.models import Clause, Milestone, Task, TaskCoordination
from resmon.reporting.forms import plain_number
from resmon.reporting.models import (
    Evidence,
    ExplanationRequest,
    PeriodReport,
    Proposal,
    ReportLine,
    ReportState,
)
from tests import test_permission_matrix as matrix
from tests.permission_routes import API, ROUTES
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


def reopened(world, reports: list[PeriodReport]) -> None:
    """The matrix's sent reports, returned to their agencies: editable again."""
    PeriodReport.objects.filter(pk__in=[r.pk for r in reports]).update(state=ReportState.RETURNED)


def unanswered(world, directives: list[Directive]) -> None:
    """The matrix's directives, their recipients not yet reported."""
    DirectiveRecipient.objects.filter(directive__in=directives).update(
        report="", reported_at=None, reported_by=None
    )


def self_assessed(world, evaluations: list[Evaluation]) -> None:
    Evaluation.objects.filter(pk__in=[e.pk for e in evaluations]).update(state=State.SELF_ASSESSED)


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


@pytest.mark.parametrize("route", CONTENT_ROUTES, ids=lambda r: r.name)
def test_classified_content_by_role_and_scope(_today, route, matrix_world, settings):
    w = matrix_world
    objects = matrix.objects_of(w, route.kind)
    if route.prepare:
        route.prepare(w, objects)
        objects = [fresh(o) for o in objects]
    urls = [url_of(route, o) for o in objects]
    signed_in = matrix.clients(w)
    baseline = stored()
    tally = Tally()
    for username, client in signed_in.items():
        user = w.users[username]
        visible = matrix.visible_ids(user, route.kind)
        for obj, url in zip(objects, urls, strict=True):
            ctx = Ctx(w, user, obj, url, obj.pk in visible)
            try_one(route, ctx, client, baseline, settings.MEDIA_ROOT, tally)
    print(f"{route.name}: {tally.requests} requests, {tally.allowed} allowed, {tally.refused} refused")
    assert not tally.failures, f"{len(tally.failures)} failures:\n" + "\n".join(tally.failures[:30])
    assert tally.allowed and tally.refused, f"{route.name}: {tally.allowed} allowed, {tally.refused} refused"
