"""The hash chain: sealing, the append-only triggers, and verification that finds every kind of tampering."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from resmon.audit import protection, sealing
from resmon.audit.models import AuditChainHead, AuditEntry
from resmon.audit.services import record

pytestmark = pytest.mark.django_db


def write(n: int, actor=None, path: str = "0001", prefix: str = "test.write") -> None:
    with transaction.atomic():
        for i in range(n):
            record(
                actor,
                prefix,
                object_type="test.thing",
                object_id=str(i),
                object_repr=f"Vật {i}",
                agency_path=path,
                after={"i": i, "tên": "Hà Nội", "x": 1.5},
            )


def tamper(sql: str, params=()) -> None:
    """Change the table behind the application's back, as someone with the owner's rights could."""
    with protection.triggers_disabled(connection), connection.cursor() as cursor:
        cursor.execute(sql, params)


def insert_raw(values: dict) -> None:
    """Insert a row by hand, behind the triggers' back."""
    values = {
        "sealed_at": dt.datetime.now(dt.UTC),
        "prev_hash": "",
        "reason": "",
        "object_repr": "",
        "agency_path": "",
        **values,
    }
    values = {
        k: (json.dumps(v) if k in ("before", "after") and v is not None else v) for k, v in values.items()
    }
    columns = ", ".join(f'"{k}"' for k in values)
    marks = ", ".join(["%s"] * len(values))
    tamper(f"INSERT INTO audit_auditentry ({columns}) VALUES ({marks})", list(values.values()))  # noqa: S608


def problem() -> dict:
    result = sealing.verify()
    assert not result.ok
    return result.problem


# --- sealing -------------------------------------------------------------------------------------


def test_writers_leave_rows_unsealed_and_the_sealer_chains_them_in_id_order():
    write(5)
    assert not AuditEntry.objects.filter(seq__isnull=False).exists()
    assert sealing.seal(batch=2) == 5
    rows = list(AuditEntry.objects.order_by("seq"))
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert [r.id for r in rows] == sorted(r.id for r in rows)
    assert rows[0].prev_hash == sealing.GENESIS
    for before, row in zip(rows, rows[1:], strict=False):
        assert row.prev_hash == before.row_hash
    assert all(r.sealed_at for r in rows)
    head = AuditChainHead.objects.get(pk=1)
    assert (head.last_seq, head.last_hash) == (5, rows[-1].row_hash)


def test_the_row_hash_is_sha256_of_the_previous_hash_and_the_canonical_content():
    write(1)
    sealing.seal()
    row = AuditEntry.objects.get(seq=1)
    content = {
        "at": row.at.astimezone(dt.UTC).isoformat(),
        "actor_id": None,
        "actor_name": "system",
        "action": "test.write",
        "object_type": "test.thing",
        "object_id": "0",
        "object_repr": "Vật 0",
        "agency_path": "0001",
        "before": None,
        "after": {"i": 0, "tên": "Hà Nội", "x": 1.5},
        "reason": "",
        "seq": 1,
    }
    body = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert row.row_hash == hashlib.sha256((sealing.GENESIS + body).encode()).hexdigest()


def test_later_rows_extend_the_chain_and_sealing_again_changes_nothing():
    write(3)
    sealing.seal()
    assert sealing.seal() == 0
    write(2)
    assert sealing.seal() == 2
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3, 4, 5]
    assert sealing.verify().ok


def test_each_seal_appends_a_signed_checkpoint_of_the_head(settings):
    write(3)
    sealing.seal()
    lines = settings.AUDIT_CHECKPOINT_PATH.read_text().splitlines()
    entry = json.loads(lines[-1])
    assert entry["seq"] == 3
    assert entry["hash"] == AuditEntry.objects.get(seq=3).row_hash
    assert sealing.latest_checkpoint() == (entry, 0)
    sealing.seal()  # nothing new: no new line
    assert len(settings.AUDIT_CHECKPOINT_PATH.read_text().splitlines()) == 1


def test_the_checkpoint_key_comes_from_the_setting(settings):
    write(1)
    settings.AUDIT_CHECKPOINT_KEY = "khoa-rieng"
    sealing.seal()
    assert sealing.latest_checkpoint()[1] == 0
    settings.AUDIT_CHECKPOINT_KEY = "khoa-khac"
    assert sealing.latest_checkpoint() == (None, 1)


# --- the triggers --------------------------------------------------------------------------------


def test_audit_rows_cannot_be_deleted():
    write(2)
    sealing.seal()
    write(1)  # one unsealed row too
    for qs in (AuditEntry.objects.filter(seq=1), AuditEntry.objects.filter(seq__isnull=True)):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            qs.delete()
    assert AuditEntry.objects.count() == 3


@pytest.mark.parametrize(
    "change",
    [
        {"reason": "sửa"},
        {"actor_name": "ai đó"},
        {"after": {"i": 99}},
        {"at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)},
    ],
)
def test_the_content_of_a_row_cannot_be_changed_sealed_or_not(change):
    write(2)
    sealing.seal(max_batches=1, batch=1)
    for pk in AuditEntry.objects.order_by("id").values_list("pk", flat=True):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            AuditEntry.objects.filter(pk=pk).update(**change)
    assert sealing.verify().ok


def test_a_sealed_row_cannot_be_sealed_again_and_a_row_cannot_be_inserted_sealed():
    write(1)
    sealing.seal()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(seq=1).update(seq=7, row_hash="0" * 64)
    with pytest.raises(IntegrityError, match="must be unsealed"), transaction.atomic():
        AuditEntry.objects.create(
            at=dt.datetime.now(dt.UTC), action="x", object_type="x", seq=2, row_hash="a"
        )
    assert AuditEntry.objects.get().seq == 1


def test_flush_empties_the_log_and_puts_the_triggers_back():
    write(2)
    sealing.seal()
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEntry.objects.count() == 0
    write(1)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.all().delete()


# --- verification --------------------------------------------------------------------------------


def test_an_intact_chain_verifies():
    write(12)
    sealing.seal(batch=5)
    result = sealing.verify()
    assert result.ok, sealing.describe(result.problem)
    assert (result.rows, result.head_seq, result.unsealed) == (12, 12, 0)
    assert sealing.verify(start_seq=7).rows == 6


def test_a_changed_row_is_found_with_its_place():
    write(6)
    sealing.seal()
    tamper("UPDATE audit_auditentry SET reason = 'đã sửa' WHERE seq = 4")
    p = problem()
    assert (p["code"], p["seq"]) == ("changed", 4)
    msg = sealing.describe(p)
    assert "Row 4 (test.thing #3 Vật 3" in msg and "no longer matches its hash" in msg


def test_a_changed_row_whose_hash_was_recomputed_breaks_the_next_link():
    write(6)
    sealing.seal()
    row = AuditEntry.objects.filter(seq=3).values(*sealing._VERIFY_FIELDS).get()
    row["reason"] = "viết lại"
    forged = sealing.row_hash(row["prev_hash"], row)
    tamper("UPDATE audit_auditentry SET reason = %s, row_hash = %s WHERE seq = 3", ["viết lại", forged])
    p = problem()
    assert (p["code"], p["seq"], p["prev"]) == ("broken_link", 4, 3)
    assert "does not follow row 3" in sealing.describe(p)


def test_a_deleted_row_leaves_a_gap_that_is_reported():
    write(6)
    sealing.seal()
    tamper("DELETE FROM audit_auditentry WHERE seq IN (3, 4)")
    p = problem()
    assert (p["code"], p["first"], p["last"]) == ("deleted", 3, 4)
    assert "Rows 3 to 4 are missing" in sealing.describe(p)


def test_a_row_inserted_into_the_middle_is_found():
    write(5)
    sealing.seal()
    # make room at seq 3 and insert a well-formed forged row there
    tamper("UPDATE audit_auditentry SET seq = seq + 100 WHERE seq >= 3")
    tamper("UPDATE audit_auditentry SET seq = seq - 99 WHERE seq >= 103")
    prev = AuditEntry.objects.get(seq=2).row_hash
    fake = {
        "at": dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        "actor_id": None,
        "actor_name": "giả",
        "action": "test.fake",
        "object_type": "test.thing",
        "object_id": "99",
        "object_repr": "Giả",
        "agency_path": "0001",
        "before": None,
        "after": None,
        "reason": "",
        "seq": 3,
    }
    insert_raw({**fake, "prev_hash": prev, "row_hash": sealing.row_hash(prev, fake)})
    p = problem()
    assert (p["code"], p["seq"]) == ("broken_link", 4)
    assert "inserted or replaced" in sealing.describe(p)


def test_a_row_inserted_with_sealing_data_but_no_place_in_the_chain_is_found():
    write(3)
    sealing.seal()
    now = dt.datetime.now(dt.UTC)
    insert_raw(
        {
            "at": now,
            "actor_name": "giả",
            "action": "test.fake",
            "object_type": "test.thing",
            "object_id": "1",
            "row_hash": "f" * 64,
            "sealed_at": now,
        }
    )
    p = problem()
    assert p["code"] == "forged"
    assert "inserted or edited by hand" in sealing.describe(p)


def test_deleting_the_newest_rows_is_found_by_the_checkpoint():
    write(6)
    sealing.seal()
    tamper("DELETE FROM audit_auditentry WHERE seq >= 5")
    p = problem()
    assert (p["code"], p["cp_seq"], p["last"]) == ("truncated", 6, 4)
    assert "the checkpoint of" in sealing.describe(p) and "ends at row 4" in sealing.describe(p)


def test_replacing_the_newest_rows_is_found_by_the_checkpoint():
    write(4)
    sealing.seal()
    tamper("DELETE FROM audit_auditentry WHERE seq = 4")
    write(1)  # a new row takes seq 4: the chain is intact in itself
    sealing.seal(checkpoint=False)
    p = problem()
    assert (p["code"], p["seq"]) == ("checkpoint_mismatch", 4)


def test_an_altered_checkpoint_file_is_reported(settings):
    write(2)
    sealing.seal()
    path = settings.AUDIT_CHECKPOINT_PATH
    entry = json.loads(path.read_text())
    entry["seq"] = 1
    path.write_text(json.dumps(entry) + "\n")
    p = problem()
    assert p["code"] == "checkpoint_signature"
    assert "wrong signature" in sealing.describe(p)


def test_no_checkpoint_yet_is_a_note_not_a_failure(settings):
    write(2)
    sealing.seal(checkpoint=False)
    result = sealing.verify()
    assert result.ok
    assert [n["code"] for n in result.notes] == ["no_checkpoint"]


def test_rows_left_unsealed_for_more_than_a_minute_mean_the_sealer_is_not_running():
    with time_machine.travel(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)):
        write(2)
    assert sealing.verify(start_seq=None).unsealed == 2
    p = problem()
    assert (p["code"], p["count"]) == ("stale", 2)
    assert "is the sealer running?" in sealing.describe(p)
    sealing.seal()
    assert sealing.verify().ok


def test_verify_streams_rows(django_assert_max_num_queries):
    write(30)
    sealing.seal()
    with django_assert_max_num_queries(10):
        assert sealing.verify().rows == 30
