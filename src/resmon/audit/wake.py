"""A PostgreSQL NOTIFY on ``CHANNEL`` after every statement that adds audit rows (a trigger), so
the sealer (``fold_rollups --loop --seal``, listening through ``core.loops``) starts its round
when a write commits instead of at the end of its interval: an approval reaches the dashboards
sooner. PostgreSQL delivers a notification only when its transaction commits. SQLite: nothing
(the sealer keeps its interval)."""

from __future__ import annotations

CHANNEL = "resmon_audit"
TABLE = "audit_auditentry"

POSTGRES_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION audit_entry_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('{CHANNEL}', '');
  RETURN NULL;
END $$""",
    f"DROP TRIGGER IF EXISTS audit_entry_notify ON {TABLE}",
    f"""CREATE TRIGGER audit_entry_notify AFTER INSERT ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_notify()""",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS audit_entry_notify ON {TABLE}",
    "DROP FUNCTION IF EXISTS audit_entry_notify()",
]


def install(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_INSTALL:
            schema_editor.execute(sql)


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_DROP:
            schema_editor.execute(sql)
