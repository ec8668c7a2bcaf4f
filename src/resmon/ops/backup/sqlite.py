"""SQLite: the online backup API (a consistent copy while the site runs), both ways."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from .manifest import database_facts

TABLES_SQL = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"


def dump(connection: Any, target: Path) -> dict[str, Any]:
    """Copy the database behind the Django ``connection`` to ``target``; the manifest's facts,
    read from the copy."""
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        cursor = copy.cursor()
        tables = [name for (name,) in cursor.execute(TABLES_SQL).fetchall()]
        facts = database_facts(cursor, tables)
        facts["server_version"] = sqlite3.sqlite_version
    finally:
        copy.close()
    return facts


def restore(connection: Any, source: Path) -> None:
    """Replace the whole database behind the Django ``connection`` with the copy at ``source``."""
    connection.ensure_connection()
    copy = sqlite3.connect(source)
    try:
        copy.backup(connection.connection)
    finally:
        copy.close()
