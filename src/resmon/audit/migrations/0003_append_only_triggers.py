"""Triggers that make the audit table append-only (SQLite and PostgreSQL); see audit.protection."""

from django.db import migrations

from resmon.audit import protection


def install(apps, schema_editor):
    protection.install_triggers(schema_editor.connection)


def drop(apps, schema_editor):
    protection.drop_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_chain_seal_and_verification")]

    operations = [migrations.RunPython(install, drop, elidable=False)]
