from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from resmon.core.access import visible_to

from .models import AuditEntry


def entries_for(user: Any, *, object_type: str, object_id: Any) -> QuerySet[AuditEntry]:
    """The audit trail of one object, as far as the user's scope reaches."""
    return visible_to(user, AuditEntry.objects.filter(object_type=object_type, object_id=str(object_id)))
