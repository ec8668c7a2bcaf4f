"""Reads of explanation requests, always scoped: a request is seen by the agency asked and the
agency that asked (and the levels above either, and inspectors over them)."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from resmon.core.access import get_visible_or_404, visible_to

from .models import ExplanationRequest
from .selectors import paths_q

BOXES = ("received", "sent", "all")
Status = ExplanationRequest.Status


def _own_prefixes(user: Any) -> tuple[str, ...]:
    """The agency paths a user works for: their write scope, or their own agency (an inspector)."""
    scope = user.scope
    if scope.write_paths:
        return scope.write_paths
    agency = getattr(user, "agency", None)
    return (agency.path,) if agency is not None else ()


def _related() -> QuerySet[ExplanationRequest]:
    return ExplanationRequest.objects.select_related(
        "agency",
        "requesting_agency",
        "requested_by",
        "answered_by",
        "task",
        "report__program",
        "report__period",
        "report__agency",
    )


def _base(user: Any) -> QuerySet[ExplanationRequest]:
    return visible_to(user, _related())


def explanations_for(
    user: Any, *, box: str = "received", status: str | None = None, q: str = ""
) -> QuerySet[ExplanationRequest]:
    """The requests in one box: ``received`` (asked of the user's agencies by someone else: what
    they answer), ``sent`` (asked by the user's agency or those under it: what they close) or
    ``all`` the user sees; open ones first, nearest answer date first, then newest."""
    qs = _base(user)
    if box == "received":
        qs = qs.filter(paths_q("agency__path", _own_prefixes(user)))
        if getattr(user, "agency", None) is not None:
            # asked by the user's agency or one under it: theirs to close, not to answer
            qs = qs.exclude(requesting_agency__path__startswith=user.agency.path)
    elif box == "sent":
        qs = qs.filter(paths_q("requesting_agency__path", _own_prefixes(user)))
    if status in Status.values:
        qs = qs.filter(status=status)
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(question__icontains=q)
            | Q(answer__icontains=q)
            | Q(agency__name__icontains=q)
            | Q(requesting_agency__name__icontains=q)
            | Q(task__title__icontains=q)
        )
    order = Case(
        When(status=Status.OPEN, then=Value(0)),
        When(status=Status.ANSWERED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return qs.order_by(order, "due_date", "-created_at", "-id")


def explanations_about(user: Any, *, task: Any = None, report: Any = None) -> QuerySet[ExplanationRequest]:
    """The requests about one task or one report that the user sees, newest first."""
    qs = _base(user)
    if task is not None:
        qs = qs.filter(task_id=getattr(task, "pk", task))
    elif report is not None:
        qs = qs.filter(report_id=getattr(report, "pk", report))
    else:
        return qs.none()
    return qs.order_by("-created_at", "-id")


def get_explanation(user: Any, explanation_id: Any) -> ExplanationRequest:
    """One request the user sees; NotFound (a 404) otherwise."""
    return get_visible_or_404(user, _related(), pk=explanation_id)


def open_explanation_count(user: Any) -> int:
    """Requests asked of the user's agencies that still await an explanation."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return explanations_for(user, box="received", status=Status.OPEN).order_by().count()
