"""The reporting schedule of a programme: shown on the programme page, edited on its own page by
those who may change the programme (others get a 403 on the form, like the programme's other forms)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from resmon.catalogue.models import PeriodKind
from resmon.core.access import can
from resmon.core.errors import DomainError
from resmon.core.views import page, show_error

from .. import selectors, selectors_tree
from ..services import schedule as schedule_services


class ScheduleForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Reports on"),
        choices=PeriodKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    due_days = forms.CharField(
        label=gettext_lazy("Due days after the period ends"),
        max_length=4,
        help_text=gettext_lazy("e.g. 5: the report of a quarter ending 14/12 is due 19/12."),
    )
    grace_days = forms.CharField(
        label=gettext_lazy("Grace days"),
        max_length=4,
        required=False,
        help_text=gettext_lazy("Reports arriving in the grace days are accepted and marked late."),
    )


@page
def program_schedule(request, pk):
    user = request.user
    program = selectors.get_program(user, pk)
    if not can(user, "change", program):
        raise PermissionDenied
    entries = schedule_services.schedule_of(program)
    initial = {
        "kinds": [e.kind for e in entries],
        "due_days": entries[0].due_days,
        "grace_days": entries[0].grace_days,
    }
    form = ScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            schedule_services.set_schedule(
                user,
                program,
                kinds=form.cleaned_data["kinds"],
                due_days=form.cleaned_data["due_days"],
                grace_days=form.cleaned_data["grace_days"],
                expected_version=request.POST.get("version") or None,
            )
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The reporting schedule has been saved."))
            return redirect("web:program_detail", pk=program.pk)
    return render(
        request,
        "planning/schedule_form.html",
        {
            "form": form,
            "program": program,
            "entries": entries,
            "read_only": not selectors_tree.program_editable(program),
        },
    )
