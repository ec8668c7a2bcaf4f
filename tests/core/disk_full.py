"""A disk that fills up in the middle of a save, as a full file system does: FileSystemStorage has
written the start of the file when the next write fails with ENOSPC (or another errno)."""

from __future__ import annotations

import errno as errnos
import os
from pathlib import Path

from django.core.files.base import File
from django.core.files.storage import FileSystemStorage


def fill_up(monkeypatch, *, keep: int = 64, errno: int = errnos.ENOSPC) -> None:
    """Every save through the file system storage writes ``keep`` bytes, then fails."""
    original = FileSystemStorage._save

    def _save(self, name, content):
        def chunks(chunk_size=None):
            for chunk in content.chunks():
                yield chunk[:keep]
                raise OSError(errno, os.strerror(errno))

        cut = File(content, name)
        cut.chunks = chunks  # type: ignore[method-assign]
        return original(self, name, cut)

    monkeypatch.setattr(FileSystemStorage, "_save", _save)


def files_under(root: Path) -> list[str]:
    root = Path(root)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []
