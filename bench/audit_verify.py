"""Benchmark of the audit chain (run by hand; prints figures, asserts nothing):

  .venv/bin/python bench/audit_verify.py [--rows 1000000] [--batch 5000] [--pg-url URL]

On a throw-away database (SQLite in a temporary directory; or PostgreSQL at --pg-url, which is
dropped and created again: never point it at a database you keep): inserts N unsealed audit rows
(bulk inserts, rows shaped like a task update with before/after), seals them (batches of --batch
rows, one transaction each), then verifies the whole chain. Prints the time and rows/s of each
step. On PostgreSQL the table is ANALYZEd after the load, as autovacuum would (the sealer's query
plan depends on it).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def recreate_pg(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlparse(url)
    name = parts.path.lstrip("/")
    if name in {"resmon", ""}:
        raise SystemExit("refusing to drop the database 'resmon'")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--pg-url", default="")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    if args.pg_url:
        recreate_pg(args.pg_url)
        os.environ["DATABASE_URL"] = args.pg_url
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = str(tmp / "bench-audit.sqlite3")
    os.environ["AUDIT_CHECKPOINT_PATH"] = str(tmp / "audit-checkpoints.jsonl")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resmon.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from resmon.audit import sealing
    from resmon.audit.models import AuditEntry

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} ({args.pg_url or os.environ['SQLITE_PATH']}), rows: {args.rows:,}")

    began = time.perf_counter()
    now = timezone.now()
    chunk = 10_000
    for start in range(0, args.rows, chunk):
        AuditEntry.objects.bulk_create(
            [
                AuditEntry(
                    at=now,
                    actor_id=7,
                    actor_name="daumoi.hni",
                    action="planning.task_updated",
                    object_type="planning.task",
                    object_id=str(i),
                    object_repr=f"Nhiệm vụ số {i}: chuyển đổi số trong cơ quan nhà nước",
                    agency_path="000100020003",
                    before={"title": f"Nhiệm vụ số {i}", "progress": i % 100, "version": 3},
                    after={"title": f"Nhiệm vụ số {i}", "progress": (i % 100) + 1, "version": 4},
                    reason="Cập nhật tiến độ",
                )
                for i in range(start, min(args.rows, start + chunk))
            ],
            batch_size=2000,
        )
    insert_s = time.perf_counter() - began
    print(f"insert: {insert_s:8.1f} s  {args.rows / insert_s:>10,.0f} rows/s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE audit_auditentry")  # what autovacuum does after a bulk load

    began = time.perf_counter()
    sealed = sealing.seal(batch=args.batch)
    seal_s = time.perf_counter() - began
    print(f"seal:   {seal_s:8.1f} s  {sealed / seal_s:>10,.0f} rows/s  ({args.batch} rows per transaction)")

    began = time.perf_counter()
    result = sealing.verify()
    verify_s = time.perf_counter() - began
    status = "OK" if result.ok else f"PROBLEM {sealing.describe(result.problem)}"
    print(f"verify: {verify_s:8.1f} s  {result.rows / verify_s:>10,.0f} rows/s  {status}")
    try:
        import resource

        print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    except ImportError:
        pass


if __name__ == "__main__":
    main()
