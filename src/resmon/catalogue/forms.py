"""Forms of the catalogue pages. They only shape the input; the services validate it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from resmon.accounts.forms import BootstrapMixin, agency_label
from resmon.agencies.models import Level

from .models import Aggregation, Direction, Frequency, Indicator


class IndicatorChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Indicator) -> str:
        return f"{obj.code} · {obj.current.name}" if obj.current_id else obj.code


class AgencyChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return agency_label(obj)


def owner_agencies(agencies_qs):
    """Indicators are owned by central bodies (ministries, commissions): a short list."""
    return agencies_qs.filter(level=Level.CENTRAL, valid_to__isnull=True).order_by("path")


class DefinitionForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=300)
    definition = forms.CharField(
        label=_("Definition"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What is counted, how, and from which source."),
    )
    unit = forms.CharField(label=_("Unit"), max_length=40, help_text=_("e.g. %, VND billion, persons"))
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    aggregation = forms.ChoiceField(label=_("Aggregation up the tree"), choices=Aggregation.choices)
    numerator = IndicatorChoice(
        label=_("Numerator (for a ratio)"), queryset=Indicator.objects.none(), required=False
    )
    denominator = IndicatorChoice(
        label=_("Denominator (for a ratio)"), queryset=Indicator.objects.none(), required=False
    )
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Frequency.choices)
    owner_agency = AgencyChoice(label=_("Owner agency"), queryset=Indicator.objects.none())
    resolution_hint = forms.CharField(
        label=_("Resolutions it serves"),
        max_length=100,
        required=False,
        help_text=_("Resolution numbers separated by commas, e.g. 57-NQ/TW"),
    )
    min_value = forms.DecimalField(
        label=_("Lowest valid value"),
        required=False,
        max_digits=20,
        decimal_places=4,
        localize=True,
        help_text=_("Values below it are refused, e.g. 0. Leave empty for no limit."),
    )
    max_value = forms.DecimalField(
        label=_("Highest valid value"),
        required=False,
        max_digits=20,
        decimal_places=4,
        localize=True,
        help_text=_("Values above it are refused, e.g. 100 for a percentage. Leave empty for no limit."),
    )
    decimal_places = forms.IntegerField(
        label=_("Decimal places allowed"),
        required=False,
        min_value=0,
        max_value=4,
        initial=2,
        help_text=_("0 for counts such as persons or documents."),
    )
    part_of = IndicatorChoice(
        label=_("Part of"),
        queryset=Indicator.objects.none(),
        required=False,
        help_text=_(
            "The indicator this one is a part of (e.g. documents amended, part of documents reviewed): "
            "its value cannot exceed the whole's for the same agency and period."
        ),
    )

    def __init__(self, *args, agencies=None, indicators=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].queryset = agencies
        self.fields["numerator"].queryset = indicators
        self.fields["denominator"].queryset = indicators
        self.fields["part_of"].queryset = indicators
        self.style_fields()


class IndicatorCreateForm(DefinitionForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("Letters, digits, dashes and dots, e.g. NQ57-DVC-01; it cannot be changed later."),
    )
    field_order = ["code"]


class IndicatorReviseForm(DefinitionForm):
    change_note = forms.CharField(
        label=_("What changed and why"),
        max_length=300,
        help_text=_("Values already reported keep the definition they were reported against."),
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class IndicatorFilterForm(forms.Form):
    q = forms.CharField(label=_("Search code or name"), required=False, max_length=200)
    resolution = forms.CharField(label=_("Resolution"), required=False, max_length=40)
    direction = forms.ChoiceField(
        label=_("Direction"), required=False, choices=[("", _("Any direction")), *Direction.choices]
    )
    frequency = forms.ChoiceField(
        label=_("Frequency"), required=False, choices=[("", _("Any frequency")), *Frequency.choices]
    )
    active = forms.ChoiceField(
        label=_("In use"),
        required=False,
        choices=[("1", _("In use")), ("0", _("Out of use")), ("all", _("All"))],
    )
