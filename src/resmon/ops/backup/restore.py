"""``restore()``: an archive of ``backup()`` into an empty database (and an empty uploads folder),
then the proof that it is the same data: every table's row count and the audit chain's head equal
the manifest, the chain verifies, every uploaded file has its size and SHA-256. The printed check
is the record of the restore (nothing is written to the restored database).

Nothing is changed until the archive has been read whole and its files match the manifest."""

from __future__ import annotations

import json
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from resmon.audit import sealing
from resmon.audit.models import AuditEntry

from . import postgres, sqlite
from .manifest import FORMAT, MANIFEST, MEDIA, OpsError, any_file, quote, sha256_file

VENDOR_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Restored:
    manifest: dict[str, Any]
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


def read_manifest(archive: Path) -> dict[str, Any]:
    """The manifest (the archive's first member), without unpacking the rest."""
    if not archive.is_file():
        raise OpsError(f"{archive}: no such file")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            first = tar.next()
            fh = tar.extractfile(first) if first is not None and first.name == MANIFEST else None
            if fh is None:
                raise OpsError(f"{archive} is not a Resmon backup: it does not start with {MANIFEST}")
            manifest = json.loads(fh.read())
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        raise OpsError(f"{archive} cannot be read as a Resmon backup: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise OpsError(f"{archive}: backup format {manifest.get('format')!r} is not {FORMAT}")
    return manifest


def _refuse_unless_empty(force: bool) -> None:
    tables = connection.introspection.table_names()
    media = any_file(Path(settings.MEDIA_ROOT))
    if force or not (tables or media):
        return
    where = []
    if tables:
        where.append(f"the database {connection.settings_dict['NAME']} has {len(tables)} tables")
    if media:
        where.append(f"the uploads folder {settings.MEDIA_ROOT} has files")
    raise OpsError(
        f"Refusing to restore: {' and '.join(where)}. Restore into an empty database and an empty "
        "uploads folder (create a new database, point DATABASE_URL, or SQLITE_PATH, at it and run "
        "restore again), or add --force to replace what is there."
    )


def _unpack(archive: Path, manifest: dict[str, Any], staging: Path) -> None:
    """Unpack the database file and the uploads, and check each against the manifest."""
    db_file = manifest["database"]["file"]
    with tarfile.open(archive, "r:gz") as tar:
        members = []
        for member in tar:
            if member.name not in (MANIFEST, db_file) and not member.name.startswith(f"{MEDIA}/"):
                raise OpsError(f"{archive}: unexpected member {member.name!r}")
            members.append(member)
        tar.extractall(staging, members=members, filter="data")
    if sha256_file(staging / db_file) != manifest["database"]["sha256"]:
        raise OpsError(f"{archive}: the database file is damaged (its SHA-256 differs from the manifest)")
    bad = _media_differences(staging / MEDIA, manifest["media"])
    if bad:
        raise OpsError(f"{archive}: {len(bad)} uploaded files are missing or damaged, e.g. {bad[0]}")


def _media_differences(root: Path, files: list[dict[str, Any]]) -> list[str]:
    bad = []
    for item in files:
        path = root / item["path"]
        if not path.is_file() or path.stat().st_size != item["size"] or sha256_file(path) != item["sha256"]:
            bad.append(item["path"])
    return bad


def _move_media(source: Path, files: list[dict[str, Any]]) -> None:
    target = Path(settings.MEDIA_ROOT)
    for item in files:
        dest = target / item["path"]
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(source / item["path"], dest)


def restore(archive: Path, *, force: bool = False) -> Restored:
    archive = Path(archive)
    manifest = read_manifest(archive)
    vendor = connection.vendor
    if manifest["vendor"] != vendor:
        raise OpsError(
            f"This backup is of a {VENDOR_NAMES.get(manifest['vendor'], manifest['vendor'])} database; "
            f"the configured database is {VENDOR_NAMES.get(vendor, vendor)} (DATABASE_URL)."
        )
    _refuse_unless_empty(force)
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=media_root.parent, prefix=".restore-") as tmp:
        staging = Path(tmp)
        _unpack(archive, manifest, staging)
        db_file = staging / manifest["database"]["file"]
        if vendor == "postgresql":
            connection.close()
            postgres.restore(connection.settings_dict, db_file, staging, clean=force)
        else:
            sqlite.restore(connection, db_file)
        connection.close()
        _move_media(staging / MEDIA, manifest["media"])
    return check(manifest)


# --- the proof ---------------------------------------------------------------------------------


def check(manifest: dict[str, Any]) -> Restored:
    """Compare the database and the uploads with the manifest."""
    result = Restored(manifest)
    result.checks.append(_check_counts(manifest["counts"]))
    if manifest.get("audit") is not None:
        result.checks.append(_check_audit(manifest["audit"], result.notes))
    bad = _media_differences(Path(settings.MEDIA_ROOT), manifest["media"])
    n = len(manifest["media"])
    detail = f"{n} files, sizes and SHA-256 equal the manifest"
    if bad:
        detail = f"differ: {', '.join(bad[:5])}"
    result.checks.append(Check("uploaded files", not bad, detail))
    result.notes.extend(_migration_notes())
    return result


def _check_counts(expected: dict[str, int]) -> Check:
    existing = set(connection.introspection.table_names())
    wrong = []
    with connection.cursor() as cursor:
        for table, want in expected.items():
            if table not in existing:
                wrong.append(f"{table}: missing")
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - a table name, quoted
            got = cursor.fetchone()[0]
            if got != want:
                wrong.append(f"{table}: {want} in the backup, {got} restored")
    if wrong:
        return Check("row counts", False, "; ".join(wrong))
    rows = sum(expected.values())
    return Check("row counts", True, f"{len(expected)} tables, {rows} rows: every count equals the manifest")


def _check_audit(expected: dict[str, Any], notes: list[str]) -> Check:
    result = sealing.verify(use_checkpoint=False)
    if result.problem is not None and result.problem.get("code") == "stale":
        # rows the sealer had not sealed at the backup: it seals them when it runs again
        notes.append(sealing.describe(result.problem))
    elif result.problem is not None:
        return Check("audit chain", False, sealing.describe(result.problem))
    head_seq = result.head_seq or 0
    head_hash = (
        AuditEntry.objects.filter(seq=head_seq).values_list("row_hash", flat=True).first() if head_seq else ""
    )
    if (head_seq, head_hash or "") != (expected["head_seq"], expected["head_hash"]):
        return Check(
            "audit chain",
            False,
            f"the chain ends at row {head_seq} ({(head_hash or '')[:12]}), the manifest at row "
            f"{expected['head_seq']} ({expected['head_hash'][:12]})",
        )
    checkpoint, _bad = sealing.latest_checkpoint()
    if checkpoint is not None and checkpoint["seq"] > head_seq:
        notes.append(
            f"the checkpoint file {sealing.checkpoint_path()} describes a longer chain (row "
            f"{checkpoint['seq']}): move it aside, then run `manage.py verify_audit --checkpoint`"
        )
    return Check(
        "audit chain",
        True,
        f"{result.rows} rows verified; the head, row {head_seq} ({(head_hash or '')[:12]}), "
        "is the manifest's",
    )


def _migration_notes() -> list[str]:
    loader = MigrationLoader(connection)
    applied = set(loader.applied_migrations)
    known = set(loader.graph.nodes)
    notes = []
    if newer := sorted(f"{app}.{name}" for app, name in applied - known):
        notes.append(
            f"the backup has migrations this code does not know ({', '.join(newer[:3])}…): "
            "restore it with the newer code"
        )
    if pending := sorted(f"{app}.{name}" for app, name in known - applied):
        notes.append(f"{len(pending)} migrations of this code are not applied yet: run `manage.py migrate`")
    return notes
