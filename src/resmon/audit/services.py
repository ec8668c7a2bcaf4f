"""record(): the one way an audit row is written, inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models, transaction

from resmon.core import clock

from .models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of ``obj`` (foreign keys as ids), for before/after."""
    out: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if fields is not None and f.name not in fields:
            continue
        if f.name in {"password"}:
            continue
        out[f.attname] = _plain(getattr(obj, f.attname))
    return out


def record(
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    *,
    before: Any = None,
    after: Any = None,
    agency_path: str = "",
    reason: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEntry:
    """Append one audit row. Must be called inside the writing transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must run inside the writing transaction")
    actor_ok = actor is not None and getattr(actor, "is_authenticated", False)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:300]
    return AuditEntry.objects.create(
        at=clock.now(),
        actor_id=actor.pk if actor_ok else None,
        actor_name=(actor.get_username() if actor_ok else "system"),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:300],
        agency_path=agency_path,
        before=_plain(before),
        after=_plain(after),
        reason=reason,
    )
