"""The reader the schedule builds its documents as: the system itself, with the whole country in
scope. It is not a user: it cannot sign in, owns no agency, and the audit log records its acts as
"system"; it only reads, through the same selectors (and so the same scope rule) as a person."""

from __future__ import annotations

from dataclasses import dataclass, field

from resmon.core.access import Role, Scope

SYSTEM_NAME = "Hệ thống Resmon (tự động)"  # printed on the documents it prepares (they are Vietnamese)


@dataclass(frozen=True)
class SystemReader:
    """Nationwide read scope (``Scope(role=SYSTEM_ADMIN)``) for ``visible_to`` and the dashboards."""

    scope: Scope = field(default_factory=lambda: Scope(role=Role.SYSTEM_ADMIN))
    is_authenticated: bool = True
    is_active: bool = True
    agency: None = None
    agency_id: None = None
    pk: None = None
    role: str = Role.SYSTEM_ADMIN
    display_name: str = SYSTEM_NAME

    def __str__(self) -> str:
        return SYSTEM_NAME


SYSTEM_READER = SystemReader()
