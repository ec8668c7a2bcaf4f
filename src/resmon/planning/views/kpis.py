"""Pages for task KPIs (add, edit, remove) and deadline extensions (request, decide, withdraw)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from resmon.core.dates import DateField
from resmon.core.errors import DomainError, PermissionRefused
from resmon.core.views import page, show_error

from .. import selectors
from .. import selectors_kpis as kpi_selectors
from ..services import extensions as extension_services
from ..services import kpis as kpi_services

TARGET_ROWS_EXTRA = 3
PER_PAGE = 25


def _task_url(task_id: int, anchor: str = "") -> str:
    return reverse("web:task_detail", args=[task_id]) + (f"#{anchor}" if anchor else "")


# --- forms -------------------------------------------------------------------------------------


class KpiForm(forms.Form):
    indicator = forms.TypedChoiceField(label=gettext_lazy("Indicator"), coerce=int, required=True)
    baseline_value = forms.CharField(
        label=gettext_lazy("Baseline value"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal"}),
    )
    baseline_date = DateField(label=gettext_lazy("Baseline date"), required=False)
    criterion = forms.CharField(
        label=gettext_lazy("Evaluation criterion"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        help_text=gettext_lazy("Leave empty to state it from the last target and the indicator's direction."),
    )

    def __init__(self, *args, indicators=None, fixed_indicator=None, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_indicator is not None:
            del self.fields["indicator"]
        else:
            self.fields["indicator"].choices = [("", "—")] + [
                (i.pk, f"{i.code} – {i.current.name} ({i.current.unit})") for i in indicators or []
            ]
            self.fields["indicator"].widget.attrs["class"] = "form-select"


class TargetRowForm(forms.Form):
    on = DateField(label=gettext_lazy("Date"), required=False)
    value = forms.CharField(
        label=gettext_lazy("Target value"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal"}),
    )


TargetFormSet = forms.formset_factory(TargetRowForm, extra=TARGET_ROWS_EXTRA, max_num=100, absolute_max=100)


class ExtensionRequestForm(forms.Form):
    proposed_due_date = DateField(label=gettext_lazy("Proposed new deadline"))
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("grant", "grant"), ("refuse", "refuse")])
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


def _targets_from(formset) -> list[tuple[dt.date | None, str]]:
    """The rows the user filled in (a row with a date or a value), in the order shown."""
    rows = []
    for f in formset.forms:
        on, value = f.cleaned_data.get("on"), (f.cleaned_data.get("value") or "").strip()
        if on is None and not value:
            continue
        rows.append((on, value))
    return rows


# --- KPIs --------------------------------------------------------------------------------------


def _kpi_form_page(request, *, task, kpi=None):
    user = request.user
    q = request.GET.get("q", "")
    indicators = None if kpi else list(kpi_selectors.active_indicators(user, q)[:500])
    data = request.POST if request.method == "POST" else None
    initial = {}
    target_initial = []
    if kpi is not None:
        initial = {
            "baseline_value": "" if kpi.baseline_value is None else f"{kpi.baseline_value.normalize():f}",
            "baseline_date": kpi.baseline_date,
            "criterion": kpi.criterion,
        }
        target_initial = [{"on": t.on, "value": f"{t.value.normalize():f}"} for t in kpi.targets.all()]
    form = KpiForm(data, initial=initial, indicators=indicators, fixed_indicator=kpi and kpi.indicator)
    targets = TargetFormSet(data, initial=target_initial, prefix="targets")
    if data is not None and form.is_valid() and targets.is_valid():
        rows = _targets_from(targets)
        fields = {
            "baseline_value": form.cleaned_data["baseline_value"],
            "baseline_date": form.cleaned_data["baseline_date"],
            "criterion": form.cleaned_data["criterion"],
            "targets": rows,
        }
        try:
            if kpi is None:
                kpi_services.add_kpi(user, task, indicator=form.cleaned_data["indicator"], **fields)
                messages.success(request, _("The KPI has been added."))
            else:
                kpi_services.update_kpi(user, kpi, **fields)
                messages.success(request, _("The KPI has been saved."))
        except PermissionRefused:
            raise Http404 from None
        except DomainError as exc:
            if exc.field and exc.field.startswith("targets"):
                targets.non_form_errors().append(str(exc.message))
                form.add_error(None, str(exc.message))
            else:
                show_error(form, exc)
        else:
            return redirect(_task_url(task.pk, "kpis"))
    return render(
        request,
        "planning/kpi_form.html",
        {"task": task, "kpi": kpi, "form": form, "targets": targets, "q": q},
    )


@page
def kpi_new(request, pk):
    task = selectors.get_task(request.user, pk)
    from resmon.core.access import can

    if not can(request.user, "change", task):
        raise Http404
    return _kpi_form_page(request, task=task)


@page
def kpi_edit(request, pk):
    from resmon.core.access import can

    kpi = kpi_selectors.get_kpi(request.user, pk)
    task = selectors.get_task(request.user, kpi.task_id)
    if not can(request.user, "change", task):
        raise Http404
    return _kpi_form_page(request, task=task, kpi=kpi)


@page
@require_POST
def kpi_delete(request, pk):
    kpi = kpi_selectors.get_kpi(request.user, pk)
    try:
        kpi_services.remove_kpi(request.user, kpi)
    except PermissionRefused:
        raise Http404 from None
    messages.success(request, _("The KPI has been removed."))
    return redirect(_task_url(kpi.task_id, "kpis"))


# --- deadline extensions -----------------------------------------------------------------------


@page
def extension_request(request, pk):
    user = request.user
    task = selectors.get_task(user, pk)
    if not extension_services.may_request(user, task):
        raise Http404
    form = ExtensionRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            extension_services.request_extension(
                user, task, form.cleaned_data["proposed_due_date"], form.cleaned_data["reason"]
            )
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(
                request, _("Your request for a later deadline has been sent to the assigning agency.")
            )
            return redirect(_task_url(task.pk, "deadline"))
    return render(request, "planning/extension_request.html", {"task": task, "form": form})


@page
def extension_detail(request, pk):
    """One request, with the Grant / Refuse form for the assigning level."""
    user = request.user
    ext = kpi_selectors.get_extension(user, pk)
    task = selectors.get_task(user, ext.task_id)
    may_decide = (
        ext.status == ext.Status.PENDING
        and extension_services.may_decide(user, task)
        and ext.requested_by_id != user.pk
    )
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if not may_decide:
            raise Http404
        if form.is_valid():
            grant = form.cleaned_data["decision"] == "grant"
            try:
                extension_services.decide_extension(user, ext, grant, form.cleaned_data["note"])
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(
                    request,
                    _("The extension has been granted.") if grant else _("The request has been refused."),
                )
                return redirect(_task_url(task.pk, "deadline"))
    return render(
        request,
        "planning/extension_detail.html",
        {"ext": ext, "task": task, "form": form, "may_decide": may_decide},
    )


@page
@require_POST
def extension_withdraw(request, pk):
    ext = kpi_selectors.get_extension(request.user, pk)
    try:
        extension_services.withdraw_extension(request.user, ext)
    except PermissionRefused:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Your request has been withdrawn."))
    return redirect(_task_url(ext.task_id, "deadline"))


@page
def extension_list(request):
    """The requests waiting for the user's decision."""
    qs = kpi_selectors.extensions_to_decide(request.user)
    pending = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "planning/extension_list.html", {"pending": pending})
