"""Small pieces every app's ``api.py`` shares: pagination, problem bodies, filter parsing.

Lives in core so that each domain's router can use it without importing a higher layer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Path, Schema

from . import dates
from .errors import ValidationFailed

ID_MAX = 2**63 - 1  # the largest id a database row can have (a signed 64-bit integer)
MAX_OFFSET = 10**12
MAX_LIMIT = 500
DEFAULT_LIMIT = 50
PROBLEM_CONTENT_TYPE = "application/problem+json"


# An object id in a query string or a body: a positive 64-bit integer, so an absurd number is a
# clear 400 instead of a database overflow.
Id = Annotated[int, Field(ge=1, le=ID_MAX)]


# The same for a path parameter (``task_id: PathId``).
PathId = Annotated[int, Path(ge=1, le=ID_MAX)]


class Problem(Schema):
    """RFC 9457 problem details, with a stable ``code`` and per-field ``errors``."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    code: str
    errors: dict[str, list[str]] | None = None


class PageQuery(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page (at most 500).")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip.")


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str = "",
    errors: dict[str, list[str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> JsonResponse:
    """``extra``: members a client can follow, e.g. the id of the object a duplicate points to."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": str(title),
        "status": status,
        "detail": str(detail or title),
        "code": code,
    }
    if errors:
        body["errors"] = {k: [str(m) for m in v] for k, v in errors.items()}
    for key, value in (extra or {}).items():
        body.setdefault(key, value)
    return JsonResponse(
        body, status=status, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
    )


def paginate(
    qs: QuerySet | Iterable[Any],
    page: PageQuery,
    serialize: Callable[[Any], dict[str, Any]],
) -> dict[str, Any]:
    """``{"count": N, "items": [...]}`` for one window of a (scoped) queryset."""
    if isinstance(qs, QuerySet):
        count = qs.count()
        rows = list(qs[page.offset : page.offset + page.limit])
    elif isinstance(qs, Sequence):  # sliced lazily: only the window is loaded
        count = len(qs)
        rows = list(qs[page.offset : page.offset + page.limit])
    else:
        all_rows = list(qs)
        count = len(all_rows)
        rows = all_rows[page.offset : page.offset + page.limit]
    return {"count": count, "items": [serialize(r) for r in rows]}


def clean_text(value: str | None, max_length: int = 200) -> str:
    """Free text from a query string: trimmed, without NUL characters (PostgreSQL refuses them)."""
    return (value or "").replace("\x00", "").strip()[:max_length]


def parse_date(value: str | None, field: str) -> dt.date | None:
    """A date typed as dd/mm/yyyy or yyyy-mm-dd; a clear message otherwise."""
    value = (value or "").strip()
    if not value:
        return None
    day = dates.parse_date(value)
    if day is not None:
        return day
    raise ValidationFailed(
        _("Enter a valid date as dd/mm/yyyy or yyyy-mm-dd (got “%(value)s”).") % {"value": value[:40]},
        field=field,
    )


def parse_choice(value: str | None, field: str, choices: Iterable[str]) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    allowed = list(choices)
    if value not in allowed:
        raise ValidationFailed(
            _("Unknown value “%(value)s”. Choose one of: %(choices)s.")
            % {"value": value[:40], "choices": ", ".join(allowed)},
            field=field,
        )
    return value
