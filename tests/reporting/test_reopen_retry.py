"""Reopening an accepted report is retry-safe (the kill -9 drill: a client whose answer was lost sends
the same request again): the same Idempotency-Key gets the first result, one audit row; a new key
on a report already reopened is refused as before."""

from __future__ import annotations

import pytest

from resmon.reporting.services import reports as svc
from tests.reporting.reports_helpers import audits, sent

pytestmark = pytest.mark.django_db
REASON = "Số liệu tỷ lệ hoàn thành chưa khớp với biên bản kiểm tra, đề nghị rà soát lại."


def test_a_reopen_sent_twice_with_the_same_key_is_done_once(rworld, bearer):
    report = svc.accept_report(rworld.users["hni_leader"], sent(rworld))
    client = bearer("hni_leader", confirmed=True)

    def reopen(key: str):
        return client.post(
            f"/api/v1/reports/{report.pk}/reopen",
            {"version": report.version, "reason": REASON},
            content_type="application/json",
            headers={"Idempotency-Key": key},
        )

    first = reopen("reopen-1")
    assert first.status_code == 200, first.content
    again = reopen("reopen-1")
    assert again.status_code == 200 and again.json()["version"] == first.json()["version"]
    assert audits("reporting.report_reopened", report).count() == 1
    refused = reopen("reopen-2")  # another request: the report is no longer accepted
    assert refused.status_code in (400, 409) and audits("reporting.report_reopened", report).count() == 1
