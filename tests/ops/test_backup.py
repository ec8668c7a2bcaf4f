"""`manage.py backup`: one archive (manifest first, the database, the uploads), mode 0600, its
manifest read from the dumped data, an audit row; `manage.py restore` refuses a database that is
not empty, an archive of the other database kind and a damaged archive, changing nothing."""

from __future__ import annotations

import hashlib
import stat
import tarfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from resmon.agencies.models import Agency
from resmon.audit.models import AuditEntry
from resmon.audit.services import record
from resmon.planning.models import Task
from tests.ops.archives import make_backup, rewrite

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump sees committed data only

EVIDENCE = "evidence/2026/bao-cao-quy-1.pdf"
EVIDENCE_BYTES = "%PDF-1.7 Báo cáo quý 1".encode()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = settings.MEDIA_ROOT / EVIDENCE
    path.parent.mkdir(parents=True)
    path.write_bytes(EVIDENCE_BYTES)
    return settings.MEDIA_ROOT


def test_one_archive_holds_the_manifest_the_database_and_the_uploads(world, media, tmp_path):
    with transaction.atomic():
        record(None, "test.before_backup", object_type="test", object_id="1")  # not sealed yet
    archive, manifest, output = make_backup(tmp_path / "backups")

    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # it holds password hashes
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    db_file = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}[connection.vendor]
    assert names == ["manifest.json", db_file, f"media/{EVIDENCE}"]
    assert manifest["vendor"] == connection.vendor and manifest["resmon_version"] == "0.1.0"
    counts = manifest["counts"]
    assert counts["agencies_agency"] == Agency.objects.count()
    assert counts["planning_task"] == Task.objects.count() > 0
    # the backup sealed the waiting rows first: the manifest names the chain's head
    head = AuditEntry.objects.filter(action="test.before_backup").get()
    assert head.seq is not None
    assert manifest["audit"] == {"head_seq": head.seq, "head_hash": head.row_hash, "unsealed": 0}
    assert counts["audit_auditentry"] == head.seq
    assert manifest["migrations"]["planning"].startswith("00")
    assert manifest["media"] == [
        {"path": EVIDENCE, "size": len(EVIDENCE_BYTES), "sha256": hashlib.sha256(EVIDENCE_BYTES).hexdigest()}
    ]
    assert f"{len(counts)} tables" in output and "1 uploaded files" in output

    row = AuditEntry.objects.get(action="ops.backup")
    assert row.actor_name == "system" and row.object_id == archive.name
    assert row.after["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert row.after["rows"] == sum(counts.values()) and row.after["media_files"] == 1


def test_keep_removes_the_oldest_archives(world, tmp_path):
    folder = tmp_path / "backups"
    first, _m, _o = make_backup(folder)
    second, _m, _o = make_backup(folder, "--keep", "2")
    third, _m, _o = make_backup(folder, "--keep", "2")
    assert sorted(folder.glob("*.tar.gz")) == sorted([second, third])
    assert AuditEntry.objects.filter(action="ops.backup").order_by("-id")[0].after["removed"] == [first.name]
    with pytest.raises(CommandError, match="at least 1"):
        call_command("backup", "--output", str(folder), "--keep", "0")


def test_restore_refuses_a_database_that_is_not_empty(world, media, tmp_path):
    archive, _manifest, _output = make_backup(tmp_path / "backups")
    Agency.objects.filter(pk=world.hni.pk).update(name="Thành ủy Hà Nội (sau sao lưu)")
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(archive))
    message = str(refused.value)
    assert message.startswith("Refusing to restore: the database ")
    assert "tables and the uploads folder" in message and "--force" in message
    assert Agency.objects.get(pk=world.hni.pk).name == "Thành ủy Hà Nội (sau sao lưu)"


def test_restore_refuses_a_damaged_archive_before_changing_anything(world, media, tmp_path):
    archive, manifest, _output = make_backup(tmp_path / "backups")
    Agency.objects.filter(pk=world.hni.pk).update(name="Thành ủy Hà Nội (sau sao lưu)")
    damaged_db = rewrite(archive, tmp_path / "damaged-db.tar.gz", damage=manifest["database"]["file"])
    with pytest.raises(CommandError, match="the database file is damaged"):
        call_command("restore", "--force", str(damaged_db))
    damaged_upload = rewrite(archive, tmp_path / "damaged-upload.tar.gz", damage=f"media/{EVIDENCE}")
    with pytest.raises(CommandError, match=f"1 uploaded files are missing or damaged, e.g. {EVIDENCE}"):
        call_command("restore", "--force", str(damaged_upload))
    assert Agency.objects.get(pk=world.hni.pk).name == "Thành ủy Hà Nội (sau sao lưu)"
    assert (media / EVIDENCE).read_bytes() == EVIDENCE_BYTES


def test_restore_refuses_a_backup_of_the_other_kind_of_database(world, tmp_path):
    archive, manifest, _output = make_backup(tmp_path / "backups")
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    moved = rewrite(archive, tmp_path / "other.tar.gz", manifest={**manifest, "vendor": other})
    with pytest.raises(
        CommandError, match="This backup is of a (SQLite|PostgreSQL) database; the configured"
    ):
        call_command("restore", "--force", str(moved))


def test_restore_refuses_what_is_not_a_backup(db, tmp_path):
    not_a_backup = tmp_path / "notes.tar.gz"
    not_a_backup.write_text("hello")
    with pytest.raises(CommandError, match="cannot be read as a Resmon backup"):
        call_command("restore", str(not_a_backup))
    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", str(tmp_path / "missing.tar.gz"))
