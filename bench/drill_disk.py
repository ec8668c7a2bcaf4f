"""The full-disk drill: the site's files on a small file system (tmpfs, size-limited; mounting needs
root, the drill is skipped with a message otherwise), filled up by "something else" (a filler file):

* media: the database on PostgreSQL, RESMON_DATA_DIR (MEDIA_ROOT, the audit checkpoints) on the
  small file system. An evidence upload that does not fit — small enough to be kept in memory, and
  large enough to be spooled to a temporary file first — must be answered with the clear
  "storage full" message (507, code storage_full), leave no file behind, change nothing (version,
  evidence, audit rows, idempotency key). With the disk full to the last byte: the sealer and the
  worker keep running, a background document fails with the same clear message and no file. Once
  space is freed, the same upload (same Idempotency-Key) works and the audit chain verifies.
* sqlite: the SQLite database too. A save that cannot be written is answered with the same clear
  message (never a 500), the database passes PRAGMA integrity_check and still holds the old
  version; once space is freed the save works and the chain verifies.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import drill_checks as checks
from drill_world import Answer, Site, build_in, call, multipart, site_env

MB = 1024 * 1024


class Skip(Exception):
    pass


@contextmanager
def small_fs(size_mb: int) -> Iterator[Path]:
    """A tmpfs of ``size_mb`` MiB mounted on a new temporary directory, unmounted afterwards."""
    if os.geteuid() != 0:
        raise Skip("not root: a size-limited file system cannot be mounted")
    path = Path(tempfile.mkdtemp(prefix="resmon-drill-disk-"))
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0755", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        path.rmdir()
        raise Skip(f"mount refused: {done.stderr.strip() or done.returncode}")
    try:
        yield path
    finally:
        for args in (["umount", str(path)], ["umount", "-l", str(path)]):
            if subprocess.run(args, capture_output=True).returncode == 0:
                break
        path.rmdir()


def free_bytes(path: Path) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def fill(path: Path, leave: int) -> None:
    """Grow the filler file until only ``leave`` bytes are free (0: the disk is full)."""
    with open(path / "filler.bin", "ab") as fh:
        while (room := free_bytes(path) - leave) > 0:
            try:
                fh.write(b"\0" * min(room, 4 * MB))
                fh.flush()
            except OSError:
                break


def unfill(path: Path) -> None:
    (path / "filler.bin").unlink(missing_ok=True)


def pdf(size: int) -> bytes:
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + os.urandom(size) + b"\n%%EOF\n"


def files_under(path: Path) -> set[str]:
    return {str(p.relative_to(path)) for p in path.rglob("*") if p.is_file()} if path.exists() else set()


def storage_full_messages() -> set[str]:
    """The clear message in each language the site may answer in (Vietnamese first, English)."""
    from django.conf import settings
    from django.utils import translation

    try:
        from resmon.core.storage import STORAGE_FULL_MESSAGE
    except ImportError:
        return {"(the application has no storage-full message)"}
    found = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            found.add(str(STORAGE_FULL_MESSAGE))
    return found


def upload(port: int, subject: dict, report: dict, size: int, key: str) -> Answer:
    task = subject["tasks"][0]
    fields = {
        "classification": "thuong",
        "kind": "file",
        "title": "Minh chứng",
        "version": str(report["version"]),
    }
    raw = multipart(fields, {"file": ("bao-cao.pdf", pdf(size), "application/pdf")})
    return call(
        port,
        "POST",
        f"/reports/{subject['report']}/lines/{task}/evidence",
        subject["officer"],
        raw=raw,
        key=key,
    )


def refused_clearly(answer: Answer, what: str) -> list[str]:
    if answer.status == 507 and answer.code == "storage_full" and answer.detail in storage_full_messages():
        return []
    return [f"{what}: {answer!r}; 507 storage_full with the clear message expected"]


def save(port: int, subject: dict, version: int, text: str) -> Answer:
    body = {
        "version": version,
        "results": text,
        "lines": [{"task": t, "results": text} for t in subject["tasks"]],
    }
    return call(port, "PATCH", f"/reports/{subject['report']}", subject["officer"], body)


def current(port: int, subject: dict) -> dict:
    answer = call(port, "GET", f"/reports/{subject['report']}", subject["officer"])
    if not answer.ok:
        raise RuntimeError(f"cannot read the report: {answer!r}")
    return answer.data


def _evidence_state(report_id: int) -> tuple[int, int, int]:
    from resmon.audit.models import AuditEntry
    from resmon.reporting.models import Evidence, IdempotencyKey, PeriodReport

    return (
        PeriodReport.objects.get(pk=report_id).version,
        Evidence.objects.filter(line__report_id=report_id).count(),
        AuditEntry.objects.filter(action="reporting.evidence_added").count() + IdempotencyKey.objects.count(),
    )


def media_variant(env: dict[str, str], subject: dict) -> list[tuple[str, bool, list[str]]]:
    """Media on the small disk, the database on PostgreSQL (see the module)."""
    from django.db import connections

    from resmon.exports.models import StoredDocument

    results = []
    log = Path(env["RESMON_DATA_DIR"]) / "site-disk-media.log"
    with small_fs(16) as mount:
        env = {**env, "RESMON_DATA_DIR": str(mount)}
        media = mount / "media"
        with Site(env, log) as site:
            report = current(site.port, subject)
            first = upload(site.port, subject, report, 100_000, str(uuid.uuid4()))
            if not first.ok:
                return [("an upload that fits", False, [f"{first!r}"])]
            key = str(uuid.uuid4())
            for what, size in (
                ("upload kept in memory", 3 * MB),
                ("upload spooled to a temporary file", 6 * MB),
            ):
                report = current(site.port, subject)
                fill(mount, MB)
                before, files = _evidence_state(subject["report"]), files_under(media)
                answer = upload(site.port, subject, report, size, key)
                problems = refused_clearly(answer, what)
                if _evidence_state(subject["report"]) != before:
                    problems.append(
                        f"{what}: the refused upload changed the report, its evidence or audit rows"
                    )
                if files_under(media) != files:
                    problems.append(f"{what}: files left behind: {sorted(files_under(media) - files)}")
                results.append((f"{what} that does not fit", not problems, problems))
                connections.close_all()
            fill(mount, 0)
            problems = []
            answer = save(site.port, subject, current(site.port, subject)["version"], "Lưu khi đĩa đầy")
            if not answer.ok:
                problems.append(f"a save (database elsewhere) with the file system full: {answer!r}")
            doc = call(
                site.port,
                "POST",
                "/documents",
                subject["leader"],
                {"format": "xlsx", "agency": subject["agency"]},
            )
            deadline = time.monotonic() + 60
            row = None
            while doc.ok and time.monotonic() < deadline:
                row = StoredDocument.objects.get(pk=doc.data["id"])
                if row.status in (StoredDocument.Status.DONE, StoredDocument.Status.FAILED):
                    break
                time.sleep(0.5)
            time.sleep(3)  # a few sealer rounds with the checkpoint file on the full disk
            if (
                row is None
                or row.status != StoredDocument.Status.FAILED
                or row.error not in storage_full_messages()
            ):
                problems.append(
                    f"a document with the disk full: {row and (row.status, row.error)}; "
                    "failed with the clear message expected"
                )
            for name in ("web", "worker", "sealer"):
                if not site.alive(name):
                    problems.append(f"the {name} process exited when the disk was full")
            results.append(("disk full: sealer, worker, a document", not problems, problems))
            unfill(mount)
            problems = []
            report = current(site.port, subject)
            again = upload(site.port, subject, report, 3 * MB, key)
            if again.status != 201:
                problems.append(f"the same upload once space is freed: {again!r}")
            answer = save(site.port, subject, current(site.port, subject)["version"], "Lưu khi đĩa đã trống")
            if not answer.ok:
                problems.append(f"a save once space is freed: {answer!r}")
            problems += checks.wait_quiet(60)
            ok, text = checks.verify_chain(site.env)
            if not ok:
                problems.append(f"audit chain: {text}")
            stray = [f for f in checks.orphan_files(media)]
            if stray:
                problems.append(f"files no row names: {stray}")
            results.append(("space freed: the upload works, chain verifies", not problems, problems))
            connections.close_all()
    return results


def _sqlite(path: Path, sql: str, *args: Any) -> Any:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=20)
    try:
        return conn.execute(sql, args).fetchone()
    finally:
        conn.close()


def sqlite_variant(env: dict[str, str]) -> list[tuple[str, bool, list[str]]]:
    """The SQLite database on the small disk too (see the module)."""
    results = []
    log = Path(env["RESMON_DATA_DIR"]) / "site-disk-sqlite.log"
    with small_fs(64) as mount:
        db = mount / "resmon.sqlite3"
        env = site_env({"SQLITE_PATH": str(db)}, mount)
        env.pop("DATABASE_URL", None)
        world = build_in(env, 1, 1)
        subject = world["subjects"][0]
        with Site(env, log) as site:
            version = current(site.port, subject)["version"]
            # an empty write-ahead log, so that the next write needs new blocks
            conn = sqlite3.connect(db, timeout=20)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()
            fill(mount, 0)
            answer = save(site.port, subject, version, "Lưu khi đĩa đầy")
            problems = [] if answer.ok else refused_clearly(answer, "a save with the database's disk full")
            integrity = _sqlite(db, "PRAGMA integrity_check")[0]
            if integrity != "ok":
                problems.append(f"PRAGMA integrity_check: {integrity}")
            stored = _sqlite(
                db, "SELECT version FROM reporting_periodreport WHERE id = ?", subject["report"]
            )[0]
            if stored != (version + 1 if answer.ok else version):
                problems.append(f"the report is at version {stored} after the {answer.status} answer")
            if not answer.ok:
                print("      (the save did not fit: refused, rolled back)")
            results.append(("SQLite: a save that does not fit", not problems, problems))
            unfill(mount)
            problems = []
            answer = save(site.port, subject, current(site.port, subject)["version"], "Lưu khi đĩa đã trống")
            if not answer.ok:
                problems.append(f"a save once space is freed: {answer!r}")
            time.sleep(4)  # the sealer seals it
            ok, text = checks.verify_chain(site.env)
            if not ok:
                problems.append(f"audit chain: {text}")
            integrity = _sqlite(db, "PRAGMA integrity_check")[0]
            if integrity != "ok":
                problems.append(f"PRAGMA integrity_check: {integrity}")
            results.append(("SQLite: space freed, save works, chain verifies", not problems, problems))
    return results


def run(env: dict[str, str], subject: dict, world: dict) -> list[tuple[str, bool, list[str]]]:
    """Both variants; [] (with a message) when the file system cannot be mounted."""
    results = []
    for variant in (lambda: media_variant(env, subject), lambda: sqlite_variant(env)):
        try:
            results += variant()
        except Skip as exc:
            print(f"  skipped: {exc}")
            return results
    for what, ok, _problems in results:
        print(f"  {'held  ' if ok else 'FAILED'} {what}")
    return results
