"""The restore drill: back up the test data, restore the archive with `manage.py restore` in
another process into a new, empty database (PostgreSQL: created for the drill; SQLite: a new
file), and prove that the audit chain verifies there and every total equals the source's."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction
from psycopg import sql

from resmon.audit import sealing
from resmon.audit.services import record
from resmon.ops.backup.postgres import connect_params
from resmon.rollups import services as rollups
from tests.ops.archives import make_backup, rewrite

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(settings.PROJECT_DIR)
EVIDENCE = "evidence/2026/bien-ban.pdf"
# totals a reader of the restored system would see: tasks and their progress, the dashboards'
# figures, the audit log
TOTALS = [
    "SELECT COUNT(*), SUM(percent_done) FROM planning_task",
    "SELECT SUM(tasks), SUM(overdue), SUM(in_progress) FROM rollups_progressrollup",
    # (the backup's own audit row is written after the dump, in the source only)
    "SELECT COUNT(*), MAX(seq) FROM audit_auditentry WHERE action <> 'ops.backup'",
    "SELECT COUNT(*) FROM accounts_user WHERE is_active",
]


def totals(cursor) -> list[tuple]:
    out = []
    for query in TOTALS:
        cursor.execute(query)
        out.append(tuple(str(v) for v in cursor.fetchone()))
    return out


@pytest.fixture
def empty_target(tmp_path):
    """The environment of a process whose database and uploads folder are new and empty."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "RESMON_ENV"}}
    env.pop("SQLITE_PATH", None)
    env.update(
        RESMON_DATA_DIR=str(tmp_path / "restored"),
        AUDIT_CHECKPOINT_PATH=str(tmp_path / "restored-checkpoints.jsonl"),
    )
    if connection.vendor != "postgresql":
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(tmp_path / "restored.sqlite3")
        yield env, lambda: sqlite3.connect(env["SQLITE_PATH"])
        return
    params = connect_params(connection.settings_dict)
    name = f"{params['dbname']}_drill"
    server = {**params, "dbname": "postgres"}
    with psycopg.connect(**server, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    auth = params.get("user", "")
    if params.get("password"):
        auth += f":{params['password']}"
    env["DATABASE_URL"] = f"postgres://{auth}@{params.get('host', '')}:{params.get('port', 5432)}/{name}"
    try:
        yield env, lambda: psycopg.connect(**{**params, "dbname": name})
    finally:
        with psycopg.connect(**server, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture
def source(world, settings, tmp_path):
    """The test data, its dashboards' figures, a sealed audit chain with a few rows still
    waiting for the sealer, and an uploaded file."""
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / EVIDENCE).parent.mkdir(parents=True)
    (settings.MEDIA_ROOT / EVIDENCE).write_bytes(b"%PDF-1.7 bien ban")
    rollups.rebuild()
    sealing.seal()
    with transaction.atomic():
        for i in range(3):
            record(
                world.users["sysadmin"], "test.drill", world.hni, agency_path=world.hni.path, reason=f"{i}"
            )
    return world


def test_the_drill_restores_into_an_empty_database_with_every_total_and_the_audit_chain(
    source, empty_target, tmp_path
):
    env, connect = empty_target
    archive, manifest, _output = make_backup(tmp_path / "backups")
    with connection.cursor() as cursor:
        expected = totals(cursor)

    done = manage(env, "restore", str(archive))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"row counts: OK: {len(manifest['counts'])} tables" in done.stdout
    assert f"audit chain: OK: {manifest['audit']['head_seq']} rows verified" in done.stdout
    assert "uploaded files: OK: 1 files" in done.stdout
    assert "RESTORE CHECK OK" in done.stdout

    # the same totals, read straight from the restored database
    restored = connect()
    try:
        assert totals(restored.cursor()) == expected
    finally:
        restored.close()
    # the restored system's own verification agrees
    verified = manage(env, "verify_audit", "--no-save")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith(f"OK: {manifest['audit']['head_seq']} rows")
    assert (Path(env["RESMON_DATA_DIR"]) / "media" / EVIDENCE).read_bytes() == b"%PDF-1.7 bien ban"
    # restoring again over it is refused: it is no longer empty
    again = manage(env, "restore", str(archive))
    assert again.returncode != 0 and "Refusing to restore: the database" in again.stderr


def test_a_restore_that_differs_from_the_manifest_fails_and_says_where(source, empty_target, tmp_path):
    env, _connect = empty_target
    archive, manifest, _output = make_backup(tmp_path / "backups")
    counts = {**manifest["counts"], "planning_task": manifest["counts"]["planning_task"] + 1}
    altered = rewrite(archive, tmp_path / "altered.tar.gz", manifest={**manifest, "counts": counts})
    done = manage(env, "restore", str(altered))
    assert done.returncode == 1
    n = manifest["counts"]["planning_task"]
    assert f"row counts: DIFFERS: planning_task: {n + 1} in the backup, {n} restored" in done.stdout
    assert "RESTORE CHECK FAILED" in done.stderr
