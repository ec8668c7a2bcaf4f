"""Pages for programmes (create, edit, issue, amend) and the six-clears page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from resmon.agencies.selectors import agencies_visible
from resmon.core import clock
from resmon.core.access import Role, can
from resmon.core.dates import DateField
from resmon.core.errors import DomainError
from resmon.core.views import page, show_error

from .. import clears, selectors, selectors_clears
from ..models import ActionProgram, ProgramAmendment
from ..services import programs as program_services


def _program_url(program: ActionProgram) -> str:
    return reverse("web:program_detail", args=[program.pk])


# --- forms ---------------------------------------------------------------------------------


class ProgramForm(forms.Form):
    doc_type = forms.ChoiceField(label=gettext_lazy("Document type"), choices=ActionProgram.DocType.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=500)
    number = forms.CharField(
        label=gettext_lazy("Number"),
        max_length=60,
        required=False,
        help_text=gettext_lazy(
            "Party style 15-CTr/TU, state style 15/KH-UBND; may be left empty in a draft."
        ),
    )
    signer = forms.CharField(label=gettext_lazy("Signer"), max_length=150, required=False)


class ProgramCreateForm(ProgramForm):
    agency = forms.TypedChoiceField(label=gettext_lazy("Issuing agency"), coerce=int)

    field_order = ["agency", "doc_type", "title", "number", "signer"]


class IssueForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Number"), max_length=60)
    issued_on = DateField(label=gettext_lazy("Issued on"))
    signer = forms.CharField(label=gettext_lazy("Signer"), max_length=150)
    override_reason = forms.CharField(
        label=gettext_lazy("Reason for issuing with open flags"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Only a leader of the agency may issue a programme whose tasks are flagged."),
    )


class AmendmentForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Number of the amending document"), max_length=60, required=False
    )
    decided_on = DateField(label=gettext_lazy("Date"))
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


# --- programme pages -----------------------------------------------------------------------


def _agency_choices(user, resolution) -> list[tuple[int, str]]:
    """Agencies the user may write for that have no programme for the resolution yet."""
    if user.scope.role not in {Role.SYSTEM_ADMIN, Role.FOCAL_OFFICER, Role.LEADER}:
        return []
    taken = ActionProgram.objects.filter(resolution=resolution).values("agency_id")
    qs = agencies_visible(user).exclude(pk__in=taken).order_by("path")
    if user.scope.role != Role.SYSTEM_ADMIN:
        if user.agency is None:
            return []
        # the user's own agency and the agencies directly under it (e.g. a People's Committee's plan)
        qs = qs.filter(path__startswith=user.agency.path, depth__lte=user.agency.depth + 1)
    return [(a.pk, a.name) for a in qs[:500]]


@page
def program_new(request):
    user = request.user
    resolution = selectors.get_resolution(
        user, request.GET.get("resolution") or request.POST.get("resolution")
    )
    choices = _agency_choices(user, resolution)
    if not choices:
        raise PermissionDenied
    form = ProgramCreateForm(request.POST or None, initial={"agency": user.agency_id})
    form.fields["agency"].choices = choices
    if request.method == "POST" and form.is_valid():
        agency = agencies_visible(user).get(pk=form.cleaned_data["agency"])
        try:
            program = program_services.create_program(
                user,
                resolution=resolution,
                agency=agency,
                doc_type=form.cleaned_data["doc_type"],
                number=form.cleaned_data["number"],
                title=form.cleaned_data["title"],
                signer=form.cleaned_data["signer"],
            )
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The draft programme has been created."))
            return redirect(_program_url(program))
    return render(
        request,
        "planning/program_form.html",
        {"form": form, "resolution": resolution, "program": None, "title": _("New action programme or plan")},
    )


@page
def program_edit(request, pk):
    user = request.user
    program = selectors.get_program(user, pk)
    if not can(user, "change", program):
        raise PermissionDenied
    initial = {f: getattr(program, f) for f in program_services.EDITABLE_FIELDS}
    form = ProgramForm(request.POST or None, initial=initial)
    amendment = program_services.open_amendment_of(program)
    if request.method == "POST" and form.is_valid():
        try:
            program_services.update_program(
                user, program, expected_version=request.POST.get("version"), **form.cleaned_data
            )
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The programme has been saved."))
            return redirect(_program_url(program))
    return render(
        request,
        "planning/program_form.html",
        {
            "form": form,
            "resolution": program.resolution,
            "program": program,
            "amendment": amendment,
            "read_only": program.status == ActionProgram.Status.ISSUED and amendment is None,
            "title": _("Edit the programme"),
        },
    )


@page
def program_issue(request, pk):
    user = request.user
    program = selectors.get_program(user, pk)
    if not can(user, "change", program):
        raise PermissionDenied
    summary, open_by_task = selectors_clears.program_flags(program)
    initial = {"number": program.number, "signer": program.signer, "issued_on": clock.today()}
    form = IssueForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            program_services.issue_program(
                user, program, expected_version=request.POST.get("version"), **form.cleaned_data
            )
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The programme has been issued."))
            return redirect(_program_url(program))
    flagged = selectors.tasks_visible(user).filter(pk__in=list(open_by_task)[:200]).order_by("code", "id")
    return render(
        request,
        "planning/program_issue.html",
        {
            "form": form,
            "program": program,
            "summary": summary,
            "flagged": [(t, open_by_task[t.pk]) for t in flagged],
            "is_leader": user.scope.role == Role.LEADER and user.agency_id == program.agency_id,
        },
    )


@page
def amendment_new(request, pk):
    user = request.user
    program = selectors.get_program(user, pk)
    if not can(user, "change", program):
        raise PermissionDenied
    form = AmendmentForm(request.POST or None, initial={"decided_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        try:
            program_services.open_amendment(user, program, **form.cleaned_data)
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(
                request, _("The amendment is open: the programme can be changed until you close it.")
            )
            return redirect(_program_url(program))
    return render(
        request,
        "planning/amendment_form.html",
        {"form": form, "program": program, "amendments": program.amendments.all()},
    )


@page
@require_POST
def amendment_close(request, pk):
    user = request.user
    amendment = _get_amendment(user, pk)
    try:
        program_services.close_amendment(user, amendment)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The amendment is closed; the programme is read-only again."))
    return redirect(_program_url(amendment.program))


def _get_amendment(user, pk) -> ProgramAmendment:
    from resmon.core.access import get_visible_or_404

    return get_visible_or_404(user, ProgramAmendment.objects.select_related("program__agency"), pk=pk)


# --- six clears page ------------------------------------------------------------------------


@page
def clears_page(request):
    user = request.user
    resolution = request.GET.get("resolution") or None
    rule = request.GET.get("rule") or None
    if rule not in clears.RULES:
        rule = None
    agency = None
    agency_id = request.GET.get("agency")
    if agency_id:
        agency = agencies_visible(user).filter(pk=agency_id if str(agency_id).isdigit() else 0).first()
    resolutions = list(selectors.resolutions_visible(user).order_by("issued_on"))
    if resolution and not any(str(r.pk) == str(resolution) for r in resolutions):
        resolution = None
    summary, groups, open_by_task = selectors_clears.flagged_tasks(
        user, resolution=resolution, agency_path=agency.path if agency else None, rule=rule
    )
    groups_page = Paginator(groups, 20).get_page(request.GET.get("page"))
    selectors_clears.attach_tasks(user, groups_page.object_list, open_by_task)
    return render(
        request,
        "planning/clears.html",
        {
            "summary": summary,
            "groups": groups_page,
            "resolutions": resolutions,
            "rules": [(r, clears.RULE_LABELS[r]) for r in clears.RULES],
            "rule_labels": {r: str(lbl) for r, lbl in clears.RULE_LABELS.items()},
            "selected": {"resolution": str(resolution or ""), "rule": rule or "", "agency": agency},
        },
    )
