"""/planning/tasks/<id>/coordinations/<agency id>/: one coordinating agency's part of a task — its
due date (the lead or assigning agency, while planning) and its delivery (the coordinating agency),
each form with its message next to the field."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from resmon.core import clock
from resmon.core.access import can
from resmon.core.dates import DateField
from resmon.core.errors import DomainError
from resmon.core.views import page, show_error

from .. import selectors_coordination as parts
from ..services import coordination as services


class DueForm(forms.Form):
    due_date = DateField(
        label=gettext_lazy("Its part is due on"),
        required=False,
        help_text=gettext_lazy("dd/mm/yyyy; no later than the task's due date. Leave empty to remove it."),
    )


class DeliveryForm(forms.Form):
    delivered_on = DateField(
        label=gettext_lazy("Delivered on"), help_text=gettext_lazy("dd/mm/yyyy; not in the future.")
    )
    note = forms.CharField(
        label=gettext_lazy("Note for the lead agency"),
        required=False,
        max_length=services.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class UndoForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why the delivery is undone"),
        max_length=services.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


ACTIONS = {"due": DueForm, "deliver": DeliveryForm, "undo": UndoForm}


@page
def coordination_part(request, pk, agency_id):
    user = request.user
    part = parts.get_part(user, pk, agency_id)  # 404 outside the scope or for a non-coordinating agency
    task_url = reverse("web:task_detail", args=[part.task.pk]) + "#coordination"
    forms_ = {
        "due": DueForm(prefix="due", initial={"due_date": part.due_date}),
        "deliver": DeliveryForm(prefix="deliver", initial={"delivered_on": clock.today()}),
        "undo": UndoForm(prefix="undo"),
    }
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            messages.error(request, _("Unknown action; nothing was changed."))
            return redirect(request.path)
        form = forms_[action] = ACTIONS[action](request.POST, prefix=action)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "due":
                    services.set_coordination_due(user, part, data["due_date"])
                    messages.success(
                        request,
                        _("The due date of %(agency)s's part was saved.") % {"agency": part.agency.name},
                    )
                elif action == "deliver":
                    services.record_delivery(user, part, data["delivered_on"], data["note"])
                    messages.success(request, _("The delivery was recorded; the lead agency has been told."))
                else:
                    services.undo_delivery(user, part, data["reason"])
                    messages.success(request, _("The delivery was undone."))
            except DomainError as exc:
                show_error(form, exc)
            else:
                return redirect(task_url)
    return render(
        request,
        "planning/coordination_part.html",
        {
            "part": part,
            "task": part.task,
            "task_url": task_url,
            "may_set_due": services.may_set_due(user, part),
            "may_change_task": can(user, "change", part.task),
            "may_deliver": services.may_deliver(user, part),
            "forms": forms_,
        },
    )
