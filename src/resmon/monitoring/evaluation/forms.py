"""The forms of the evaluation pages. They only carry what was typed: every rule is checked by the
services, whose field errors are shown next to these fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from resmon.agencies.models import AgencyKind

from .models import CRITERIA, WEIGHT_FIELDS, Level

TEXT_MAX = 4000


def _level_field(label: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=[("", _("Choose a level"))] + list(Level.choices),
        required=False,  # the service names a missing level next to the field
    )


def _text(label: Any, help_text: Any = "", rows: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=TEXT_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class SelfAssessmentForm(forms.Form):
    level = _level_field(_("Self-assessed level"))
    comment = _text(
        _("Self-assessment"), _("What the agency achieved and fell short of (at least 10 characters).")
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1)


class AppraisalForm(forms.Form):
    level = _level_field(_("Appraised and proposed level"))
    comment = _text(_("Appraisal"), _("The supervising agency's findings (at least 10 characters)."))
    proposal = _text(
        _("Proposal to the competent body"),
        _("Optional: e.g. a commendation, or what the agency must correct."),
        rows=3,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1)


class DecisionForm(forms.Form):
    level = _level_field(_("Decided level"))
    decision_number = forms.CharField(
        label=_("Decision number"), required=False, max_length=60, help_text=_("e.g. 125-QĐ/TU")
    )
    decision_date = forms.CharField(
        label=_("Decision date"),
        required=False,
        max_length=20,
        help_text=_("dd/mm/yyyy"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "dd/mm/yyyy"}),
    )
    note = _text(_("Note"), _("Optional."), rows=3)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1)


class ComputeForm(forms.Form):
    agency_kind = forms.ChoiceField(
        label=_("Agencies evaluated"),
        choices=[("", _("The agencies directly under it"))] + list(AgencyKind.choices),
        required=False,
        help_text=_("Or every agency of one kind inside the subtree, e.g. the communes."),
    )


class RuleForm(forms.Form):
    weight_on_time = forms.CharField(label=_("On-time completion"), max_length=10)
    weight_progress = forms.CharField(label=_("Progress against plan"), max_length=10)
    weight_kpi = forms.CharField(label=_("KPI attainment"), max_length=10)
    weight_reporting = forms.CharField(label=_("Reporting on time and complete"), max_length=10)
    weight_directives = forms.CharField(label=_("Response to directives"), max_length=10)
    excellent_from = forms.CharField(label=_("Excellently completed from (points)"), max_length=10)
    good_from = forms.CharField(label=_("Well completed from (points)"), max_length=10)
    pass_from = forms.CharField(label=_("Completed from (points)"), max_length=10)
    cap_percent = forms.CharField(
        label=_("Excellent at most (% of those rated at least good)"),
        max_length=10,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1)

    weight_fields = [WEIGHT_FIELDS[k] for k in CRITERIA]
    band_fields = ["excellent_from", "good_from", "pass_from", "cap_percent"]

    def weights(self) -> dict[str, str]:
        return {k: self.cleaned_data.get(WEIGHT_FIELDS[k], "") for k in CRITERIA}
