"""Retry-safe writes: the same ``Idempotency-Key`` returns the first result again.

A client (the API's ``Idempotency-Key`` header, or the pages' hidden ``idempotency_key`` field
rendered once with the form) may send the same write twice: a double click, a lost answer. The
first request runs; the key is stored with the id of what it produced, in the same transaction.
A retry with the same key and the same request gets that object back, without running the write
again and without a second audit row. The same key with another request is refused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resmon.core.errors import Conflict, ValidationFailed

from ..models import IdempotencyKey

T = TypeVar("T", bound=models.Model)

KEY_MAX = 100
_CLAIM_SQL = (
    'INSERT INTO "reporting_idempotencykey" ("user_id", "key", "action", "request_hash", "created_at") '
    'VALUES (%s, %s, %s, %s, %s) ON CONFLICT ("user_id", "key") DO NOTHING RETURNING "id"'
)


def request_hash(action: str, payload: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of (action, payload)."""
    text = json.dumps(
        {"action": action, "payload": payload},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        cls=DjangoJSONEncoder,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(row: IdempotencyKey, action: str, digest: str, model: type[T]) -> T | None:
    if row.action != action or row.request_hash != digest:
        raise Conflict(
            _(
                "This request key was already used for a different request. Reload the page (or "
                "send a new Idempotency-Key) and try again."
            ),
            code="idempotency_key_reused",
        )
    if row.object_id is None:
        return None
    return model._default_manager.get(pk=row.object_id)


def _claim(user_id: int, key: str, action: str, digest: str) -> int | None:
    """Insert the key in one statement (the deadline-day path: no read first, no savepoint); its id,
    or None when the user already has this key. A concurrent insert of the same key waits for the
    other transaction and then finds it there."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, [user_id, key, action, digest, now])
        row = cursor.fetchone()
    return row[0] if row else None


def once(
    actor: Any,
    key: str,
    action: str,
    payload: dict[str, Any],
    fn: Callable[[], T],
    *,
    model: type[T],
) -> T:
    """Run ``fn`` once per (actor, key).

    * empty key: just call ``fn()``;
    * key seen before with the same ``action`` and ``payload``: return the stored object
      (``model`` re-fetched by id) without calling ``fn``;
    * key seen before with another action or payload: Conflict(code="idempotency_key_reused");
    * new key: call ``fn()`` and store the key with the object's id in the same transaction.

    The key row is inserted before ``fn`` runs, so a concurrent request with the same key waits on
    the unique constraint and then replays the first one's result. If ``fn`` raises, the key is
    rolled back with everything else (the caller's transaction, or the one opened here)."""
    key = (key or "").strip()
    if not key:
        return fn()
    if len(key) > KEY_MAX:
        raise ValidationFailed(
            _("The request key is too long (at most %(n)s characters).") % {"n": KEY_MAX},
            field="idempotency_key",
        )
    digest = request_hash(action, payload)
    with transaction.atomic(savepoint=False):
        claimed = _claim(actor.pk, key, action, digest)
        if claimed is None:
            # the key was used before, or is being used by a concurrent request whose commit the
            # insert waited for: replay its result
            row = IdempotencyKey.objects.get(user_id=actor.pk, key=key)
            return _replay(row, action, digest, model)  # type: ignore[return-value]
        obj = fn()
        IdempotencyKey.objects.filter(pk=claimed).update(object_id=obj.pk if obj is not None else None)
        return obj
