"""The recipients acknowledge and report back; the issuing side closes or withdraws."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from resmon.core.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from resmon.monitoring.directives import selectors, services
from resmon.monitoring.directives.models import DirectiveRecipient, DirectiveStatus
from resmon.notifications.models import Kind
from tests.monitoring.directives.helpers import audits, issue, notified

pytestmark = pytest.mark.django_db


def rec(directive) -> DirectiveRecipient:
    return directive.recipients.get()


def test_the_commune_acknowledges_and_the_issuer_is_told(dirworld):
    w = dirworld
    d = issue(w)
    r = services.acknowledge(w.users["xa_ubnd_officer"], rec(d).pk)
    assert r.acknowledged_by == w.users["xa_ubnd_officer"] and r.acknowledged_at is not None
    assert audits("directives.acknowledged").get().object_id == str(r.pk)
    n = notified("hni_leader", Kind.DIRECTIVE_UPDATED).get()
    assert "UBND xã Tân An acknowledged" in n.title
    d.refresh_from_db()
    assert d.version == 2 and d.updated_by_name == "xa_ubnd_officer"
    with pytest.raises(Conflict) as exc:
        services.acknowledge(w.users["xa_ubnd_leader"], r.pk)
    assert str(exc.value) == "UBND xã Tân An acknowledged this directive on 17/03/2026 (xa_ubnd_officer)."
    assert audits("directives.acknowledged").count() == 1


def test_only_the_recipient_agency_answers(dirworld):
    w = dirworld
    d = issue(w)
    r = rec(d)
    # the issuing side sees the row but does not answer for the commune
    with pytest.raises(PermissionRefused) as exc:
        services.acknowledge(w.users["hni_officer"], r.pk)
    assert "UBND xã Tân An" in str(exc.value)
    # a sibling commune and another province do not even see it
    for name in ("xa2_officer", "hcm_officer"):
        with pytest.raises(NotFound):
            services.report_back(w.users[name], r.pk, "Đã hoàn thành")
    r.refresh_from_db()
    assert r.acknowledged_at is None and r.reported_at is None
    assert not audits("directives.acknowledged").exists()


def test_reporting_back_acknowledges_too(dirworld):
    w = dirworld
    d = issue(w)
    with time_machine.travel("2026-03-20 09:00 +0700", tick=False):
        r = services.report_back(w.users["xa_ubnd_leader"], rec(d).pk, "  Đã ban hành kế hoạch thực hiện.  ")
    assert r.report == "Đã ban hành kế hoạch thực hiện."
    assert r.acknowledged_by == r.reported_by == w.users["xa_ubnd_leader"]
    entry = audits("directives.reported").get()
    assert entry.before["reported_at"] is None and entry.after["report"] == r.report
    n = notified("hni_leader", Kind.DIRECTIVE_UPDATED).get()
    assert "reported on the directive" in n.title and r.report in n.body
    with pytest.raises(Conflict):
        services.report_back(w.users["xa_ubnd_officer"], r.pk, "Báo cáo lần hai")


def test_an_empty_report_is_refused_and_changes_nothing(dirworld):
    w = dirworld
    d = issue(w)
    with pytest.raises(ValidationFailed) as exc:
        services.report_back(w.users["xa_ubnd_officer"], rec(d).pk, "   ")
    assert exc.value.errors == {"report": ["Write what your agency did (at least 5 characters)."]}
    r = rec(d)
    assert r.acknowledged_at is None and r.report == ""
    assert not audits("directives.reported").exists()
    assert not notified("hni_leader").exists()


def test_closing_with_reports_pending_needs_a_note_and_the_current_version(dirworld):
    w = dirworld
    d = issue(w)
    leader = w.users["hni_leader"]
    with pytest.raises(ValidationFailed) as exc:
        services.close(leader, d, "", version=d.version)
    assert "Not every recipient has reported" in exc.value.errors["note"][0]
    services.acknowledge(w.users["xa_ubnd_officer"], rec(d).pk)  # the version moves on
    with pytest.raises(Conflict) as exc:
        services.close(leader, d, "Đã xong", version=1)
    assert "xa_ubnd_officer" in str(exc.value)
    d.refresh_from_db()
    assert d.status == DirectiveStatus.OPEN
    closed = services.close(leader, d, "Đã xử lý qua họp giao ban", version=d.version)
    assert closed.status == DirectiveStatus.CLOSED and closed.close_note == "Đã xử lý qua họp giao ban"
    entry = audits("directives.closed").get()
    assert entry.reason == "Đã xử lý qua họp giao ban" and entry.before["status"] == "open"
    assert notified("xa_ubnd_officer", Kind.DIRECTIVE_UPDATED).filter(title__contains="closed").exists()
    # closed: nothing more to answer, close again or withdraw
    with pytest.raises(Conflict):
        services.report_back(w.users["xa_ubnd_officer"], rec(d).pk, "Muộn rồi")
    with pytest.raises(Conflict):
        services.withdraw(leader, d, "Không cần nữa")


def test_a_fully_reported_directive_closes_without_a_note(dirworld):
    w = dirworld
    d = issue(w)
    services.report_back(w.users["xa_ubnd_officer"], rec(d).pk, "Đã hoàn thành")
    assert services.close(w.users["hni_leader"], d).status == DirectiveStatus.CLOSED


def test_only_the_issuing_side_closes_or_withdraws(dirworld):
    w = dirworld
    d = issue(w)
    for name in ("xa_ubnd_leader", "hni_officer"):
        with pytest.raises(PermissionRefused):
            services.withdraw(w.users[name], d, "Không phù hợp")
    with pytest.raises(NotFound):
        services.close(w.users["hcm_leader"], d, "x" * 10)
    d.refresh_from_db()
    assert d.status == DirectiveStatus.OPEN and not audits("directives.withdrawn").exists()


def test_withdrawing_needs_a_reason_and_tells_the_recipients(dirworld):
    w = dirworld
    d = issue(w)
    with pytest.raises(ValidationFailed) as exc:
        services.withdraw(w.users["hni_leader"], d, "")
    assert "reason" in exc.value.errors
    d = services.withdraw(w.users["hni_leader"], d, "Nhiệm vụ đã điều chỉnh", version=d.version)
    assert d.status == DirectiveStatus.WITHDRAWN and d.closed_at is not None
    assert audits("directives.withdrawn").get().reason == "Nhiệm vụ đã điều chỉnh"
    n = notified("xa_ubnd_leader", Kind.DIRECTIVE_UPDATED).get()
    assert "withdrew" in n.title and "Nhiệm vụ đã điều chỉnh" in n.body


def test_scope_of_reading(dirworld):
    w = dirworld
    d = issue(w)
    for name in ("hni_leader", "hni_officer", "xa_ubnd_officer", "inspector", "national_leader", "steering"):
        assert selectors.get_directive(w.users[name], d.pk) == d, name
    for name in ("xa2_officer", "hcm_leader", "ministry_officer"):
        with pytest.raises(NotFound):
            selectors.get_directive(w.users[name], d.pk)
        assert not selectors.directives_for(w.users[name], box="all").exists()


def test_boxes_and_counts(dirworld):
    w = dirworld
    d1 = issue(w)
    d2 = issue(
        w, task=None, agency=w.hni, recipients=[w.hni_xa_ubnd.pk, w.hni_xa2.pk], text="Rà soát chương trình"
    )
    officer = w.users["xa_ubnd_officer"]
    assert list(selectors.directives_for(officer)) == [d2, d1]  # open, nearest date, newest first
    assert not selectors.directives_for(officer, box="issued").exists()
    assert set(selectors.directives_for(w.users["hni_leader"], box="issued")) == {d1, d2}
    assert not selectors.directives_for(w.users["hni_leader"], box="received").exists()
    assert list(selectors.directives_for(officer, q="Rà soát")) == [d2]
    assert list(selectors.directives_for(w.users["hni_leader"], box="issued", q="Phú Mỹ")) == [d2]
    assert selectors.open_directive_counts(officer) == {"to_report": 2, "awaiting": 0}
    assert selectors.open_directive_counts(w.users["hni_leader"]) == {"to_report": 0, "awaiting": 2}
    services.report_back(officer, d1.recipients.get().pk, "Đã xong việc")
    assert selectors.open_directive_counts(officer) == {"to_report": 1, "awaiting": 0}
    assert selectors.open_directive_counts(w.users["hni_leader"]) == {"to_report": 0, "awaiting": 1}
    row = selectors.directives_for(w.users["hni_leader"], box="issued").get(pk=d2.pk)
    assert (row.n_recipients, row.n_acknowledged, row.n_reported) == (2, 0, 0)


def test_a_recipient_sees_only_its_own_row_the_issuer_all(dirworld):
    w = dirworld
    d = issue(w, task=None, agency=w.hni, recipients=[w.hni_xa.pk, w.hni_xa2.pk])
    assert [r.agency for r in selectors.recipients_of(w.users["xa_officer"], d)] == [w.hni_xa]
    assert len(selectors.recipients_of(w.users["hni_leader"], d)) == 2


def test_response_stats_count_on_the_local_calendar(dirworld):
    """What the evaluation reads: per agency, directives received in a window, acknowledged,
    reported, reported by their date (judged on Hà Nội's calendar), not yet due."""
    w = dirworld
    d1 = issue(w)  # to the commune People's Committee, due 31/03/2026
    d2 = issue(
        w, task=None, agency=w.hni, recipients=[w.hni_xa_ubnd.pk, w.hni_xa2.pk], due_date=dt.date(2026, 3, 20)
    )
    d3 = issue(w, text="Sẽ rút lại")
    services.withdraw(w.users["hni_leader"], d3, "Ban hành nhầm")
    services.report_back(w.users["xa_ubnd_officer"], d1.recipients.get().pk, "Đúng hạn")
    with time_machine.travel("2026-03-21 00:30 +0700", tick=False):  # 20/03 in UTC, 21/03 in Hà Nội
        services.report_back(
            w.users["xa_ubnd_officer"], d2.recipients.get(agency=w.hni_xa_ubnd).pk, "Báo cáo trễ hạn"
        )
    services.acknowledge(w.users["xa2_officer"], d2.recipients.get(agency=w.hni_xa2).pk)
    ids = [w.hni_xa_ubnd.pk, w.hni_xa2.pk, w.hcm.pk]
    stats = selectors.response_stats(ids, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert stats[w.hni_xa_ubnd.pk] == selectors.ResponseStats(
        received=2, acknowledged=2, reported=2, reported_on_time=1, not_yet_due=0
    )
    assert stats[w.hni_xa2.pk] == selectors.ResponseStats(
        received=1, acknowledged=1, reported=0, reported_on_time=0, not_yet_due=1
    )
    assert stats[w.hni_xa2.pk].judged == 0 and w.hcm.pk not in stats
    assert selectors.response_stats(ids, dt.date(2026, 4, 1), dt.date(2026, 4, 30)) == {}
    assert selectors.response_stats([], dt.date(2026, 3, 1), dt.date(2026, 3, 31)) == {}
