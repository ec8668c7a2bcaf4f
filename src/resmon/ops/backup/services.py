"""``backup()``: one archive (tar.gz, mode 0600: it holds password hashes) with the manifest, the
database dump and the uploaded files; recorded in the audit log."""

from __future__ import annotations

import datetime as dt
import json
import os
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.db import connection, transaction

from resmon.audit import sealing
from resmon.audit.services import record
from resmon.core import clock

from . import postgres, sqlite
from .manifest import FORMAT, MANIFEST, MEDIA, OpsError, app_version, media_files, sha256_file

PREFIX = "resmon-backup-"
SUFFIX = ".tar.gz"
DATABASE_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}


def _archive_path(output: Path, now: dt.datetime) -> Path:
    base = f"{PREFIX}{now.astimezone(clock.tz()):%Y%m%d-%H%M%S}"
    path, n = output / f"{base}{SUFFIX}", 1
    while path.exists():
        n += 1
        path = output / f"{base}-{n}{SUFFIX}"
    return path


def _dump_database(workdir: Path) -> tuple[str, dict[str, Any]]:
    vendor = connection.vendor
    if vendor not in DATABASE_FILES:
        raise OpsError(f"backups support PostgreSQL and SQLite, not {vendor}")
    name = DATABASE_FILES[vendor]
    if vendor == "postgresql":
        facts = postgres.dump(connection.settings_dict, workdir / name, workdir)
    else:
        facts = sqlite.dump(connection, workdir / name)
    return name, facts


def backup(output: Path | None = None, *, keep: int | None = None) -> tuple[Path, dict[str, Any]]:
    """Write one archive into ``output`` (default BACKUP_DIR); its path and its manifest.
    ``keep``: afterwards remove the oldest archives of that folder beyond this many."""
    output = Path(output or settings.BACKUP_DIR)
    output.mkdir(parents=True, exist_ok=True)
    sealing.seal()  # the committed audit rows join the chain first: the manifest names its head
    now = clock.now()
    final = _archive_path(output, now)
    with tempfile.TemporaryDirectory(dir=output, prefix=".backup-") as tmp:
        workdir = Path(tmp)
        db_file, facts = _dump_database(workdir)
        media_root = Path(settings.MEDIA_ROOT)
        media = media_files(media_root)
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "resmon_version": app_version(),
            "django_version": django.get_version(),
            "vendor": connection.vendor,
            "server_version": facts.pop("server_version", None),
            "database": {"file": db_file, "sha256": sha256_file(workdir / db_file)},
            **facts,
            "media": media,
        }
        (workdir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        partial = workdir / (final.name + ".partial")  # removed with the folder if anything fails
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh, tarfile.open(fileobj=fh, mode="w:gz", compresslevel=1) as tar:
            tar.add(workdir / MANIFEST, arcname=MANIFEST)  # first: read without unpacking the rest
            tar.add(workdir / db_file, arcname=db_file)
            for item in media:
                tar.add(media_root / item["path"], arcname=f"{MEDIA}/{item['path']}")
        os.replace(partial, final)
    removed = prune(output, keep) if keep else []
    _record(final, manifest, removed)
    return final, manifest


def prune(output: Path, keep: int) -> list[str]:
    """Remove the oldest archives of ``output`` beyond the newest ``keep``; their names."""
    archives = sorted(output.glob(f"{PREFIX}*{SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True)
    removed = []
    for old in archives[max(keep, 1) :]:
        old.unlink()
        removed.append(old.name)
    return removed


def _record(path: Path, manifest: dict[str, Any], removed: list[str]) -> None:
    audit = manifest.get("audit") or {}
    with transaction.atomic():
        record(
            None,
            "ops.backup",
            object_type="ops.backup",
            object_id=path.name[:64],
            object_repr=str(path)[:300],
            after={
                "file": path.name,
                "bytes": path.stat().st_size,
                "sha256": sha256_file(path),
                "vendor": manifest["vendor"],
                "tables": len(manifest["counts"]),
                "rows": sum(manifest["counts"].values()),
                "audit_head_seq": audit.get("head_seq"),
                "media_files": len(manifest["media"]),
                "removed": removed,
            },
        )
