"""The forms of the directive pages. They only carry what the user typed; every rule (who may,
which recipients, text and date) lives in the services, whose messages go next to the fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from resmon.core.dates import DateInput

TEXT_MAX = 4000
NOTE_MAX = 2000


def text_area(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "class": "form-control"})


class IssueForm(forms.Form):
    """Text and date; the recipients are checkboxes read from the request (``recipients``) so a
    recipient out of scope gets the service's message naming it."""

    text = forms.CharField(
        label=_("Directive"),
        required=False,
        max_length=TEXT_MAX,
        widget=text_area(5),
        help_text=_("What the agencies must do, and what they should report back."),
    )
    due_date = forms.CharField(
        label=_("Report back by"),
        required=False,
        max_length=20,
        widget=DateInput(),
        help_text=_("dd/mm/yyyy"),
    )


class ReportBackForm(forms.Form):
    report = forms.CharField(
        label=_("Report back"),
        required=False,
        max_length=TEXT_MAX,
        widget=text_area(4),
        help_text=_("What your agency did, with the results and any obstacle."),
    )


class CloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(
        label=_("Note on closing"), required=False, max_length=NOTE_MAX, widget=text_area(2)
    )


class WithdrawForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("Reason for withdrawing"), required=False, max_length=NOTE_MAX, widget=text_area(2)
    )


class ReminderForm(forms.Form):
    message = forms.CharField(
        label=_("Reminder"),
        required=False,
        max_length=NOTE_MAX,
        widget=text_area(3),
        help_text=_("Say what is late and by when it is expected."),
    )
