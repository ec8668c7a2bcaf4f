"""Reads of restructuring events; every one starts from the user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from resmon.agencies.models import Agency
from resmon.core.access import visible_to

from .models import RestructuringEvent


def events_visible(user: Any) -> QuerySet[RestructuringEvent]:
    """Events touching an agency in the user's scope, newest first."""
    return (
        visible_to(user, RestructuringEvent.objects.all())
        .select_related("created_by")
        .prefetch_related("sources", "results")
        .order_by("-effective_on", "-id")
    )


def events_of(user: Any, agency: Agency) -> QuerySet[RestructuringEvent]:
    """The mergers and splits ``agency`` took part in, as a former or a resulting agency."""
    ids = RestructuringEvent.objects.filter(Q(sources=agency) | Q(results=agency)).values("pk")
    return events_visible(user).filter(pk__in=ids)
