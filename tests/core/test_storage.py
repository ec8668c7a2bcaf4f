"""Saving files when the disk is full: nothing half-written is left, the error says the disk is full
(resmon.core.storage); a full disk is recognised behind the database's errors too."""

from __future__ import annotations

import errno
import sqlite3

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import OperationalError

from resmon.core.errors import StorageFull
from resmon.core.storage import STORAGE_FULL_MESSAGE, is_storage_full, save_file
from tests.core.disk_full import files_under, fill_up


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_save_that_fills_the_disk_leaves_no_file_and_says_the_disk_is_full(media, monkeypatch):
    fill_up(monkeypatch)
    with pytest.raises(StorageFull) as caught:
        save_file("evidence/a.pdf", ContentFile(b"x" * 5000), size=5000)
    assert caught.value.status == 507 and caught.value.code == "storage_full"
    assert str(caught.value) == str(STORAGE_FULL_MESSAGE)
    assert files_under(media) == []


def test_another_file_system_error_is_raised_as_it_is_and_leaves_no_file(media, monkeypatch):
    fill_up(monkeypatch, errno=errno.EIO)
    with pytest.raises(OSError) as caught:
        save_file("evidence/a.pdf", ContentFile(b"x" * 5000))
    assert not isinstance(caught.value, StorageFull) and caught.value.errno == errno.EIO
    assert files_under(media) == []


def test_a_file_stored_short_without_an_error_is_removed(media, monkeypatch):
    original = FileSystemStorage._save
    monkeypatch.setattr(
        FileSystemStorage, "_save", lambda self, name, content: original(self, name, ContentFile(b"x" * 10))
    )
    with pytest.raises(StorageFull):
        save_file("documents/a.xlsx", ContentFile(b"x" * 5000), size=5000)
    assert files_under(media) == []


def test_a_file_that_fits_is_saved_whole(media):
    assert save_file("documents/a.xlsx", ContentFile(b"abc"), size=3) == "documents/a.xlsx"
    assert (media / "documents" / "a.xlsx").read_bytes() == b"abc"


def test_a_full_disk_is_recognised_behind_the_database_errors():
    def wrapped(cause: BaseException) -> OperationalError:
        try:
            raise OperationalError(str(cause)) from cause
        except OperationalError as exc:
            return exc

    assert is_storage_full(OSError(errno.ENOSPC, "No space left on device"))
    assert is_storage_full(wrapped(sqlite3.OperationalError("database or disk is full")))
    pg = Exception("could not extend file")
    pg.sqlstate = "53100"  # type: ignore[attr-defined]
    assert is_storage_full(wrapped(pg))
    assert not is_storage_full(wrapped(sqlite3.OperationalError("database is locked")))
    assert not is_storage_full(OSError(errno.EACCES, "Permission denied"))
    assert not is_storage_full(ValueError("no"))
