"""Dates as users write them: dd/mm/yyyy (ISO yyyy-mm-dd accepted too).

A native <input type="date"> shows the browser's locale (often mm/dd/yyyy), not the user's
language, so date fields are text inputs in the national format.
"""

from __future__ import annotations

import datetime as dt

from django import forms

DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")
PLACEHOLDER = "dd/mm/yyyy"


def parse_date(text: str | None) -> dt.date | None:
    """The date written in ``text``, or None when it is empty or not a date."""
    text = (text or "").strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


class DateInput(forms.DateInput):
    def __init__(self, attrs: dict | None = None) -> None:
        base = {
            "placeholder": PLACEHOLDER,
            "inputmode": "numeric",
            "autocomplete": "off",
            "class": "form-control",
        }
        super().__init__(attrs={**base, **(attrs or {})}, format="%d/%m/%Y")


class DateField(forms.DateField):
    widget = DateInput

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("input_formats", DATE_FORMATS)
        super().__init__(**kwargs)
