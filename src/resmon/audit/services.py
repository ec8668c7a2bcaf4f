"""record(): the one way an audit row is written, inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from resmon.core import classified, clock

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
    """Append one audit row. Must be called inside the writing transaction.

    Every write a person makes records its row here, so this is also the last guard of the rule
    that content classified Mật or above is never stored (resmon.core.classified): a write whose
    recorded values or reason carry a classification mark is refused (ValidationFailed, code
    "classified") and its transaction rolled back, whichever path it came by."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must run inside the writing transaction")
    actor_ok = actor is not None and getattr(actor, "is_authenticated", False)
    if actor_ok:
        marked = classified.marked_fields(after if isinstance(after, dict) else {"after": after})
        if classified.mark_in_text(reason):
            marked.append("reason")
        if marked:
            raise classified.refusal(marked)
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


def run_verification(actor: Any = None, *, start_seq: int | None = None) -> Any:
    """Verify the chain now and keep the result (the verification page shows the latest).

    ``actor`` None is the system (the ``verify_audit`` command); a person must be a system
    administrator. The run itself is audited."""
    from resmon.core.access import Role
    from resmon.core.errors import PermissionRefused

    from . import sealing
    from .models import AuditVerification

    if actor is not None and getattr(actor, "role", None) != Role.SYSTEM_ADMIN:
        raise PermissionRefused(_("Only a system administrator may verify the audit log."))
    started = clock.now()
    result = sealing.verify(start_seq=start_seq)
    with transaction.atomic():
        run = AuditVerification.objects.create(
            started_at=started,
            duration_ms=int(result.seconds * 1000),
            ok=result.ok,
            rows=result.rows,
            head_seq=result.head_seq,
            unsealed=result.unsealed,
            problem=result.problem,
            notes=result.notes,
            run_by=actor.get_username() if actor is not None else "system",
        )
        record(
            actor,
            "audit.verified",
            run,
            object_repr=f"{'OK' if result.ok else 'FAILED'} #{result.head_seq or 0}",
            after={
                "ok": result.ok,
                "rows": result.rows,
                "head_seq": result.head_seq,
                "problem": result.problem,
            },
        )
    return run
