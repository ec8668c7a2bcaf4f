"""The hash chain over the audit log: seal committed rows, checkpoint the head, verify.

Writers only INSERT unsealed rows (``audit.services.record``). The sealer takes committed
unsealed rows in id order and gives each the next ``seq`` and
``row_hash = sha256(prev_hash + canonical JSON of the row's content and seq)``, one short
transaction per batch, holding the lock on the one ``AuditChainHead`` row so that two sealers
never interleave. A row whose transaction commits late simply gets a later seq: the order of the
chain is the order of sealing.

After each seal the head (seq, hash, time) is appended, HMAC-signed, to a file outside the
database (``settings.AUDIT_CHECKPOINT_PATH``), so that deleting the newest rows, which leaves a
chain that is intact in itself, is detected too.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import hmac
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext_lazy

from resmon.core import clock

from .models import AuditChainHead, AuditEntry

GENESIS = "0" * 64
CONTENT_FIELDS = (
    "at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "agency_path",
    "before",
    "after",
    "reason",
    "seq",
)
STALE_AFTER = dt.timedelta(minutes=1)
CHUNK = 5000


# --- hashing -----------------------------------------------------------------------------------


def _iso(value: dt.datetime) -> str:
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value.astimezone(dt.UTC).isoformat()


def canonical(row: dict[str, Any]) -> str:
    """The row's content as canonical JSON (sorted keys, no spaces, times in UTC ISO 8601)."""
    content = {name: row[name] for name in CONTENT_FIELDS}
    content["at"] = _iso(content["at"])
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def row_hash(prev_hash: str, row: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(row)).encode()).hexdigest()


def _tail() -> tuple[int, str]:
    """The last sealed row's seq and hash (0 and the genesis hash for an empty chain)."""
    last = AuditEntry.objects.filter(seq__isnull=False).order_by("-seq").values("seq", "row_hash").first()
    return (last["seq"], last["row_hash"]) if last else (0, GENESIS)


# --- sealing -----------------------------------------------------------------------------------

_UPDATE_SQL = (
    "UPDATE audit_auditentry SET seq = %s, prev_hash = %s, row_hash = %s, sealed_at = %s "
    "WHERE id = %s AND seq IS NULL"
)


_PG_ROWS_PER_STATEMENT = 1000


def _write_seals(params: list[tuple]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(_UPDATE_SQL, params)
            return
        # one statement per 1,000 rows (round trips cost most); the id range keeps the join on the
        # primary key index instead of a scan of the whole table
        for start in range(0, len(params), _PG_ROWS_PER_STATEMENT):
            part = params[start : start + _PG_ROWS_PER_STATEMENT]
            values = ", ".join(["(%s::bigint, %s, %s, %s::timestamptz, %s::bigint)"] * len(part))
            cursor.execute(
                "UPDATE audit_auditentry AS a SET seq = v.seq, prev_hash = v.prev, row_hash = v.h, "  # noqa: S608
                f"sealed_at = v.t FROM (VALUES {values}) AS v(seq, prev, h, t, id) "
                "WHERE a.id = v.id AND a.id BETWEEN %s AND %s AND a.seq IS NULL",
                [x for row in part for x in row] + [part[0][4], part[-1][4]],
            )


def _lock_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def _chain_end(head: AuditChainHead) -> tuple[int, str]:
    """Where the chain ends: the head row, if the row it names is there with that hash (one index
    lookup); otherwise the chain's last row (after a flush, or a head row that was reset)."""
    if head.last_seq:
        found = AuditEntry.objects.filter(seq=head.last_seq).values_list("row_hash", flat=True).first()
        last_is_head = not AuditEntry.objects.filter(seq=head.last_seq + 1).exists()
        if found == head.last_hash and last_is_head:
            return head.last_seq, head.last_hash
    elif not AuditEntry.objects.filter(seq=1).exists():
        return 0, GENESIS
    return _tail()


def seal_batch(batch: int = CHUNK, after_id: int = 0) -> tuple[int, int]:
    """Seal up to ``batch`` committed rows with an id above ``after_id`` in one short transaction;
    the number sealed and the last id sealed."""
    with transaction.atomic():
        head = _lock_head()
        last_seq, last_hash = _chain_end(head)
        rows = list(
            AuditEntry.objects.filter(seq__isnull=True, id__gt=after_id)
            .order_by("id")
            .values("id", *[f for f in CONTENT_FIELDS if f != "seq"])[:batch]
        )
        if not rows:
            return 0, after_id
        sealed_at = timezone.now()
        params = []
        prev = last_hash
        for offset, row in enumerate(rows, start=1):
            row["seq"] = last_seq + offset
            h = row_hash(prev, row)
            params.append((row["seq"], prev, h, sealed_at, row["id"]))
            prev = h
        _write_seals(params)
        head.last_seq, head.last_hash, head.updated_at = last_seq + len(rows), prev, sealed_at
        head.save(update_fields=["last_seq", "last_hash", "updated_at"])
        return len(rows), rows[-1]["id"]


def seal(batch: int = CHUNK, *, checkpoint: bool = True, max_batches: int | None = None) -> int:
    """Seal every committed unsealed row, ``batch`` rows per transaction; then checkpoint the head.

    Each batch starts after the last id of the one before, so a large backlog is one pass over the
    unsealed rows; a row with a lower id that commits meanwhile is sealed by the next call."""
    total = 0
    done = 0
    after_id = 0
    while max_batches is None or done < max_batches:
        n, after_id = seal_batch(batch, after_id)
        total += n
        done += 1
        if n < batch:
            break
    if total and checkpoint:
        write_checkpoint()
    return total


# --- checkpoints outside the database ----------------------------------------------------------


def checkpoint_path() -> Path:
    return Path(
        getattr(settings, "AUDIT_CHECKPOINT_PATH", Path(settings.DATA_DIR) / "audit-checkpoints.jsonl")
    )


def _key() -> bytes:
    return (getattr(settings, "AUDIT_CHECKPOINT_KEY", "") or settings.SECRET_KEY).encode()


def _sign(entry: dict[str, Any]) -> str:
    body = json.dumps({k: entry[k] for k in ("seq", "hash", "at")}, sort_keys=True, separators=(",", ":"))
    return hmac.new(_key(), body.encode(), hashlib.sha256).hexdigest()


def write_checkpoint() -> dict[str, Any] | None:
    """Append the current head of the chain to the checkpoint file, signed; None if the chain is empty.

    The line is written whole or not at all: a write the disk cuts short (it is full) is undone
    and raised, since half a line would read as an altered file at every later verification."""
    seq, head_hash = _tail()
    if not seq:
        return None
    entry: dict[str, Any] = {"seq": seq, "hash": head_hash, "at": _iso(timezone.now())}
    entry["sig"] = _sign(entry)
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(entry, sort_keys=True) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        start, written = os.fstat(fd).st_size, 0
        try:
            written = os.write(fd, line)
            if written != len(line):
                raise OSError(errno.ENOSPC, "the checkpoint line was cut short", str(path))
        except OSError:
            if os.fstat(fd).st_size == start + written:
                os.ftruncate(fd, start)
            raise
    finally:
        os.close(fd)
    return entry


def latest_checkpoint(tail_bytes: int = 65536) -> tuple[dict[str, Any] | None, int]:
    """The signed checkpoint with the highest seq among the file's last lines, and how many of
    those lines carry a wrong signature (or are not checkpoints at all)."""
    path = checkpoint_path()
    if not path.exists():
        return None, 0
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - tail_bytes))
        data = fh.read()
    lines = data.splitlines()
    if size > tail_bytes and lines:
        lines = lines[1:]  # the first line read may be cut
    best, bad = None, 0
    for raw in lines:
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw)
            valid = hmac.compare_digest(str(entry.get("sig", "")), _sign(entry))
        except (ValueError, KeyError, TypeError, AttributeError):
            valid = False
        if not valid:
            bad += 1
        elif best is None or entry["seq"] > best["seq"]:
            best = entry
    return best, bad


# --- verification ------------------------------------------------------------------------------


@dataclass
class Verification:
    rows: int = 0
    head_seq: int | None = None
    unsealed: int = 0
    problem: dict[str, Any] | None = None
    notes: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.problem is None


def _where(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "object": f"{row['object_type']} #{row['object_id']} {row['object_repr']}".strip(),
        "time": _iso(row["at"]),
    }


_VERIFY_FIELDS = ("id", *CONTENT_FIELDS, "prev_hash", "row_hash", "sealed_at")


def verify(start_seq: int | None = None, *, use_checkpoint: bool = True) -> Verification:
    """Walk the chain in seq order and report the first problem and where it is.

    Rows are streamed (a server-side cursor on PostgreSQL), never loaded all at once.
    ``use_checkpoint=False`` checks the chain alone (a restored backup: the caller compares the head
    with the backup's manifest, as the checkpoint file describes the live chain)."""
    began = time.monotonic()
    result = Verification()
    checkpoint, bad_lines = latest_checkpoint() if use_checkpoint else (None, 0)
    if bad_lines:
        result.problem = {"code": "checkpoint_signature", "lines": bad_lines, "path": str(checkpoint_path())}
    expected_seq = start_seq or 1
    expected_prev: str | None = GENESIS if expected_seq == 1 else None
    if expected_seq > 1:
        before = AuditEntry.objects.filter(seq=expected_seq - 1).values_list("row_hash", flat=True).first()
        expected_prev = before
    checkpoint_hash_seen: str | None = None
    qs = AuditEntry.objects.filter(seq__isnull=False, seq__gte=expected_seq).order_by("seq")
    for row in qs.values(*_VERIFY_FIELDS).iterator(chunk_size=CHUNK):
        if result.problem:
            break
        seq = row["seq"]
        if seq != expected_seq:
            result.problem = {"code": "deleted", "first": expected_seq, "last": seq - 1, **_where(row)}
        elif row["sealed_at"] is None:
            result.problem = {"code": "forged", "seq": seq, **_where(row)}
        elif expected_prev is not None and row["prev_hash"] != expected_prev:
            result.problem = {"code": "broken_link", "seq": seq, "prev": seq - 1, **_where(row)}
        elif row_hash(row["prev_hash"], row) != row["row_hash"]:
            result.problem = {"code": "changed", "seq": seq, **_where(row)}
        if result.problem:
            break
        if checkpoint and seq == checkpoint["seq"]:
            checkpoint_hash_seen = row["row_hash"]
        result.rows += 1
        result.head_seq = seq
        expected_seq = seq + 1
        expected_prev = row["row_hash"]

    unsealed = AuditEntry.objects.filter(seq__isnull=True)
    result.unsealed = unsealed.count()
    if result.problem is None:
        forged = (
            unsealed.exclude(sealed_at__isnull=True, row_hash="", prev_hash="")
            .order_by("id")
            .values(*_VERIFY_FIELDS)
        ).first()
        if forged:
            result.problem = {"code": "forged", "seq": None, **_where(forged)}
    if result.problem is None and checkpoint:
        cp = {"cp_seq": checkpoint["seq"], "cp_time": checkpoint["at"]}
        last = result.head_seq or 0
        if checkpoint["seq"] > last and (start_seq or 1) <= checkpoint["seq"]:
            result.problem = {"code": "truncated", "last": last, **cp}
        elif checkpoint_hash_seen is not None and checkpoint_hash_seen != checkpoint["hash"]:
            result.problem = {"code": "checkpoint_mismatch", "seq": checkpoint["seq"], **cp}
    if result.problem is None:
        if checkpoint is None and result.rows and use_checkpoint:
            result.notes.append({"code": "no_checkpoint", "path": str(checkpoint_path())})
        oldest = unsealed.order_by("id").values_list("at", flat=True).first()
        if oldest is not None and oldest < timezone.now() - STALE_AFTER:
            result.problem = {"code": "stale", "count": result.unsealed, "time": _iso(oldest)}
    result.seconds = time.monotonic() - began
    return result


# --- messages ----------------------------------------------------------------------------------


def _local(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        return dt.datetime.fromisoformat(iso).astimezone(clock.tz()).strftime("%d/%m/%Y %H:%M:%S")
    except ValueError:
        return iso


_MESSAGES = {
    "changed": _lazy(
        "Row %(seq)s (%(object)s, %(time)s) was changed after it was sealed: "
        "its content no longer matches its hash."
    ),
    "broken_link": _lazy(
        "The chain is broken at row %(seq)s (%(object)s, %(time)s): it does not follow row %(prev)s. "
        "A row was inserted or replaced by hand."
    ),
    "deleted_one": _lazy(
        "Row %(first)s is missing from the chain (before %(object)s, %(time)s): it was deleted."
    ),
    "deleted": _lazy(
        "Rows %(first)s to %(last)s are missing from the chain (before %(object)s, %(time)s): "
        "they were deleted."
    ),
    "forged": _lazy(
        "Row id %(id)s (%(object)s, %(time)s) carries sealing data the sealer did not write: "
        "it was inserted or edited by hand."
    ),
    "truncated": _lazy(
        "The newest rows were deleted: the checkpoint of %(cp_time)s records row %(cp_seq)s, "
        "but the chain ends at row %(last)s."
    ),
    "checkpoint_mismatch": _lazy(
        "Row %(seq)s differs from the checkpoint of %(cp_time)s: the chain was rewritten after that time."
    ),
    "checkpoint_signature": ngettext_lazy(
        "%(lines)s line of the checkpoint file %(path)s has a wrong signature: the file was altered.",
        "%(lines)s lines of the checkpoint file %(path)s have a wrong signature: the file was altered.",
        "lines",
    ),
    "stale": ngettext_lazy(
        "%(count)s row is not sealed yet and the oldest waits since %(time)s: is the sealer running?",
        "%(count)s rows are not sealed yet and the oldest waits since %(time)s: is the sealer running?",
        "count",
    ),
    "no_checkpoint": _lazy(
        "No checkpoint file at %(path)s yet: deleting the newest rows cannot be detected."
    ),
}


def describe(problem: dict[str, Any] | None) -> str:
    """A problem (or note) of ``verify`` as a sentence in the reader's language."""
    if not problem:
        return ""
    p = dict(problem)
    p["time"] = _local(p.get("time"))
    p["cp_time"] = _local(p.get("cp_time"))
    code = p.get("code", "")
    if code == "deleted" and p.get("first") == p.get("last"):
        code = "deleted_one"
    message = _MESSAGES.get(code)
    return str(message % p) if message is not None else str(problem)
