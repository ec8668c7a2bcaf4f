"""/reports/<id>/: one period report — the form while it is editable (saved by hand or by the
autosave), the workflow buttons the user may press, and everything around it (evidence, KPI
values, proposals, explanation requests, history). Every write goes through the services; a
refused write shows its message next to the field and keeps what the user typed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from resmon.accounts.reauth import reauth_required
from resmon.agencies import selectors as agencies
from resmon.audit import selectors as audit
from resmon.core import clock
from resmon.core.errors import Conflict, DomainError
from resmon.core.views import page
from resmon.planning import selectors as planning

from .. import selectors, selectors_explanations, selectors_kpis, selectors_proposals
from ..forms import TRANSITIONS, EvidenceForm, ProposalForm, ReportForm, TransitionForm, new_key
from ..models import Evidence, Observation, PeriodReport, Proposal, ReportLine
from ..services import consolidation
from ..services import explanations as explanation_services
from ..services import observations as observation_services
from ..services import proposals as proposal_services
from ..services import reports as report_services

AUDIT_ROWS = 50
ACTION_LABELS = {
    "reporting.report_created": gettext_lazy("Report created"),
    "reporting.report_saved": gettext_lazy("Saved"),
    "reporting.report_submitted_to_head": gettext_lazy("Sent to the head for approval"),
    "reporting.report_sent_back": gettext_lazy("Sent back to the officer"),
    "reporting.report_sent": gettext_lazy("Approved and sent"),
    "reporting.report_accepted": gettext_lazy("Accepted"),
    "reporting.report_returned": gettext_lazy("Returned"),
    "reporting.report_reopened": gettext_lazy("Reopened"),
    "reporting.evidence_added": gettext_lazy("Evidence added"),
    "reporting.evidence_removed": gettext_lazy("Evidence removed"),
    "reporting.observation_saved": gettext_lazy("KPI value saved"),
    "reporting.observation_removed": gettext_lazy("KPI value removed"),
    "reporting.proposal_raised": gettext_lazy("Proposal raised"),
    "reporting.proposal_withdrawn": gettext_lazy("Proposal withdrawn"),
    "reporting.proposal_answered": gettext_lazy("Proposal answered"),
    "reporting.proposal_forwarded": gettext_lazy("Proposal passed on"),
    "reporting.proposal_closed": gettext_lazy("Proposal closed"),
}
HIDDEN_FIELDS = {"version", "updated_at", "created_at", "updated_by_name"}

# workflow step -> (button text, button style, confirmation, success message)
STEPS: dict[str, tuple[Any, str, Any, Any]] = {
    "submit": (
        gettext_lazy("Send to the head for approval"),
        "btn-primary",
        gettext_lazy("Send this report to the head of your agency for approval?"),
        gettext_lazy("The report has been sent to the head of your agency for approval."),
    ),
    "approve": (
        gettext_lazy("Approve and send"),
        "btn-primary",
        gettext_lazy("Approve this report and send it to the accepting level?"),
        gettext_lazy("The report has been approved and sent to the accepting level."),
    ),
    "send_back": (
        gettext_lazy("Send back to the officer"),
        "btn-outline-secondary",
        gettext_lazy("Send this report back to the officer for changes?"),
        gettext_lazy("The report has been sent back to the officer."),
    ),
    "accept": (
        gettext_lazy("Accept"),
        "btn-success",
        gettext_lazy("Accept this report? Its progress will be recorded on the tasks and the report locked."),
        gettext_lazy("The report has been accepted; its progress is recorded on the tasks."),
    ),
    "return": (
        gettext_lazy("Return with a reason"),
        "btn-outline-danger",
        gettext_lazy("Return this report to the reporting agency?"),
        gettext_lazy("The report has been returned to the reporting agency with your reason."),
    ),
    "reopen": (
        gettext_lazy("Reopen"),
        "btn-outline-danger",
        gettext_lazy("Reopen this accepted report? It goes back to the reporting agency for changes."),
        gettext_lazy("The report has been reopened and returned to the reporting agency."),
    ),
}


# --- reading the report ---------------------------------------------------------------------


@dataclass
class ReportView:
    report: PeriodReport
    lines: list[Any]
    leaf_ids: set[int]
    kpis: list[Any]
    may: dict[str, bool] = field(default_factory=dict)

    @property
    def editable(self) -> bool:
        return self.may.get("edit", False)

    def report_form(self, data: Any = None) -> ReportForm:
        return ReportForm(
            data,
            report=self.report,
            lines=self.lines,
            leaf_ids=self.leaf_ids,
            kpis=[row for row in self.kpis if not row.reported_elsewhere],
        )


def load(user: Any, report: PeriodReport) -> ReportView:
    lines = selectors.report_lines(report)
    return ReportView(
        report=report,
        lines=lines,
        leaf_ids=selectors.leaf_task_ids(line.task_id for line in lines),
        kpis=selectors_kpis.report_kpis(report),
        may={action: report_services.may(user, action, report) for action in report_services.ACTIONS},
    )


MODELS = {m._meta.label_lower: m for m in (PeriodReport, ReportLine, Evidence, Observation, Proposal)}


def _field_label(model: Any, attname: str, tasks: dict[str, str]) -> str:
    """A changed field's name: "1.2 – Percent done" for a line's field ("lines.<task>.<field>")."""
    if attname.startswith("lines."):
        _lines, task_id, name = (attname.split(".") + ["", ""])[:3]
        return f"{tasks.get(task_id, task_id)} – {_field_label(ReportLine, name, tasks)}"
    try:
        return str(model._meta.get_field(attname.removesuffix("_id")).verbose_name)
    except FieldDoesNotExist:
        return attname


def history(user: Any, view: ReportView) -> list[Any]:
    """The audit rows of the report and of what it carries, newest first."""
    report = view.report
    objects = {
        PeriodReport._meta.label_lower: [report.pk],
        Evidence._meta.label_lower: [e.pk for line in view.lines for e in line.evidence.all()],
        Observation._meta.label_lower: list(report.observations.values_list("pk", flat=True)),
        Proposal._meta.label_lower: list(report.proposals.values_list("pk", flat=True)),
    }
    tasks = {str(line.task_id): line.task.code or str(line.task_id) for line in view.lines}
    rows = list(audit.entries_for_objects(user, objects)[:AUDIT_ROWS])
    for e in rows:
        e.action_label = ACTION_LABELS.get(e.action, e.action)
        model = MODELS.get(e.object_type, PeriodReport)
        before = e.before if isinstance(e.before, dict) else {}
        after = e.after if isinstance(e.after, dict) else {}
        changed = [k for k in after if k not in HIDDEN_FIELDS and before.get(k) != after[k]] if before else []
        e.changed_fields = [_field_label(model, k, tasks) for k in changed]
    return rows


def render_report(
    request: Any,
    report: PeriodReport,
    *,
    view: ReportView | None = None,
    form: ReportForm | None = None,
    step_forms: dict[str, TransitionForm] | None = None,
    evidence_form: EvidenceForm | None = None,
    proposal_form: ProposalForm | None = None,
    typed: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The report page; bound forms passed in (after a refused write) keep what the user typed."""
    user = request.user
    view = view or load(user, report)
    if view.editable and form is None:
        form = view.report_form()
    progress = planning.task_progress([line.task for line in view.lines])
    for line in view.lines:
        line.is_leaf = line.task_id in view.leaf_ids
        line.rolled_up = progress.get(line.task_id)
        line.fields = {}
        if form is not None:
            for name in ("results", "obstacles", "percent_done", "completed_on", "milestones"):
                key = f"line-{line.task_id}-{name}"
                if key in form.fields:
                    line.fields[name] = form[key]
        line.evidence_list = list(line.evidence.all())
        if view.may.get("add_evidence"):
            if evidence_form is not None and evidence_form.line.pk == line.pk:
                line.ev_form = evidence_form
            else:
                line.ev_form = EvidenceForm(
                    line=line, initial={"idempotency_key": new_key(), "version": report.version}
                )
    for row in view.kpis:
        row.value_field = row.explanation_field = None
        if form is not None and f"kpi-{row.indicator.pk}-value" in form.fields:
            row.value_field = form[f"kpi-{row.indicator.pk}-value"]
            row.explanation_field = form[f"kpi-{row.indicator.pk}-explanation"]
    steps = []
    for action in TRANSITIONS:
        if not view.may.get(action):
            continue
        in_form = action in ("submit", "approve") and view.editable
        step_form = (step_forms or {}).get(action) or TransitionForm(
            action=action, initial={"version": report.version}
        )
        label, style, confirm, _done = STEPS[action]
        steps.append(
            {
                "action": action,
                "label": label,
                "style": style,
                "confirm": confirm,
                "form": step_form,
                "in_form": in_form,
                "needs_reason": action in ("return", "reopen", "send_back"),
            }
        )
    proposals = list(selectors_proposals.report_proposals(user, report))
    if view.may.get("raise_proposal") and proposal_form is None:
        proposal_form = proposal_form_for(view, initial={"version": report.version})
    return render(
        request,
        "reporting/report_detail.html",
        {
            "report": report,
            "view": view,
            "lines": view.lines,
            "kpis": view.kpis,
            "may": view.may,
            "form": form,
            "form_key": new_key(),
            "steps": steps,
            "main_steps": [s for s in steps if s["in_form"]],
            "other_steps": [s for s in steps if not s["in_form"]],
            "proposals": proposals,
            "withdrawable": {p.pk for p in proposals if proposal_services.may_withdraw(user, p)},
            "proposal_form": proposal_form if view.may.get("raise_proposal") else None,
            "explanations": list(selectors_explanations.explanations_about(user, report=report)[:50]),
            "may_ask": explanation_services.may_ask(user) and user.agency_id != report.agency_id,
            "trail": history(user, view),
            "program_visible": planning.programs_visible(user).filter(pk=report.program_id).exists(),
            "period_closed": report.period.is_closed,
            "today": clock.today(),
            "typed": typed or [],
            "below": consolidation.source_reports(user, report) if view.may.get("edit") else 0,
        },
        status=status,
    )


def proposal_form_for(view: ReportView, data: Any = None, **kwargs: Any) -> ProposalForm:
    accepting = view.report.accepting_agency
    levels = list(agencies.ancestors(accepting)) + [accepting]
    levels.reverse()  # the accepting level first, then the levels above it
    return ProposalForm(data, lines=view.lines, levels=levels, **kwargs)


# --- saving ----------------------------------------------------------------------------------


@dataclass
class Saved:
    report: PeriodReport
    ok: bool = True  # everything the user changed was saved
    saved: bool = False  # something was saved (the version moved on)
    conflict: bool = False  # someone else changed the report meanwhile: nothing more was saved


def save_form(user: Any, report: PeriodReport, form: ReportForm) -> Saved:
    """Save what the user changed in ``form``: the report and its lines in one write, then each
    changed KPI value. Errors go next to their fields."""
    result = Saved(report)
    if not form.is_valid():
        result.ok = False
        return result
    changes = form.report_changes()
    expected = form.expected_version()
    if changes:
        try:
            result.report = report_services.save_report(user, report, expected_version=expected, **changes)
        except DomainError as exc:
            form.add_domain_errors(exc.errors or {exc.field or "": [str(exc.message)]})
            if exc.errors and not isinstance(exc, Conflict):
                form.add_error(None, str(exc.message))
            result.ok, result.conflict = False, isinstance(exc, Conflict)
            return result
        result.saved = True
        expected = result.report.version
    for row, value, explanation in form.kpi_changes():
        try:
            if not value:
                if row.observation is None:
                    if explanation:
                        form.add_error(
                            f"kpi-{row.indicator.pk}-value", _("Enter the value before explaining it.")
                        )
                        result.ok = False
                    continue
                observation_services.remove_observation(user, row.observation, expected_version=expected)
            else:
                unchanged = not form.value_changed(row) and row.observation is not None
                observation_services.save_observation(
                    user,
                    result.report,
                    indicator=row.indicator,
                    value=row.observation.value if unchanged else value,
                    explanation=explanation,
                    expected_version=expected,
                )
        except Conflict as exc:
            form.add_error(None, str(exc.message))
            result.ok, result.conflict = False, True
            break
        except DomainError as exc:
            form.add_domain_errors(exc.errors or {exc.field or "value": [str(exc.message)]}, kpi=row)
            result.ok = False
            continue
        result.saved = True
        result.report.refresh_from_db(fields=["version", "updated_by_name", "updated_at"])
        expected = result.report.version
    if result.saved:
        form.set_version(result.report.version)
    return result


def _fresh(user: Any, pk: int) -> PeriodReport:
    return selectors.get_report(user, pk)


@page
def detail(request, pk):
    user = request.user
    report = selectors.get_report(user, pk)
    if request.method != "POST":
        return render_report(request, report)
    view = load(user, report)
    if not view.editable:
        return keep_typed(request, report, view, typed_changes(view, request.POST))
    form = view.report_form(request.POST)
    result = save_form(user, report, form)
    if result.ok:
        messages.success(request, _("The report has been saved."))
        return redirect("reporting:detail", pk=report.pk)
    if result.conflict:
        messages.error(request, CONFLICT_HINT)
    messages.error(
        request,
        _("Some changes were saved, others were not: see the messages next to the fields.")
        if result.saved
        else _("Nothing was saved: see the messages next to the fields."),
    )
    report = _fresh(user, pk)  # what was saved shows around the form, which keeps what was typed
    return render_report(request, report, form=form)


CONFLICT_HINT = gettext_lazy(
    "Someone else changed this report while you were writing. What you typed is still in the form: "
    "copy it, reload the page, and apply it again."
)


def not_editable_message(report: PeriodReport) -> str:
    """Why the form cannot be saved any more (the report moved on meanwhile, e.g. it was sent)."""
    names = {"state": str(report.get_state_display()).lower()}
    if report.updated_by_name:
        return _(
            "This report can no longer be edited here: it is now %(state)s (last changed by %(who)s at "
            "%(when)s)."
        ) % {
            **names,
            "who": report.updated_by_name,
            "when": formats.date_format(timezone.localtime(report.updated_at), "d/m/Y H:i"),
        }
    return _("This report can no longer be edited here: it is now %(state)s.") % names


def typed_changes(view: ReportView, data: Any) -> list[tuple[str, str]]:
    """What a posted report form changed against the report as it is now (nothing: not the form)."""
    return view.report_form(data).typed() if "results" in data else []


def keep_typed(
    request: Any, report: PeriodReport, view: ReportView, typed: list[tuple[str, str]]
) -> HttpResponse:
    """A save (or a send from the form) reaching a report that moved on meanwhile: nothing is
    saved, and the page shows the report as it is now with what the user typed, to copy."""
    messages.error(request, not_editable_message(report))
    if typed:
        messages.error(
            request, _("Nothing was saved. What you typed is shown below: copy what you still need.")
        )
    return render_report(request, report, view=view, typed=typed)


@page
@require_POST
def autosave(request, pk):
    """htmx: save the draft quietly; answer the status line (and the new version, out of band)."""
    user = request.user
    report = selectors.get_report(user, pk)
    view = load(user, report)
    context: dict[str, Any] = {"report": report, "saved": False, "errors": []}
    if not view.editable:
        context.update(errors=[not_editable_message(report)], conflict=True)
    else:
        form = view.report_form(request.POST)
        result = save_form(user, report, form)
        context.update(
            report=result.report,
            saved=result.saved,
            conflict=result.conflict,
            at=formats.time_format(timezone.localtime(clock.now()), "H:i"),
        )
        if not result.ok:
            context["errors"] = [str(e) for errors in form.errors.values() for e in errors]
    return render(request, "reporting/_autosave_status.html", context)


def _accepting_or_reopening(request) -> bool:
    return request.POST.get("action") in ("accept", "reopen")


@page
@require_POST
@reauth_required(when=_accepting_or_reopening)
def act(request, pk):
    """A workflow step. "Send to the head" and "Approve and send" from the report form save what
    was typed first; a refused step keeps the typed text and the reason."""
    user = request.user
    report = selectors.get_report(user, pk)
    action = request.POST.get("action", "")
    if action not in TRANSITIONS:
        messages.error(request, _("Unknown action; nothing was changed."))
        return redirect("reporting:detail", pk=report.pk)
    step = TransitionForm(request.POST, action=action)
    view = load(user, report)
    if not step.is_valid():  # a reason too long, a version that is not a number: nothing is done
        messages.error(request, _("Nothing was done: see the message by the form."))
        return render_report(request, report, view=view, step_forms={action: step})
    form = None
    version = step.cleaned_data.get("version")
    if action in ("submit", "approve") and not view.editable and (typed := typed_changes(view, request.POST)):
        return keep_typed(request, report, view, typed)  # sending would drop what was typed: say so
    if action in ("submit", "approve") and view.editable and "results" in request.POST:
        form = view.report_form(request.POST)
        result = save_form(user, report, form)
        report = result.report
        if not result.ok:
            messages.error(request, _("The report was not sent: correct the fields marked below."))
            return render_report(request, _fresh(user, pk), form=form)
        version = report.version
    key = step.cleaned_data.get("idempotency_key", "")
    reason = step.cleaned_data.get("reason", "")
    try:
        if action == "submit":
            report_services.submit_to_head(user, report, expected_version=version, idempotency_key=key)
        elif action == "approve":
            report_services.approve_and_send(user, report, expected_version=version, idempotency_key=key)
        elif action == "send_back":
            report_services.send_back_to_officer(user, report, note=reason, expected_version=version)
        elif action == "accept":
            report_services.accept_report(user, report, expected_version=version, idempotency_key=key)
        elif action == "return":
            report_services.return_report(
                user, report, reason=reason, expected_version=version, idempotency_key=key
            )
        else:
            report_services.reopen_report(
                user, report, reason=reason, expected_version=version, idempotency_key=key
            )
    except DomainError as exc:
        report = _fresh(user, pk)
        view = load(user, report)
        if form is not None:  # its version is already the one of the save just made
            form.add_domain_errors(exc.errors)
        if "reason" in exc.errors or exc.field == "reason":
            step.add_error("reason", str(exc.message))
        else:
            messages.error(request, str(exc.message))
            if exc.errors and form is None:
                for errors in exc.errors.values():
                    for error in errors:
                        messages.error(request, str(error))
        step.data = step.data.copy()  # the page now shows the report as it is: act on that
        step.data["version"] = str(report.version)
        return render_report(request, report, view=view, form=form, step_forms={action: step})
    messages.success(request, str(STEPS[action][3]))
    return redirect("reporting:detail", pk=report.pk)
