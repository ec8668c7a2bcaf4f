"""Shared steps of the stored documents' tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from resmon.audit.models import AuditEntry
from resmon.exports.models import StoredDocument
from resmon.exports.stored import building
from resmon.exports.stored import services as stored


def audit(action: str):
    return AuditEntry.objects.filter(action=action, object_type="exports.storeddocument")


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in Path(root).rglob("*") if p.is_file()) if Path(root).exists() else []


def ask(world, username: str, fmt: str = "xlsx", **filters: Any) -> StoredDocument:
    return stored.request_overview_document(world.users[username], fmt, **filters)


def made(doc: StoredDocument) -> StoredDocument:
    """Run the document's job (as the worker would) and re-read it."""
    building.build(doc.pk)
    return StoredDocument.objects.get(pk=doc.pk)


def read(world, username: str, doc: StoredDocument) -> bytes:
    _doc, handle = stored.download_stored(world.users[username], doc.pk)
    with handle:
        return handle.read()


def parts(content: bytes) -> dict[str, bytes]:
    """An Office file's parts (its zip members). openpyxl stamps each worksheet's zip entry with the
    wall clock of the moment it was written, so two identical workbooks made seconds apart differ
    in those timestamps only: compare the parts, byte for byte."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return {name: z.read(name) for name in z.namelist()}
