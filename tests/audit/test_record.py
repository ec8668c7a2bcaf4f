import pytest
from django.db import transaction

from resmon.audit.models import AuditEntry
from resmon.audit.selectors import entries_for
from resmon.audit.services import record


def test_record_refuses_outside_a_transaction(world):
    with pytest.raises(RuntimeError):
        # pytest-django wraps tests in a transaction; leave it to prove the guard
        conn = transaction.get_connection()
        saved = conn.in_atomic_block
        conn.in_atomic_block = False
        try:
            record(world.users["hni_officer"], "x", world.hni)
        finally:
            conn.in_atomic_block = saved


def test_rolled_back_write_leaves_no_audit_row(world):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        record(world.users["hni_officer"], "test.rollback", world.hni, agency_path=world.hni.path)
        1 / 0  # noqa: B018
    assert not AuditEntry.objects.filter(action="test.rollback").exists()


def test_audit_trail_is_scoped(world):
    with transaction.atomic():
        record(
            world.users["hni_officer"],
            "test.change",
            world.hni_so,
            agency_path=world.hni_so.path,
            before={"name": "a"},
            after={"name": "b"},
        )
    assert (
        entries_for(
            world.users["hni_officer"], object_type="agencies.agency", object_id=world.hni_so.pk
        ).count()
        == 1
    )
    assert (
        entries_for(
            world.users["hcm_officer"], object_type="agencies.agency", object_id=world.hni_so.pk
        ).count()
        == 0
    )
