"""Restore an archive of `manage.py backup` into an empty database, then check it against the
archive's manifest (exit code 1 when anything differs)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from resmon.ops.backup.manifest import OpsError
from resmon.ops.backup.restore import restore


class Command(BaseCommand):
    help = "Restore a backup archive into an empty database and uploads folder, and check it."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force", action="store_true", help="restore over a database or uploads folder that is not empty"
        )

    def handle(self, *args, archive: Path, force: bool, **options):
        try:
            result = restore(archive, force=force)
        except OpsError as exc:
            raise CommandError(str(exc)) from exc
        m = result.manifest
        self.stdout.write(
            f"restored {archive.name}: made {m['created_at']} by Resmon {m['resmon_version']} "
            f"({m['vendor']} {m.get('server_version') or ''})".rstrip()
        )
        for check in result.checks:
            self.stdout.write(f"{check.name}: {'OK' if check.ok else 'DIFFERS'}: {check.detail}")
        for note in result.notes:
            self.stdout.write(f"note: {note}")
        if not result.ok:
            self.stderr.write("RESTORE CHECK FAILED: the restored data differs from the backup's manifest")
            raise SystemExit(1)
        self.stdout.write("RESTORE CHECK OK: the restored data equals the backup's manifest")
