"""Database triggers that keep the audit table append-only, on SQLite and PostgreSQL.

* INSERT: a new row must be unsealed (no seq, hashes or sealed_at): only the sealer seals.
* UPDATE: refused, except the sealing one: a still unsealed row gets seq, prev_hash, row_hash and
  sealed_at, and nothing else changes.
* DELETE: refused.

On PostgreSQL, TRUNCATE does not fire row triggers; the application's role has no TRUNCATE
privilege (docs/operations.md, "Audit log: two database roles"). The migration installs the
triggers; tests that tamper with the log on purpose drop them with :func:`triggers_disabled`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

TABLE = "audit_auditentry"
CONTENT_COLUMNS = (
    "id",
    "at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "agency_path",
    '"before"',
    '"after"',
    "reason",
)
MSG_DELETE = "audit log is append-only: rows cannot be deleted"
MSG_UPDATE = "audit log is append-only: only the sealer may seal an unsealed row"
MSG_INSERT = "audit log: a new row must be unsealed"

_sqlite_changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in CONTENT_COLUMNS)
SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_entry_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MSG_DELETE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_entry_seal_only BEFORE UPDATE ON {TABLE}
    WHEN OLD.seq IS NOT NULL OR OLD.sealed_at IS NOT NULL OR OLD.row_hash <> ''
      OR NEW.seq IS NULL OR NEW.sealed_at IS NULL OR {_sqlite_changed}
    BEGIN SELECT RAISE(ABORT, '{MSG_UPDATE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_entry_insert_unsealed BEFORE INSERT ON {TABLE}
    WHEN NEW.seq IS NOT NULL OR NEW.sealed_at IS NOT NULL OR NEW.row_hash <> '' OR NEW.prev_hash <> ''
    BEGIN SELECT RAISE(ABORT, '{MSG_INSERT}'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_entry_no_delete",
    "DROP TRIGGER IF EXISTS audit_entry_seal_only",
    "DROP TRIGGER IF EXISTS audit_entry_insert_unsealed",
]

_pg_old = ", ".join(f"OLD.{c}" for c in CONTENT_COLUMNS)
_pg_new = ", ".join(f"NEW.{c}" for c in CONTENT_COLUMNS)
POSTGRES_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION audit_entry_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION '{MSG_DELETE}' USING ERRCODE = 'restrict_violation';
  ELSIF TG_OP = 'INSERT' THEN
    IF NEW.seq IS NOT NULL OR NEW.sealed_at IS NOT NULL OR NEW.row_hash <> '' OR NEW.prev_hash <> '' THEN
      RAISE EXCEPTION '{MSG_INSERT}' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF OLD.seq IS NOT NULL OR OLD.sealed_at IS NOT NULL OR OLD.row_hash <> ''
     OR NEW.seq IS NULL OR NEW.sealed_at IS NULL
     OR ROW({_pg_new}) IS DISTINCT FROM ROW({_pg_old}) THEN
    RAISE EXCEPTION '{MSG_UPDATE}' USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$""",
    f"DROP TRIGGER IF EXISTS audit_entry_guard ON {TABLE}",
    f"""CREATE TRIGGER audit_entry_guard BEFORE INSERT OR UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_entry_guard()""",
]
POSTGRES_DROP = [f"DROP TRIGGER IF EXISTS audit_entry_guard ON {TABLE}"]


def _statements(vendor: str, install: bool) -> list[str]:
    if vendor == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_DROP
    if vendor == "postgresql":
        return POSTGRES_INSTALL if install else POSTGRES_DROP
    return []  # other databases: no triggers (only SQLite and PostgreSQL are supported)


def install_triggers(connection) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, True):
            cursor.execute(sql)


def drop_triggers(connection) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, False):
            cursor.execute(sql)


@contextlib.contextmanager
def triggers_disabled(connection) -> Iterator[None]:
    """Drop the triggers for the duration of the block (the database owner's flush; tests)."""
    drop_triggers(connection)
    try:
        yield
    finally:
        install_triggers(connection)
