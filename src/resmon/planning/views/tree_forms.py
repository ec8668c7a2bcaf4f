"""Forms of the decomposition editor: a task (with coordinating agencies), a move, a split."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from resmon.agencies.models import Agency
from resmon.agencies.selectors import active_q

from ..models import DeliverableType, ReviewPeriod

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
AGENCY_LIMIT = 500


def _date_input():
    return forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


def agency_choices(qs, selected_ids=()) -> list[tuple[str, str]]:
    """At most AGENCY_LIMIT active agencies of ``qs`` in tree order, plus any already chosen."""
    rows = list(qs.filter(active_q()).order_by("path")[:AGENCY_LIMIT])
    have = {a.pk for a in rows}
    extra = [i for i in selected_ids if i and i not in have]
    if extra:
        rows = list(Agency.objects.filter(pk__in=extra)) + rows
    return [("", "---------")] + [(str(a.pk), f"{'· ' * max(a.depth - 1, 0)}{a.name}") for a in rows]


class TaskForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=500,
        help_text=_("State the action and its scope, e.g. “Xây dựng đề án chuyển đổi số cấp xã”."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    lead_agency = forms.TypedChoiceField(label=_("Lead agency"), coerce=int)
    responsible_officer = forms.CharField(
        label=_("Responsible officer"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    ongoing = forms.BooleanField(
        label=_("Ongoing (no fixed deadline)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    due_date = forms.DateField(
        label=_("Due date"), required=False, input_formats=DATE_FORMATS, widget=_date_input()
    )
    review_period = forms.ChoiceField(
        label=_("Review period"),
        required=False,
        choices=[("", "---------"), *ReviewPeriod.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    deadline_justification = forms.CharField(
        label=_("Why the deadline is later than the parent task's"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )
    deliverable_type = forms.ChoiceField(
        label=_("Deliverable type"),
        required=False,
        choices=[("", "---------"), *DeliverableType.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    deliverable = forms.CharField(
        label=_("Deliverable"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    authority = forms.CharField(
        label=_("Competent authority"),
        max_length=300,
        required=False,
        help_text=_("Who issues or accepts the deliverable."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    weight = forms.DecimalField(
        label=_("Weight"),
        min_value=0,
        max_value=10000,
        decimal_places=2,
        initial=1,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, lead_qs=None, **kwargs):
        super().__init__(*args, **kwargs)
        selected = self.data.get("lead_agency") if self.is_bound else self.initial.get("lead_agency")
        selected_id = int(selected) if str(selected or "").isdigit() else None
        self.fields["lead_agency"].choices = agency_choices(lead_qs, [selected_id])
        self.fields["lead_agency"].widget.attrs["class"] = "form-select"

    def add_error(self, field, error):
        super().add_error(field, error)
        if field in self.fields:
            widget = self.fields[field].widget
            widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()


class CoordinationForm(forms.Form):
    agency = forms.TypedChoiceField(label=_("Coordinating agency"), coerce=int, required=False)
    sub_deliverable = forms.CharField(
        label=_("Its part of the deliverable"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args, agency_qs=None, **kwargs):
        super().__init__(*args, **kwargs)
        key = self.add_prefix("agency")
        selected = self.data.get(key) if self.is_bound else self.initial.get("agency")
        selected_id = int(selected) if str(selected or "").isdigit() else None
        self.fields["agency"].choices = agency_choices(agency_qs, [selected_id])
        self.fields["agency"].widget.attrs["class"] = "form-select"


CoordinationFormSet = forms.formset_factory(CoordinationForm, extra=2, max_num=30, validate_max=True)


class MoveForm(forms.Form):
    parent = forms.TypedChoiceField(label=_("New parent task"), coerce=int, required=False, empty_value=None)
    position = forms.IntegerField(
        label=_("Position among its new siblings (1 = first; empty = last)"),
        required=False,
        min_value=1,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", _("— Top of the programme —"))] + [
            (str(r.pk), f"{r.code} {r.title}"[:120]) for r in candidates
        ]
        self.fields["parent"].widget.attrs["class"] = "form-select"


class PartForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    weight = forms.DecimalField(
        label=_("Weight"),
        min_value=0,
        max_value=10000,
        decimal_places=2,
        initial=1,
        required=False,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}),
    )


PartFormSet = forms.formset_factory(PartForm, extra=3, max_num=50, validate_max=True)
