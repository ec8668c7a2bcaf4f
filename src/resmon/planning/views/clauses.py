"""Pages for a resolution's clauses (view, import, correct) and their coverage by programmes."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from resmon.agencies.selectors import agencies_visible
from resmon.core.access import Role, get_visible_or_404
from resmon.core.errors import DomainError
from resmon.core.views import page, show_error

from .. import selectors, selectors_clears
from ..models import Clause
from ..services import clauses as clause_services


class ImportForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Text of the resolution"),
        required=False,
        max_length=clause_services.MAX_TEXT_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy(
            "Parts “I.”, sections “1.”, points “a)” and “-” bullets at the start of a line."
        ),
    )
    docx_file = forms.FileField(
        label=gettext_lazy("or a Word file (.docx, at most 5 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".docx"}),
    )


class ClauseForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("Number"), max_length=20)
    text = forms.CharField(label=gettext_lazy("Text"), widget=forms.Textarea(attrs={"rows": 3}))


def _is_sysadmin(user) -> bool:
    return user.scope.role == Role.SYSTEM_ADMIN


@page
def clause_list(request, pk):
    user = request.user
    resolution = selectors.get_resolution(user, pk)
    form = None
    if _is_sysadmin(user):
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                created = clause_services.import_resolution_text(
                    user,
                    resolution,
                    text=form.cleaned_data["text"] or None,
                    docx_file=form.cleaned_data["docx_file"],
                )
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("%(n)s clauses have been imported.") % {"n": len(created)})
                return redirect(reverse("planning:clause_list", args=[resolution.pk]))
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "planning/clause_list.html",
        {"resolution": resolution, "clauses": selectors_clears.clauses_of(resolution), "form": form},
    )


@page
def clause_edit(request, pk):
    user = request.user
    clause = get_visible_or_404(user, Clause.objects.select_related("resolution"), pk=pk)
    if not _is_sysadmin(user):
        raise PermissionDenied
    form = ClauseForm(request.POST or None, initial={"label": clause.label, "text": clause.text})
    if request.method == "POST" and form.is_valid():
        try:
            clause_services.edit_clause(
                user, clause, text=form.cleaned_data["text"], label=form.cleaned_data["label"]
            )
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The clause has been corrected."))
            return redirect(reverse("planning:clause_list", args=[clause.resolution_id]) + f"#c{clause.pk}")
    return render(request, "planning/clause_form.html", {"clause": clause, "form": form})


@page
def coverage(request, pk):
    user = request.user
    resolution = selectors.get_resolution(user, pk)
    agency = None
    agency_id = request.GET.get("agency") or ""
    if agency_id.isdigit():
        agency = agencies_visible(user).filter(pk=agency_id).first()
    cov = selectors_clears.coverage(user, resolution, agency_path=agency.path if agency else None)
    program_agencies = [p.agency for p in selectors.programs_of_resolution(user, resolution)]
    return render(
        request,
        "planning/coverage.html",
        {"resolution": resolution, "cov": cov, "agency": agency, "agencies": program_agencies},
    )


@page
@require_POST
def task_clauses(request, pk):
    """Set the clauses a task implements (from the task page)."""
    user = request.user
    task = selectors.get_task(user, pk)
    ids = [int(x) for x in request.POST.getlist("clauses") if x.isdigit()]
    chosen = list(Clause.objects.filter(pk__in=ids))
    try:
        clause_services.set_task_clauses(user, task, chosen)
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied from None
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The clauses this task implements have been saved."))
    return redirect(reverse("web:task_detail", args=[task.pk]) + "#clears")
