"""Forms of the decomposition editor: a task (with coordinating agencies), a move, a split."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from resmon.agencies.models import Agency
from resmon.agencies.selectors import active_q
from resmon.core.dates import DateField

from ..models import DeliverableType, ReviewPeriod

AGENCY_OPTIONS = 50  # agencies listed in a picker before the user narrows it by searching


def search_agencies(qs, text: str = ""):
    """Active agencies of ``qs`` whose name, short name or code contains ``text``, in tree order."""
    qs = qs.filter(active_q())
    text = (text or "").strip()[:200]
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(short_name__icontains=text) | Q(code__icontains=text))
    return qs.order_by("path")


def agency_choices(qs, selected_ids=(), text: str = "") -> list[tuple[str, str]]:
    """At most AGENCY_OPTIONS active agencies of ``qs`` matching ``text``, plus any already chosen."""
    rows = list(search_agencies(qs, text)[:AGENCY_OPTIONS])
    have = {a.pk for a in rows}
    extra = [i for i in selected_ids if i and i not in have]
    if extra:
        rows = list(Agency.objects.filter(pk__in=extra)) + rows
    return [("", "---------")] + [(str(a.pk), agency_label(a)) for a in rows]


def agency_label(agency: Agency) -> str:
    return f"{'· ' * max(agency.depth - 1, 0)}{agency.name} ({agency.code})" if agency.code else agency.name


class AgencyField(forms.TypedChoiceField):
    """A choice of agency among ``allowed`` (a queryset): the select lists only the first matches
    of the search, but any active agency of ``allowed`` is accepted."""

    default_error_messages = {"invalid_choice": _("Choose an agency from the list.")}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", int)
        super().__init__(*args, **kwargs)
        self.allowed = Agency.objects.none()

    def valid_value(self, value) -> bool:
        text = str(value)
        return text.isdigit() and len(text) < 19 and self.allowed.filter(active_q(), pk=int(text)).exists()


def _selected(form, name: str) -> int | None:
    value = form.data.get(form.add_prefix(name)) if form.is_bound else form.initial.get(name)
    return int(value) if str(value or "").isdigit() and len(str(value)) < 19 else None


class TaskForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=500,
        help_text=_("State the action and its scope, e.g. “Xây dựng đề án chuyển đổi số cấp xã”."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    lead_agency = AgencyField(label=_("Lead agency"))
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
    due_date = DateField(label=_("Due date"), required=False)
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

    def __init__(self, *args, lead_qs=None, agency_q: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.agency_q = (agency_q or "").strip()[:200]
        field = self.fields["lead_agency"]
        field.allowed = lead_qs
        field.choices = agency_choices(lead_qs, [_selected(self, "lead_agency")], self.agency_q)
        field.widget.attrs["class"] = "form-select"

    def add_error(self, field, error):
        super().add_error(field, error)
        if field in self.fields:
            widget = self.fields[field].widget
            widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()


class CoordinationForm(forms.Form):
    agency = AgencyField(label=_("Coordinating agency"), required=False)
    sub_deliverable = forms.CharField(
        label=_("Its part of the deliverable"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args, agency_qs=None, searches=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency_q = ((searches or {}).get(self.prefix) or "").strip()[:200]
        field = self.fields["agency"]
        field.allowed = agency_qs
        field.choices = agency_choices(agency_qs, [_selected(self, "agency")], self.agency_q)
        field.widget.attrs["class"] = "form-select"


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
