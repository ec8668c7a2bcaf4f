"""Reads of the agency tree; every one starts from the user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from resmon.core import clock
from resmon.core.access import get_visible_or_404, visible_to

from .models import Agency


def active_q(day=None) -> Q:
    day = day or clock.today()
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=day)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )


def agencies_visible(user: Any, *, include_inactive: bool = False) -> QuerySet[Agency]:
    qs = visible_to(user, Agency.objects.all())
    return qs if include_inactive else qs.filter(active_q())


def get_agency(user: Any, agency_id: Any) -> Agency:
    return get_visible_or_404(user, Agency.objects.all(), pk=agency_id)


def subtree(agency: Agency, *, include_self: bool = True) -> QuerySet[Agency]:
    qs = Agency.objects.filter(path__startswith=agency.path)
    return qs if include_self else qs.exclude(pk=agency.pk)


def ancestors(agency: Agency) -> QuerySet[Agency]:
    return Agency.objects.filter(path__in=agency.ancestor_paths).order_by("depth")


def children_visible(user: Any, parent: Agency | None) -> QuerySet[Agency]:
    """The children of ``parent`` (or the user's top visible agencies) that the user may see."""
    qs = agencies_visible(user)
    if parent is not None:
        return qs.filter(path__startswith=parent.path, depth=parent.depth + 1).order_by("path")
    if user.scope.everything:
        return qs.filter(depth=1)
    return qs.filter(path__in=list(user.scope.read_paths)).order_by("path")


def pick_by_text(user: Any, text: str) -> tuple[Agency | None, list[Agency], str]:
    """The agency a name typed in a filter picks, among those the user may see: (it, [], "") when
    exactly one matches; else (None, up to 10 matches to choose from, the message saying so)."""
    matches = list(search_visible(user, text)[:11])
    if len(matches) == 1:
        return matches[0], [], ""
    if not matches:
        return None, [], _("No agency matches “%(text)s”; that filter was ignored.") % {"text": text}
    return (
        None,
        matches[:10],
        _("Several agencies match “%(text)s”; choose one from the list.") % {"text": text},
    )


def search_visible(user: Any, text: str) -> QuerySet[Agency]:
    qs = agencies_visible(user)
    text = (text or "").strip()
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(code__iexact=text) | Q(short_name__icontains=text))
    return qs.order_by("path")


def with_child_counts(qs: QuerySet[Agency]) -> QuerySet[Agency]:
    """Annotate ``n_children``: the active agencies directly under each one. A visible agency's
    whole subtree is visible, so the count needs no further scoping."""
    children = (
        Agency.objects.filter(active_q(), path__startswith=OuterRef("path"), depth=OuterRef("depth") + 1)
        .order_by()
        .values("depth")
        .annotate(n=Count("id"))
        .values("n")
    )
    return qs.annotate(n_children=Subquery(children, output_field=IntegerField()))


def breadcrumb(user: Any, agency: Agency) -> list[tuple[Agency, bool]]:
    """The ancestors of ``agency`` from the root down, each with whether the user may open it."""
    return [(a, user.scope.reads(a.path)) for a in ancestors(agency)]


def history(user: Any, agency: Agency) -> dict[str, list[tuple[Agency, bool]]]:
    """Predecessors and successors (mergers, splits), each with whether the user may open it."""
    return {
        "predecessors": [(a, user.scope.reads(a.path)) for a in agency.predecessors.order_by("path")],
        "successors": [(a, user.scope.reads(a.path)) for a in agency.successors.order_by("path")],
    }
