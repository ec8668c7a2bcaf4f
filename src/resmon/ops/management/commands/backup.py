"""Back up the database and the uploaded files into one archive (docs/operations.md, "Backups")."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from resmon.ops.backup.manifest import OpsError
from resmon.ops.backup.services import backup


class Command(BaseCommand):
    help = "Write one archive (tar.gz) with the database dump, the uploaded files and a manifest."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=None, help="folder (default RESMON_BACKUP_DIR)")
        parser.add_argument(
            "--keep", type=int, default=None, help="then keep only the newest N archives there"
        )

    def handle(self, *args, output: Path | None, keep: int | None, **options):
        if keep is not None and keep < 1:
            raise CommandError("--keep must be at least 1")
        try:
            path, manifest = backup(output, keep=keep)
        except OpsError as exc:
            raise CommandError(str(exc)) from exc
        audit = manifest.get("audit") or {}
        self.stdout.write(
            f"backup: {path} ({path.stat().st_size} bytes): {len(manifest['counts'])} tables, "
            f"{sum(manifest['counts'].values())} rows, audit head row {audit.get('head_seq', 0)}, "
            f"{len(manifest['media'])} uploaded files"
        )
