from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from resmon.core import clock
from resmon.core.access import Role, visible_to

from .models import AuditEntry, AuditVerification


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


AUDITOR_ROLES = {Role.SYSTEM_ADMIN, Role.INSPECTOR}


def may_browse(user: Any) -> bool:
    """The audit log browser is for system administrators and inspectors."""
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "role", None) in AUDITOR_ROLES


def may_verify(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "role", None) == Role.SYSTEM_ADMIN


def audit_log(
    user: Any,
    *,
    action: str = "",
    object_type: str = "",
    actor: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    """The audit log as far as the user's scope reaches, newest first, filtered.

    Dates are days in the deployment's time zone, both ends included."""
    if not may_browse(user):
        return AuditEntry.objects.none()
    qs = visible_to(user, AuditEntry.objects.all())
    if action:
        qs = qs.filter(action__startswith=action)  # "planning." finds every planning action
    if object_type:
        qs = qs.filter(object_type__startswith=object_type)
    if actor:
        qs = qs.filter(actor_name__icontains=actor)
    tz = clock.tz()
    if date_from:
        qs = qs.filter(at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz))
    if date_to:
        qs = qs.filter(at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return qs.order_by("-id")


def last_verification(user: Any) -> AuditVerification | None:
    if not may_verify(user):
        return None
    return AuditVerification.objects.order_by("-started_at", "-id").first()


def recent_verifications(user: Any, limit: int = 10) -> list[AuditVerification]:
    if not may_verify(user):
        return []
    return list(AuditVerification.objects.order_by("-started_at", "-id")[:limit])


def head() -> int:
    """The id of the newest audit row (0 when there is none). Every write is audited in its own
    transaction, so this changes with every committed write: a per-process cache keyed on it is
    never older than the last write (``accounts.tokens``)."""
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
