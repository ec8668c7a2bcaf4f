from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from resmon.core.access import visible_to

from .models import AuditEntry


def entries_for(user: Any, *, object_type: str, object_id: Any) -> QuerySet[AuditEntry]:
    """The audit trail of one object, as far as the user's scope reaches."""
    return visible_to(user, AuditEntry.objects.filter(object_type=object_type, object_id=str(object_id)))


def entries_for_objects(user: Any, objects: dict[str, list[Any]]) -> QuerySet[AuditEntry]:
    """The trail of several objects at once (e.g. a task with its KPIs, milestones and extensions),
    newest first, as far as the user's scope reaches."""
    from django.db.models import Q

    q = Q(pk__in=[])
    for object_type, ids in objects.items():
        if ids:
            q |= Q(object_type=object_type, object_id__in=[str(i) for i in ids])
    return visible_to(user, AuditEntry.objects.filter(q)).order_by("-at", "-id")
