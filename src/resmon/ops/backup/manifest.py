"""What a backup says about itself (``manifest.json``, the archive's first member): when, which
version, the database's row count of every table and the head of the audit chain, read from the
very data that was dumped, and each uploaded file's size and SHA-256. A restore is checked against
it."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import Any

from django.conf import settings

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media"


class OpsError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


def app_version() -> str:
    try:
        data = tomllib.loads((Path(settings.PROJECT_DIR) / "pyproject.toml").read_text())
        return str(data["project"]["version"])
    except (OSError, KeyError, ValueError):
        return "unknown"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def database_facts(cursor: Any, tables: list[str]) -> dict[str, Any]:
    """Row counts, the audit chain's head and the latest migration of each app, through a DB-API
    cursor on the dumped data (PostgreSQL: the dump's snapshot; SQLite: the copy)."""
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - a table name, quoted
        counts[table] = int(cursor.fetchone()[0])
    facts: dict[str, Any] = {"counts": counts, "audit": None, "migrations": {}}
    if "audit_auditentry" in counts:
        cursor.execute(
            "SELECT seq, row_hash FROM audit_auditentry WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1"
        )
        head = cursor.fetchone()
        cursor.execute("SELECT COUNT(*) FROM audit_auditentry WHERE seq IS NULL")
        facts["audit"] = {
            "head_seq": int(head[0]) if head else 0,
            "head_hash": head[1] if head else "",
            "unsealed": int(cursor.fetchone()[0]),
        }
    if "django_migrations" in counts:
        cursor.execute("SELECT app, name FROM django_migrations")
        latest: dict[str, str] = {}
        for app, name in cursor.fetchall():
            latest[app] = max(latest.get(app, ""), name)
        facts["migrations"] = dict(sorted(latest.items()))
    return facts


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def media_files(root: Path) -> list[dict[str, Any]]:
    """Every regular file under ``root`` (uploads), by path relative to it, with size and SHA-256."""
    root = Path(root)
    if not root.is_dir():
        return []
    files = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            files.append(
                {
                    "path": path.relative_to(root).as_posix(),
                    "size": path.stat().st_size,
                    "sha256": sha256_file(path),
                }
            )
    return files


def any_file(root: Path) -> bool:
    root = Path(root)
    return root.is_dir() and any(p.is_file() for p in root.rglob("*"))
