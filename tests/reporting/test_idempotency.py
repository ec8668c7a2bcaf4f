"""Retried writes: the same key gives the first result again; two concurrent creations of one
report end with one report and one conflict."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections

from resmon.core.errors import Conflict, ValidationFailed
from resmon.reporting.models import IdempotencyKey, PeriodReport, ReportState
from resmon.reporting.services import reports as svc
from resmon.reporting.services.idempotency import once, request_hash
from tests.reporting.helpers import quarter
from tests.reporting.reports_helpers import audits, create, fresh, sent


@pytest.mark.django_db
def test_the_same_key_twice_creates_one_report_and_one_audit_row(rworld):
    first = create(rworld, idempotency_key="form-1234")
    again = create(rworld, idempotency_key="form-1234")
    assert again.pk == first.pk
    assert PeriodReport.objects.count() == 1
    assert audits("reporting.report_created").count() == 1
    key = IdempotencyKey.objects.get()
    assert (key.user, key.key, key.action, key.object_id) == (
        rworld.users["xa_ubnd_officer"],
        "form-1234",
        "reporting.create_report",
        first.pk,
    )


@pytest.mark.django_db
def test_the_same_key_for_another_request_is_refused(rworld):
    create(rworld, idempotency_key="form-1234")
    with pytest.raises(Conflict) as exc:
        create(rworld, period=quarter("2025-Q4"), idempotency_key="form-1234")
    assert exc.value.code == "idempotency_key_reused"
    assert PeriodReport.objects.count() == 1


@pytest.mark.django_db
def test_without_a_key_a_second_creation_is_a_conflict(rworld):
    create(rworld)
    with pytest.raises(Conflict) as exc:
        create(rworld)
    assert exc.value.code == "report_exists"
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_keys_belong_to_one_user(rworld):
    create(rworld, idempotency_key="k")
    with pytest.raises(Conflict) as exc:  # another user's "k" is a new request: the report exists
        create(rworld, "xa_ubnd_leader", idempotency_key="k")
    assert exc.value.code == "report_exists"


@pytest.mark.django_db
def test_a_refused_write_keeps_no_key_so_the_corrected_retry_runs(rworld):
    w = rworld
    report = create(w)
    with pytest.raises(ValidationFailed):
        svc.return_report(w.users["hni_leader"], sent(w, report), reason="x", idempotency_key="ret-1")
    assert not IdempotencyKey.objects.filter(key="ret-1").exists()
    reason = "Thiếu biên bản nghiệm thu, đề nghị bổ sung."
    returned = svc.return_report(w.users["hni_leader"], report, reason=reason, idempotency_key="ret-1")
    assert returned.state == ReportState.RETURNED


@pytest.mark.django_db
def test_a_double_click_on_accept_accepts_once(rworld):
    w = rworld
    report = sent(w)
    leader = w.users["hni_leader"]
    version = fresh(report).version
    first = svc.accept_report(leader, report, expected_version=version, idempotency_key="acc-1")
    second = svc.accept_report(leader, report, expected_version=version, idempotency_key="acc-1")
    assert second.pk == first.pk and second.state == ReportState.ACCEPTED
    assert audits("reporting.report_accepted").count() == 1
    assert audits("planning.progress_reported").count() == 1
    # the same key on another step of the same report is another request
    with pytest.raises(Conflict) as exc:
        svc.return_report(leader, report, reason="Đề nghị bổ sung số liệu.", idempotency_key="acc-1")
    assert exc.value.code == "idempotency_key_reused"


def test_the_request_hash_is_canonical():
    assert request_hash("a", {"x": 1, "y": [1, 2]}) == request_hash("a", {"y": [1, 2], "x": 1})
    assert request_hash("a", {"x": 1}) != request_hash("b", {"x": 1})
    assert request_hash("a", {"x": 1}) != request_hash("a", {"x": "2"})


@pytest.mark.django_db
def test_an_overlong_key_is_refused(rworld):
    with pytest.raises(ValidationFailed) as exc:
        once(rworld.users["hni_leader"], "k" * 101, "x", {}, lambda: None, model=PeriodReport)
    assert exc.value.field == "idempotency_key"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency needs PostgreSQL")
@pytest.mark.parametrize("key", ["", "same-key"])
def test_two_concurrent_creations_end_with_one_report(rworld, key, monkeypatch):
    """Two people (no key) or one double click (the same key, the same user) at the same moment."""
    w = rworld
    real = svc.accepting_agency_for

    def slow(*args, **kwargs):  # widen the window between "does it exist?" and the insert
        time.sleep(0.3)
        return real(*args, **kwargs)

    monkeypatch.setattr(svc, "accepting_agency_for", slow)
    start = threading.Barrier(2)
    results: list[object] = []
    users = ["xa_ubnd_officer", "xa_ubnd_leader"] if not key else ["xa_ubnd_officer", "xa_ubnd_officer"]

    def attempt(username: str) -> None:
        try:
            start.wait()
            results.append(create(w, username, idempotency_key=key))
        except Exception as exc:  # noqa: BLE001 - reported by the main thread
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(name,)) for name in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert PeriodReport.objects.count() == 1
    report = PeriodReport.objects.get()
    assert audits("reporting.report_created").count() == 1
    created = [r for r in results if isinstance(r, PeriodReport)]
    conflicts = [r for r in results if isinstance(r, Conflict)]
    if key:  # the retry gets the same report back
        assert [r.pk for r in created] == [report.pk, report.pk], results
    else:
        assert [r.pk for r in created] == [report.pk], results
        assert len(conflicts) == 1 and conflicts[0].extra == {"report_id": report.pk}, results
