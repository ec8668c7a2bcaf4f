"""What the reporting pages share: ids from the query string, pagination, domain errors as messages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import FileResponse

from resmon.catalogue import selectors_periods
from resmon.catalogue.models import PeriodKind
from resmon.core.errors import DomainError
from resmon.core.views import parse_id

PER_PAGE = 25
PERIOD_CHOICES = 60


def parse_version(text: Any) -> int | None:
    return parse_id(text)


def paginate(request: Any, rows: Any, per_page: int = PER_PAGE) -> Page:
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


def box_filter(params: Any, boxes: Any, statuses: Any) -> dict[str, Any]:
    """The box, status and search of a proposals or explanations list (a bad value: the default);
    also the template context of reporting/_box_filter.html."""
    box = params.get("box", "received")
    if box not in dict(boxes):
        box = "received"
    status = params.get("status", "")
    if status not in dict(statuses):
        status = ""
    return {
        "boxes": boxes,
        "box": box,
        "statuses": statuses,
        "status": status,
        "q": params.get("q", "").strip()[:200],
    }


def error_text(exc: DomainError) -> str:
    """The message of a refused write, with the field errors it collected."""
    parts = [str(exc.message)]
    for msgs in exc.errors.values():
        parts.extend(str(m) for m in msgs if str(m) not in parts)
    return " ".join(parts)


def refuse(request: Any, exc: DomainError) -> None:
    messages.error(request, error_text(exc))


def put_errors(form: Any, exc: DomainError) -> None:
    """Every field error a service collected next to its field (the rest at the top of the form)."""
    errors = exc.errors or {exc.field or "": [str(exc.message)]}
    for key, msgs in errors.items():
        target = key if key in form.fields else None
        for message in msgs:
            form.add_error(target, str(message))
    if exc.errors and str(exc.message) not in {str(m) for msgs in errors.values() for m in msgs}:
        form.add_error(None, str(exc.message))


def evidence_file(evidence: Any, handle: Any) -> FileResponse:
    """An evidence file as a download (page and API): always an attachment under its original
    name, never rendered or sniffed by the browser, never cached by a shared cache."""
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name or f"evidence-{evidence.pk}",
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def period_groups(user: Any, today: Any) -> list[tuple[Any, list[Any]]]:
    """The periods begun by ``today``, newest first, grouped by kind (quarters first)."""
    groups = []
    for kind in (PeriodKind.QUARTER, PeriodKind.MONTH, PeriodKind.HALF_YEAR, PeriodKind.YEAR):
        rows = list(
            selectors_periods.periods(user, kind=kind)
            .filter(start__lte=today)
            .order_by("-start")[:PERIOD_CHOICES]
        )
        if rows:
            groups.append((PeriodKind(kind).label, rows))
    return groups
