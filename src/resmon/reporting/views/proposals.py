"""Proposals (kiến nghị): raised in a report, answered, passed up or closed by the competent level.
/reports/proposals/ lists the boxes; /reports/proposals/<id>/ answers, forwards, closes."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from resmon.agencies import selectors as agencies
from resmon.core.errors import DomainError
from resmon.core.views import page

from .. import selectors, selectors_proposals
from ..forms import AnswerForm, ForwardForm, NoteForm
from ..models import Proposal
from ..services import proposals as proposal_services
from .common import box_filter, paginate, put_errors, refuse
from .report import load, proposal_form_for, render_report

BOXES = (
    ("received", gettext_lazy("Received")),
    ("raised", gettext_lazy("Raised by us")),
    ("all", gettext_lazy("All")),
)


@page
@require_POST
def proposal_raise(request, pk):
    """From the report page: raise a proposal in the (editable) report."""
    user = request.user
    report = selectors.get_report(user, pk)
    view = load(user, report)
    form = proposal_form_for(view, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        line = next((ln for ln in view.lines if ln.pk == data["line"]), None) if data["line"] else None
        addressed_to = None
        if data["addressed_to"]:
            addressed_to = next((a for a in form.levels if a.pk == data["addressed_to"]), None)
        try:
            proposal_services.raise_proposal(
                user,
                report,
                text=data["text"],
                line=line,
                addressed_to=addressed_to,
                expected_version=data["version"],
            )
        except DomainError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("The proposal has been added to the report."))
            return redirect(reverse("reporting:detail", args=[report.pk]) + "#proposals")
    messages.error(request, _("The proposal was not added: see the message by the proposal form."))
    return render_report(request, report, view=view, proposal_form=form)


@page
@require_POST
def proposal_withdraw(request, pk):
    user = request.user
    proposal = selectors_proposals.get_proposal(user, pk)
    try:
        proposal_services.withdraw_proposal(user, proposal)
    except DomainError as exc:
        refuse(request, exc)
    else:
        messages.success(request, _("The proposal has been withdrawn."))
    return redirect(reverse("reporting:detail", args=[proposal.report_id]) + "#proposals")


@page
def proposal_list(request):
    f = box_filter(request.GET, BOXES, Proposal.Status.choices)
    rows = paginate(
        request,
        selectors_proposals.proposals_for(request.user, box=f["box"], status=f["status"] or None, q=f["q"]),
    )
    return render(request, "reporting/proposal_list.html", {**f, "rows": rows})


@page
def proposal_detail(request, pk):
    user = request.user
    proposal = selectors_proposals.get_proposal(user, pk)
    levels = list(agencies.ancestors(proposal.addressed_to))
    levels.reverse()  # the nearest level above first
    answer_form = AnswerForm(prefix="answer")
    forward_form = ForwardForm(prefix="forward", levels=levels)
    close_form = NoteForm(prefix="close")
    action = request.POST.get("action", "")
    if request.method == "POST":
        try:
            if action == "answer":
                answer_form = AnswerForm(request.POST, prefix="answer")
                if answer_form.is_valid():
                    proposal_services.answer_proposal(
                        user, proposal, answer=answer_form.cleaned_data["answer"]
                    )
                    messages.success(request, _("Your answer has been recorded."))
                    return redirect("reporting:proposal_detail", pk=proposal.pk)
            elif action == "forward":
                forward_form = ForwardForm(request.POST, prefix="forward", levels=levels)
                if forward_form.is_valid():
                    to = next(a for a in levels if a.pk == forward_form.cleaned_data["to_agency"])
                    proposal_services.forward_proposal(
                        user, proposal, to_agency=to, note=forward_form.cleaned_data["note"]
                    )
                    messages.success(
                        request, _("The proposal has been passed on to %(agency)s.") % {"agency": to.name}
                    )
                    return redirect("reporting:proposal_detail", pk=proposal.pk)
            elif action == "close":
                close_form = NoteForm(request.POST, prefix="close")
                if close_form.is_valid():
                    proposal_services.close_proposal(user, proposal, note=close_form.cleaned_data["note"])
                    messages.success(request, _("The proposal has been closed."))
                    return redirect("reporting:proposal_detail", pk=proposal.pk)
            else:
                messages.error(request, _("Unknown action; nothing was changed."))
        except DomainError as exc:
            target = {"answer": answer_form, "forward": forward_form}.get(action, close_form)
            put_errors(target, exc)
        proposal = selectors_proposals.get_proposal(user, pk)
    may = dict.fromkeys(proposal_services.allowed_actions(user, proposal), True)
    if request.method == "POST" and action in ("answer", "forward", "close"):
        may[action] = True  # the form just refused stays on the page with its message and text
    return render(
        request,
        "reporting/proposal_detail.html",
        {
            "p": proposal,
            "may": may,
            "answer_form": answer_form,
            "forward_form": forward_form if levels else None,
            "close_form": close_form,
            "report_visible": selectors.reports_for(user).filter(pk=proposal.report_id).exists(),
        },
    )
