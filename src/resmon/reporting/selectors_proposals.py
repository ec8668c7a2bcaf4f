"""Reads of proposals (kiến nghị): the boxes of received and raised proposals, one proposal, and
the count of open proposals waiting for the user's answer.

A proposal is visible within the user's scope (raising agency, addressee, steering grants), except
that a proposal of a report never sent is seen only by the raising side: the addressee receives
it when the report is sent.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from resmon.core.access import Role, get_visible_or_404, visible_to

from .models import Proposal
from .selectors import paths_q

BOXES = ("received", "raised", "all")
# what a proposal's pages, answers and notifications show with it
RELATED = (
    "report__program",
    "report__period",
    "report__agency",
    "report__accepting_agency",
    "raised_by_agency",
    "addressed_to",
    "line__task",
    "created_by",
    "answered_by",
)


def _raising_side(user: Any) -> Q | None:
    """Proposals raised inside the user's read scope (None: everything)."""
    scope = user.scope
    if scope.everything:
        return None
    return paths_q("raised_by_agency__path", scope.read_paths)


def visible_proposals(user: Any) -> QuerySet[Proposal]:
    """Every proposal ``user`` may see (unsent ones only on the raising side)."""
    qs = visible_to(user, Proposal.objects.select_related(*RELATED))
    raising = _raising_side(user) if getattr(user, "is_authenticated", False) else None
    if raising is not None:
        qs = qs.filter(Q(report__first_sent_at__isnull=False) | raising)
    return qs


def report_proposals(user: Any, report: Any) -> QuerySet[Proposal]:
    """The proposals of a report the user sees (``report`` came through the scoped ``get_report``),
    oldest first: the same rows as ``visible_proposals`` filtered on the report, decided from the
    report instead of joining the scope tables (a proposal's raising agency is its report's)."""
    qs = Proposal.objects.filter(report_id=report.pk).select_related(*RELATED).order_by("created_at", "id")
    scope = user.scope
    if scope.reads(report.agency.path):
        return qs  # the raising side sees its proposals, sent or not
    if report.first_sent_at is None:
        return qs.none()
    if report.resolution_id in scope.resolution_ids:
        return qs
    return qs.filter(paths_q("addressed_to__path", scope.read_paths))


def proposals_for(
    user: Any, *, box: str = "received", status: str | None = None, q: str = ""
) -> QuerySet[Proposal]:
    """A box of proposals, newest first: "received" (addressed to an agency in the user's scope, report
    sent), "raised" (raised by an agency in the user's scope) or "all"."""
    qs = visible_proposals(user)
    if not getattr(user, "is_authenticated", False):
        return qs
    scope = user.scope
    if box == "received":
        qs = qs.filter(report__first_sent_at__isnull=False)
        if not scope.everything:
            qs = qs.filter(paths_q("addressed_to__path", scope.read_paths))
    elif box == "raised":
        raising = _raising_side(user)
        if raising is not None:
            qs = qs.filter(raising)
    if status in Proposal.Status.values:
        qs = qs.filter(status=status)
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(text__icontains=q)
            | Q(answer__icontains=q)
            | Q(raised_by_agency__name__icontains=q)
            | Q(addressed_to__name__icontains=q)
            | Q(report__program__title__icontains=q)
        )
    return qs


def get_proposal(user: Any, proposal_id: Any) -> Proposal:
    """One proposal; NotFound (404) when missing or outside the user's view."""
    return get_visible_or_404(user, visible_proposals(user), pk=proposal_id)


def open_proposal_count(user: Any) -> int:
    """Open proposals waiting for an answer from an agency in the user's write scope."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return 0
    scope = user.scope
    qs = Proposal.objects.filter(status=Proposal.Status.OPEN, report__first_sent_at__isnull=False)
    if scope.role != Role.SYSTEM_ADMIN:
        if not scope.write_paths:
            return 0
        qs = qs.filter(paths_q("addressed_to__path", scope.write_paths))
    return qs.count()
