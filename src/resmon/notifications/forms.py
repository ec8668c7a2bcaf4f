from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Mode


class PreferenceForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("E-mail delivery"),
        choices=Mode.choices,
        widget=forms.RadioSelect,
        help_text=_("The inbox in Resmon always shows every notification at once."),
    )
    email_enabled = forms.BooleanField(
        label=_("Send me e-mail"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
