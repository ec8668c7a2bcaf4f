"""What the directive and reminder services share: who is signed in, texts, dates, names."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from resmon.core import classified, clock
from resmon.core.dates import parse_date
from resmon.core.errors import NotFound, ValidationFailed

TEXT_MIN = 5
TEXT_MAX = 4000
DUE_MAX_YEARS = 5


def signed_in(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", True)


def not_found() -> NotFound:
    return NotFound(_("Not found, or you do not have access to it."))


def day(value: dt.date) -> str:
    return date_format(value, "d/m/Y")


def pk_of(value: Any) -> Any:
    return getattr(value, "pk", value)


def text_error(
    value: Any, *, missing: str, minimum: int = TEXT_MIN, maximum: int = TEXT_MAX
) -> tuple[str, str]:
    """(the cleaned text, the error message or ""): a text the user wrote, stripped of spaces
    and NUL characters; too short says ``missing``, too long says how long it is."""
    text = str(value or "").replace("\x00", "").strip()
    if len(text) < minimum:
        return text, missing
    if len(text) > maximum:
        return text, _("Shorten the text to %(max)s characters (it has %(n)s).") % {
            "max": maximum,
            "n": len(text),
        }
    if classified.mark_in_text(text):
        return text, str(classified.TEXT_MESSAGE)
    return text, ""


def clean_text(
    value: Any, *, field: str, missing: str, minimum: int = TEXT_MIN, maximum: int = TEXT_MAX
) -> str:
    text, error = text_error(value, missing=missing, minimum=minimum, maximum=maximum)
    if error:
        raise ValidationFailed(error, field=field, code=classified.code_of({field: [error]}))
    return text


def due_error(value: Any) -> tuple[dt.date | None, str]:
    """(the due date, the error message or ""): today or later, at most five years ahead."""
    if isinstance(value, str):
        value = parse_date(value)
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        return None, _("Give the date to report back by, as dd/mm/yyyy.")
    today = clock.today()
    if value < today:
        return None, _("The report-back date cannot be in the past; choose %(today)s or later.") % {
            "today": day(today)
        }
    if value.year > today.year + DUE_MAX_YEARS:
        return None, _("The report-back date %(date)s is more than %(n)s years ahead; check the year.") % {
            "date": day(value),
            "n": DUE_MAX_YEARS,
        }
    return value, ""


def excerpt(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def task_label(code: str, title: str, limit: int = 120) -> str:
    return excerpt(f"{code} {title}".strip(), limit)
