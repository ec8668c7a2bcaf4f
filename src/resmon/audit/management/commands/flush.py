"""``flush`` that also empties the append-only audit table (the database owner's reset; the test
runner between transactional tests). The triggers are dropped for the flush and installed again.

On PostgreSQL, flush uses TRUNCATE, which row triggers do not see; the application's role has no
TRUNCATE privilege in production (docs/operations.md)."""

from __future__ import annotations

from django.core.management.commands.flush import Command as FlushCommand
from django.db import DEFAULT_DB_ALIAS, connections

from resmon.audit.protection import triggers_disabled


class Command(FlushCommand):
    def handle(self, **options):
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with triggers_disabled(connection):
            return super().handle(**options)
