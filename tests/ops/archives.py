"""Making and altering backup archives in the tests."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

from django.core.management import call_command

from resmon.ops.backup.restore import read_manifest


def make_backup(folder: Path, *args: str) -> tuple[Path, dict[str, Any], str]:
    """Run `manage.py backup` into ``folder``: the newest archive, its manifest, the output."""
    out = io.StringIO()
    call_command("backup", "--output", str(folder), *args, stdout=out)
    archive = max(folder.glob("resmon-backup-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return archive, read_manifest(archive), out.getvalue()


def rewrite(archive: Path, target: Path, *, manifest: dict | None = None, damage: str | None = None) -> Path:
    """A copy of ``archive`` with another manifest, or with one member's bytes changed."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(target, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read()
            if member.name == "manifest.json" and manifest is not None:
                data = json.dumps(manifest).encode()
            if member.name == damage:
                data = data[:-1] + bytes([data[-1] ^ 0xFF])
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return target
