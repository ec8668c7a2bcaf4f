"""/monitoring/directives/: directives (ý kiến chỉ đạo) and reminders (đôn đốc) — the boxes, issuing
from a task, an agency or a warning, answering, closing and withdrawing, reminding by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from resmon.agencies import selectors as agency_selectors
from resmon.core import clock
from resmon.core.access import visible_to
from resmon.core.errors import DomainError, NotFound
from resmon.core.views import page, parse_id
from resmon.monitoring.alerts.models import Alert
from resmon.planning import selectors as planning

from . import selectors, services
from .forms import CloseForm, IssueForm, ReminderForm, ReportBackForm, WithdrawForm
from .models import DirectiveStatus, ReminderKind

PER_PAGE = 50
DEFAULT_DUE_DAYS = 14

BOXES = (
    ("received", gettext_lazy("Received")),
    ("issued", gettext_lazy("Issued")),
    ("all", gettext_lazy("All")),
)
REMINDER_BOXES = (
    ("received", gettext_lazy("Received")),
    ("sent", gettext_lazy("Sent by us")),
    ("all", gettext_lazy("All")),
)


def _paginate(request: Any, rows: Any) -> Page:
    return Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))


def _choice(value: str, choices: Any, default: str = "") -> str:
    return value if value in dict(choices) else default


def put_errors(form: Any, exc: DomainError) -> None:
    """Every field error a service collected next to its field (the rest at the top of the form)."""
    errors = exc.errors or {exc.field or "": [str(exc.message)]}
    for key, msgs in errors.items():
        target = key if key in form.fields else None
        for message in msgs:
            form.add_error(target, str(message))


# --- the lists -----------------------------------------------------------------------------------


@page
def directive_list(request):
    params = request.GET
    box = _choice(params.get("box", ""), BOXES, "received")
    status = _choice(params.get("status", ""), DirectiveStatus.choices)
    q = params.get("q", "").strip()[:200]
    rows = _paginate(request, selectors.directives_for(request.user, box=box, status=status or None, q=q))
    return render(
        request,
        "directives/directive_list.html",
        {
            "boxes": BOXES,
            "box": box,
            "statuses": DirectiveStatus.choices,
            "status": status,
            "q": q,
            "rows": rows,
            "today": clock.today(),
            "may_issue": services.may_issue(request.user),
            "counts": selectors.open_directive_counts(request.user),
        },
    )


@page
def reminder_list(request):
    params = request.GET
    box = _choice(params.get("box", ""), REMINDER_BOXES, "received")
    kind = _choice(params.get("kind", ""), ReminderKind.choices)
    q = params.get("q", "").strip()[:200]
    rows = _paginate(request, selectors.reminders_for(request.user, box=box, kind=kind or None, q=q))
    return render(
        request,
        "directives/reminder_list.html",
        {
            "boxes": REMINDER_BOXES,
            "box": box,
            "kinds": ReminderKind.choices,
            "kind": kind,
            "q": q,
            "rows": rows,
        },
    )


# --- issuing -------------------------------------------------------------------------------------


def _issue_subject(user: Any, params: Any) -> dict[str, Any]:
    """What the form is about, from ?task= / ?agency= / ?alert= (a 404 outside the scope): the
    task or agency, the warning answered, the allowed recipients and those ticked at first."""
    alert = task = agency = None
    preselect: list[int] = []
    if params.get("alert"):
        alert_id = parse_id(params.get("alert"))
        try:
            alert = visible_to(user, Alert.objects.select_related("task", "agency")).get(pk=alert_id)
        except (Alert.DoesNotExist, ValueError, TypeError):
            raise NotFound(_("Not found, or you do not have access to it.")) from None
        if alert.task_id is not None:
            task = planning.get_task(user, alert.task_id)
        else:
            agency = agency_selectors.get_agency(user, alert.agency_id)
        preselect = [alert.agency_id]
    elif params.get("task"):
        task = planning.get_task(user, parse_id(params.get("task")))
    elif params.get("agency"):
        agency = agency_selectors.get_agency(user, parse_id(params.get("agency")))
    elif user.agency_id is not None:
        agency = user.agency
    allowed = services.allowed_recipients(user, task=task, agency=agency)
    if task is not None and not preselect:
        preselect = [task.lead_agency_id]
    return {"alert": alert, "task": task, "agency": agency, "allowed": allowed, "preselect": preselect}


@page
def directive_new(request):
    """Issue a directive (?task=<id>, ?agency=<id> or ?alert=<id>; without any: about one's agency)."""
    user = request.user
    params = request.POST if request.method == "POST" else request.GET
    ctx = _issue_subject(user, params)
    chosen = [str(x) for x in request.POST.getlist("recipients")] if request.method == "POST" else []
    if request.method != "POST":
        chosen = [str(pk) for pk in ctx["preselect"]]
    initial_due = clock.today() + dt.timedelta(days=DEFAULT_DUE_DAYS)
    form = IssueForm(request.POST or None, initial={"due_date": initial_due.strftime("%d/%m/%Y")})
    recipient_errors: list[str] = []
    may_issue = services.may_issue(user)
    if request.method == "POST" and may_issue and form.is_valid():
        try:
            directive = services.issue_directive(
                user,
                task=ctx["task"],
                agency=None if ctx["task"] is not None else ctx["agency"],
                recipients=request.POST.getlist("recipients"),
                text=form.cleaned_data["text"],
                due_date=form.cleaned_data["due_date"],
                alert=ctx["alert"],
            )
        except DomainError as exc:
            recipient_errors = _issue_errors(form, exc)
        else:
            messages.success(request, _("The directive has been issued and its recipients notified."))
            return redirect("directives:detail", pk=directive.pk)
    return render(
        request,
        "directives/directive_new.html",
        {
            **ctx,
            "form": form,
            "may_issue": may_issue,
            "chosen": chosen,
            "recipient_errors": recipient_errors,
        },
    )


def _issue_errors(form: Any, exc: DomainError) -> list[str]:
    """The service's messages next to the text and date fields; those about the recipients are
    returned (the checkboxes are not a form field)."""
    errors = exc.errors or {exc.field or "": [str(exc.message)]}
    recipients: list[str] = []
    for key, msgs in errors.items():
        if key == "recipients":
            recipients.extend(str(m) for m in msgs)
            continue
        for message in msgs:
            form.add_error(key if key in form.fields else None, str(message))
    return recipients


# --- one directive -------------------------------------------------------------------------------


@page
def directive_detail(request, pk):
    user = request.user
    directive = selectors.get_directive(user, pk)
    recipients = list(selectors.recipients_of(user, directive))
    mine = next((r for r in recipients if r.agency_id == user.agency_id), None)
    report_form = ReportBackForm(prefix="report")
    close_form = CloseForm(prefix="close", initial={"version": directive.version})
    withdraw_form = WithdrawForm(prefix="withdraw", initial={"version": directive.version})
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "acknowledge" and mine is not None:
                services.acknowledge(user, mine.pk)
                messages.success(request, _("You acknowledged the directive; the issuer has been told."))
                return redirect("directives:detail", pk=directive.pk)
            if action == "report" and mine is not None:
                report_form = ReportBackForm(request.POST, prefix="report")
                if report_form.is_valid():
                    services.report_back(user, mine.pk, report_form.cleaned_data["report"])
                    messages.success(request, _("Your report has been sent to the issuer."))
                    return redirect("directives:detail", pk=directive.pk)
            elif action == "close":
                close_form = CloseForm(request.POST, prefix="close")
                if close_form.is_valid():
                    services.close(
                        user,
                        directive,
                        close_form.cleaned_data["note"],
                        version=close_form.cleaned_data["version"],
                    )
                    messages.success(request, _("The directive has been closed."))
                    return redirect("directives:detail", pk=directive.pk)
            elif action == "withdraw":
                withdraw_form = WithdrawForm(request.POST, prefix="withdraw")
                if withdraw_form.is_valid():
                    services.withdraw(
                        user,
                        directive,
                        withdraw_form.cleaned_data["reason"],
                        version=withdraw_form.cleaned_data["version"],
                    )
                    messages.success(request, _("The directive has been withdrawn."))
                    return redirect("directives:detail", pk=directive.pk)
            else:
                messages.error(request, _("Unknown action; nothing was changed."))
        except DomainError as exc:
            target = {"report": report_form, "close": close_form, "withdraw": withdraw_form}.get(action or "")
            if target is None:
                messages.error(request, str(exc))
            else:
                put_errors(target, exc)
    subject = (
        services.subject_of(user, directive=directive) if directive.status == DirectiveStatus.OPEN else None
    )
    return render(
        request,
        "directives/directive_detail.html",
        {
            "directive": directive,
            "recipients": recipients,
            "mine": mine,
            "may_respond": mine is not None and services.may_respond(user, mine),
            "may_manage": services.may_manage(user, directive),
            "may_remind": subject is not None
            and bool(subject.reminded)
            and services.may_remind(user, subject),
            "report_form": report_form,
            "close_form": close_form,
            "withdraw_form": withdraw_form,
            "reminders": selectors.directive_reminders(user, directive)[:50],
            "task_visible": directive.task_id
            and planning.tasks_visible(user).filter(pk=directive.task_id).exists(),
            "today": clock.today(),
        },
    )


# --- a reminder by hand --------------------------------------------------------------------------


@page
def reminder_new(request):
    """Remind the agencies responsible for a task, a directive or a report (?task=, ?directive=,
    ?report=)."""
    user = request.user
    params = request.POST if request.method == "POST" else request.GET
    keys = {name: parse_id(params.get(name)) for name in ("task", "directive", "report") if params.get(name)}
    if len(keys) != 1 or None in keys.values():
        messages.info(
            request, _("Open the task, directive or report you want to remind about and remind from there.")
        )
        return redirect("directives:reminder_list")
    subject = services.subject_of(user, **keys)
    allowed = services.may_remind(user, subject)
    form = ReminderForm(request.POST or None)
    if request.method == "POST" and allowed and form.is_valid():
        try:
            sent = services.send_reminder(user, **keys, message=form.cleaned_data["message"])
        except DomainError as exc:
            put_errors(form, exc)
        else:
            names = ", ".join(r.agency.name for r in sent)
            messages.success(request, _("Reminder sent to %(agencies)s.") % {"agencies": names})
            return redirect(subject.url)
    return render(
        request,
        "directives/reminder_new.html",
        {"subject": subject, "form": form, "allowed": allowed, "keys": keys},
    )
