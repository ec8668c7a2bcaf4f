"""Writing files when the disk may be full, and recognising a full disk behind any error.

A full disk (the media files' or the database's) must give the person a clear message and leave
nothing half-done: :func:`save_file` removes what a failed save wrote and raises
:class:`~resmon.core.errors.StorageFull` (507, "storage_full") with :data:`STORAGE_FULL_MESSAGE`;
:func:`is_storage_full` recognises the same condition in an OSError, SQLite's "database or disk
is full" and PostgreSQL's disk_full (53100), also behind Django's database error wrappers, so the
API and the pages can answer it the same way (crash and concurrency drills: bench/drill_disk.py).
"""

from __future__ import annotations

import errno
import logging
from typing import Any

from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _

from .errors import StorageFull

log = logging.getLogger(__name__)

STORAGE_FULL_MESSAGE = _(
    "The server has no room left to store data, so nothing was saved. Tell the system "
    "administrator, and try again once space has been freed."
)
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_SQLITE_FULL = 13  # SQLITE_FULL
_PG_DISK_FULL = "53100"  # disk_full
_FULL_TEXTS = ("database or disk is full", "no space left on device")


def is_storage_full(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or an exception it was raised from) says the disk is full."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, StorageFull):
            return True
        if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
            return True
        if (
            getattr(exc, "sqlite_errorcode", None) == _SQLITE_FULL
            or getattr(exc, "sqlstate", None) == _PG_DISK_FULL
        ):
            return True
        if any(text in str(exc).lower() for text in _FULL_TEXTS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def storage_full() -> StorageFull:
    """The error to raise, its message in the active language."""
    return StorageFull(str(STORAGE_FULL_MESSAGE))


def save_file(name: str, content: Any, size: int | None = None) -> str:
    """``default_storage.save(name, content)``, never leaving a partial file behind: when the save
    fails, or the stored file is shorter than ``size`` (a short write the storage did not report),
    the file is removed again; a full disk raises StorageFull, any other OSError is re-raised.
    ``name`` must be new (the callers name files with a random uuid)."""
    existed = default_storage.exists(name)
    try:
        stored = default_storage.save(name, content)
    except OSError as exc:
        if not existed:
            _remove(name)
        if is_storage_full(exc):
            log.warning("the disk is full: %s was not stored (%s)", name, exc)
            raise storage_full() from exc
        raise
    written = default_storage.size(stored) if size is not None else None
    if written != size:
        _remove(stored)
        log.warning("%s was stored short (%s of %s bytes): removed", stored, written, size)
        raise storage_full()
    return stored


def _remove(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:
        log.exception("could not remove the partial file %s", name)
