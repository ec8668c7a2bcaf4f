"""Personal API tokens: created, listed, revoked and checked here.

Only the SHA-256 of a token is stored; the secret (``rsm_`` + 43 URL-safe characters) is shown
to its owner once, when it is created. A token works while it is not revoked, not expired and
its user is active.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from resmon.audit import selectors as audit
from resmon.audit.services import record
from resmon.core import clock
from resmon.core.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from resmon.core.storage import is_storage_full

from .models import ApiToken, User, hash_token

TOKEN_PREFIX = "rsm_"
NAME_MAX = 100
# last_used_at is written at most this often, so a busy client does not write on every request
LAST_USED_GRANULARITY = dt.timedelta(minutes=1)
CACHE = "local"
KEEP_SECONDS = 60


def _agency_path(user: Any) -> str:
    return user.agency.path if getattr(user, "agency_id", None) else ""


def _audit_view(token: ApiToken) -> dict[str, Any]:
    return {
        "name": token.name,
        "prefix": token.prefix,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
    }


def create_token(
    user: Any, name: str, expires_at: dt.datetime | None = None, *, confirmed: bool = False
) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the stored token and the raw secret (shown once).
    ``confirmed``: issued for the password (and code) typed just now (POST /api/v1/auth/token), which
    counts as "confirm it is you" like a sign-in does (accounts.reauth)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionRefused(_("Sign in with an active account to create an API token."))
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Give the token a name, e.g. the program that will use it."), field="name")
    if len(name) > NAME_MAX:
        raise ValidationFailed(
            _("The name may be at most %(n)d characters long.") % {"n": NAME_MAX}, field="name"
        )
    if expires_at is not None:
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=clock.tz())
        if expires_at <= clock.now():
            raise ValidationFailed(_("The expiry date must be in the future."), field="expires_at")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=raw[:8],
            key_hash=hash_token(raw),
            expires_at=expires_at,
            confirmed_at=clock.now() if confirmed else None,
        )
        record(
            user,
            "accounts.token_created",
            token,
            after=_audit_view(token),
            agency_path=_agency_path(user),
        )
    return token, raw


def revoke_token(user: Any, token_id: Any) -> ApiToken:
    """Revoke one of the user's own tokens; another user's token is "not found"."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionRefused(_("Sign in to manage your API tokens."))
    with transaction.atomic():
        try:
            token = ApiToken.objects.select_for_update(of=("self",)).get(pk=int(token_id), user_id=user.pk)
        except (ApiToken.DoesNotExist, ValueError, TypeError):
            raise NotFound(_("Not found, or you do not have access to it.")) from None
        if token.revoked_at is not None:
            raise Conflict(_("This token has already been revoked."), code="already_revoked")
        before = _audit_view(token)
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        record(
            user,
            "accounts.token_revoked",
            token,
            before=before,
            after=_audit_view(token),
            agency_path=_agency_path(user),
        )
    return token


def token_for(raw: str | None) -> ApiToken | None:
    """The token of a raw secret, with its active user, or None (unknown, revoked or expired).

    The token with its user, agency and scope is kept per process while no write has happened
    since: the audit head is in the key, and revoking a token, confirming it (accounts.reauth),
    deactivating a user or changing a grant are audited writes. A client calling again and again
    costs one small query, not four."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    key_hash = hash_token(raw)
    store, name = caches[CACHE], f"token:{key_hash}:{audit.head()}"
    token, keep = store.get(name), False
    if token is None:
        token = ApiToken.objects.select_related("user", "user__agency").filter(key_hash=key_hash).first()
        if token is None:
            return None
        token.user.scope  # noqa: B018 - computed once, kept with the token
        keep = True
    now = clock.now()
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRANULARITY:
        _stamp(token, now)
        token.last_used_at, keep = now, True
    if keep:
        store.set(name, token, KEEP_SECONDS)
    return token


def _stamp(token: ApiToken, now: dt.datetime) -> None:
    """Write when the token was last used; on a full database disk the request goes on without it
    (reads still answer; a write then answers 507 on its own)."""
    try:
        with transaction.atomic():
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    except DatabaseError as exc:
        if not is_storage_full(exc):
            raise


def authenticate_token(raw: str | None) -> User | None:
    """The active user a raw token belongs to, or None (see :func:`token_for`)."""
    token = token_for(raw)
    return token.user if token is not None else None


def mark_confirmed(token: ApiToken) -> dt.datetime:
    """Its holder has just confirmed it is them: the token may make sensitive requests for
    RESMON_REAUTH_MINUTES. Called inside the transaction that records the confirmation, whose
    audit row moves the audit head, so no process goes on with the unconfirmed token it cached."""
    now = clock.now()
    ApiToken.objects.filter(pk=token.pk).update(confirmed_at=now)
    token.confirmed_at = now
    return now


def confirmed_recently(token: ApiToken) -> bool:
    at = token.confirmed_at
    return at is not None and clock.now() - at <= dt.timedelta(minutes=settings.RESMON_REAUTH_MINUTES)


def list_tokens(user: Any) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first (only the prefix of each is known)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user_id=user.pk).order_by("-created_at", "-id")


def is_usable(token: ApiToken) -> bool:
    return token.revoked_at is None and (token.expires_at is None or token.expires_at > clock.now())
