"""Domain errors: a stable code for machines and a translated message for people.

Services raise these; views show the message next to the field; the API answers with
application/problem+json. A rejected write changes nothing (services run in one transaction).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(
        self,
        message: Any,
        *,
        code: str | None = None,
        field: str | None = None,
        errors: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
    ):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.field = field
        self.errors = errors or ({field: [str(message)]} if field else {})
        self.extra = extra or {}

    def __str__(self) -> str:
        return str(self.message)


class ValidationFailed(DomainError):
    status = 400
    code = "validation_failed"


class PermissionRefused(DomainError):
    status = 403
    code = "permission_refused"


class NotFound(DomainError):
    """Also used for objects that exist but lie outside the user's scope."""

    status = 404
    code = "not_found"


class Conflict(DomainError):
    """A save against a stale version, or a duplicate."""

    status = 409
    code = "conflict"


class StorageFull(DomainError):
    """The server's disk (files or database) has no room for the write; nothing was saved."""

    status = 507
    code = "storage_full"
