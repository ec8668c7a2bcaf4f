"""50 concurrent writers and a running sealer end in one unbroken chain (PostgreSQL only: SQLite has
one writer at a time, so there is nothing to race)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from resmon.audit import sealing
from resmon.audit.models import AuditEntry
from resmon.audit.services import record

WRITERS = 50
ROWS_EACH = 20

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency needs PostgreSQL"),
]


def test_fifty_writers_and_a_sealer_end_in_one_unbroken_chain():
    start = threading.Barrier(WRITERS + 1)
    writers_done = threading.Event()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(ROWS_EACH):
                with transaction.atomic():
                    record(None, "test.concurrent", object_type="test.writer", object_id=f"{n}-{i}")
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    def sealer() -> None:
        try:
            start.wait()
            while not writers_done.is_set():
                sealing.seal(batch=100)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    seal_thread = threading.Thread(target=sealer)
    for t in [*threads, seal_thread]:
        t.start()
    for t in threads:
        t.join(timeout=120)
    writers_done.set()
    seal_thread.join(timeout=120)
    assert not errors, errors

    sealing.seal()
    total = WRITERS * ROWS_EACH
    assert AuditEntry.objects.filter(action="test.concurrent").count() == total
    assert not AuditEntry.objects.filter(seq__isnull=True).exists()
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    result = sealing.verify()
    assert result.ok, sealing.describe(result.problem)
    assert result.rows == len(seqs) >= total
