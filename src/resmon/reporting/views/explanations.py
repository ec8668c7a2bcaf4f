"""/reports/explanations/: requests for an explanation (yêu cầu giải trình) — the boxes, asking
about a task or a report, answering and closing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from resmon.core import clock
from resmon.core.errors import DomainError
from resmon.core.views import page
from resmon.planning import selectors as planning

from .. import selectors, selectors_explanations
from ..forms import AnswerForm, ExplanationForm, NoteForm
from ..models import ExplanationRequest
from ..services import explanations as explanation_services
from .common import box_filter, paginate, parse_id, put_errors

BOXES = (
    ("received", gettext_lazy("Asked of us")),
    ("sent", gettext_lazy("Asked by us")),
    ("all", gettext_lazy("All")),
)


@page
def explanation_list(request):
    f = box_filter(request.GET, BOXES, ExplanationRequest.Status.choices)
    rows = paginate(
        request,
        selectors_explanations.explanations_for(
            request.user, box=f["box"], status=f["status"] or None, q=f["q"]
        ),
    )
    return render(request, "reporting/explanation_list.html", {**f, "rows": rows, "today": clock.today()})


def _subject(user: Any, params: Any) -> tuple[Any, Any, list[Any]]:
    """The task or report asked about (404 outside the scope) and the agencies one may ask."""
    task = report = None
    if params.get("task"):
        task = planning.get_task(user, parse_id(params.get("task")))
        candidates = [task.lead_agency, task.assigned_by] + [c.agency for c in planning.coordinations(task)]
    elif params.get("report"):
        report = selectors.get_report(user, parse_id(params.get("report")))
        candidates = [report.agency, report.accepting_agency]
    else:
        candidates = []
    seen: set[int] = set()
    agencies = []
    for a in candidates:
        if a is not None and a.pk not in seen and a.pk != user.agency_id:
            seen.add(a.pk)
            agencies.append(a)
    return task, report, agencies


@page
def explanation_new(request):
    """Ask an agency to explain a task or a report (?task=<id> or ?report=<id>)."""
    user = request.user
    params = request.POST if request.method == "POST" else request.GET
    task, report, agencies = _subject(user, params)
    if task is None and report is None:
        messages.info(request, _("Open the task or the report you want explained and ask from there."))
        return redirect("reporting:explanation_list")
    form = ExplanationForm(request.POST or None)
    form.fields["agency"] = forms.TypedChoiceField(
        label=gettext_lazy("Agency asked to explain"),
        choices=[(a.pk, a.name) for a in agencies],
        coerce=int,
    )
    form.order_fields(["agency", "question", "due_date"])
    may_ask = explanation_services.may_ask(user)
    if request.method == "POST" and may_ask and form.is_valid():
        chosen = next(a for a in agencies if a.pk == form.cleaned_data["agency"])
        try:
            req = explanation_services.request_explanation(
                user,
                agency=chosen,
                question=form.cleaned_data["question"],
                due_date=form.cleaned_data["due_date"],
                task=task,
                report=report,
            )
        except DomainError as exc:
            put_errors(form, exc)
        else:
            messages.success(
                request, _("Your request has been sent to %(agency)s.") % {"agency": chosen.name}
            )
            return redirect("reporting:explanation_detail", pk=req.pk)
    return render(
        request,
        "reporting/explanation_new.html",
        {"form": form, "task": task, "report": report, "may_ask": may_ask},
    )


@page
def explanation_detail(request, pk):
    user = request.user
    req = selectors_explanations.get_explanation(user, pk)
    may_answer = explanation_services.may_answer(user, req)
    may_close = explanation_services.may_close(user, req)
    answer_form = AnswerForm(prefix="answer")
    close_form = NoteForm(prefix="close")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "answer":
                answer_form = AnswerForm(request.POST, prefix="answer")
                if answer_form.is_valid():
                    explanation_services.answer_explanation(
                        user, req, answer=answer_form.cleaned_data["answer"]
                    )
                    messages.success(request, _("Your explanation has been sent."))
                    return redirect("reporting:explanation_detail", pk=req.pk)
            elif action == "close":
                close_form = NoteForm(request.POST, prefix="close")
                if close_form.is_valid():
                    explanation_services.close_explanation(user, req, note=close_form.cleaned_data["note"])
                    messages.success(request, _("The request has been closed."))
                    return redirect("reporting:explanation_detail", pk=req.pk)
            else:
                messages.error(request, _("Unknown action; nothing was changed."))
        except DomainError as exc:
            put_errors(answer_form if action == "answer" else close_form, exc)
    return render(
        request,
        "reporting/explanation_detail.html",
        {
            "req": req,
            "may_answer": may_answer,
            "may_close": may_close,
            "answer_form": answer_form,
            "close_form": close_form,
            "task_visible": req.task_id and planning.tasks_visible(user).filter(pk=req.task_id).exists(),
            "report_visible": req.report_id and selectors.reports_for(user).filter(pk=req.report_id).exists(),
        },
    )
