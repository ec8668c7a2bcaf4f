"""Reads on period reports: scope, the queues, lines in tree order, a task's history, the
"to write" list."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from resmon.core.errors import NotFound
from resmon.planning.models import ProgramSchedule
from resmon.reporting import selectors
from resmon.reporting.services import reports as svc
from tests.factories import task as make_task
from tests.reporting.helpers import quarter
from tests.reporting.reports_helpers import create, fill, sent
from tests.reporting.reports_helpers import program as commune_program

pytestmark = pytest.mark.django_db


def _ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("username", "sees"),
    [
        ("xa_ubnd_officer", True),  # the reporting agency
        ("xa_officer", True),  # above it
        ("hni_leader", True),  # the accepting level
        ("inspector", True),  # inspects Hà Nội
        ("steering", True),  # steering committee of the resolution
        ("sysadmin", True),
        ("xa2_officer", False),  # a sibling commune
        ("hni_so_officer", False),  # a department of the city
        ("hcm_officer", False),  # another province
    ],
)
def test_a_report_is_seen_by_its_agency_the_accepting_level_and_their_supervisors(rworld, username, sees):
    report = create(rworld)
    user = rworld.users[username]
    assert (report.pk in _ids(selectors.reports_for(user))) is sees
    if sees:
        assert selectors.get_report(user, report.pk) == report
    else:
        with pytest.raises(NotFound):
            selectors.get_report(user, report.pk)


def test_get_report_of_a_missing_or_malformed_id_is_not_found(rworld):
    with pytest.raises(NotFound):
        selectors.get_report(rworld.users["hni_leader"], 999999)
    with pytest.raises(NotFound):
        selectors.get_report(rworld.users["hni_leader"], "abc")


def test_the_queues_follow_the_report_through_its_chain(rworld):
    w = rworld
    u = w.users

    def queues(username):
        return {q for q in selectors.QUEUES if report.pk in _ids(selectors.reports_for(u[username], queue=q))}

    report = create(w)
    assert queues("xa_ubnd_officer") == {"to_prepare"}
    assert queues("xa_ubnd_leader") == {"to_prepare"}
    assert queues("hni_leader") == {"to_prepare"}  # it is in Thành ủy's write scope too
    assert queues("inspector") == set()

    report = svc.submit_to_head(u["xa_ubnd_officer"], fill(w, report))
    assert queues("xa_ubnd_leader") == {"to_approve"}
    assert queues("xa_ubnd_officer") == set()  # officers do not approve

    report = svc.approve_and_send(u["xa_ubnd_leader"], report)
    assert queues("hni_leader") == {"to_accept"}
    assert queues("hni_officer") == {"to_accept"}
    assert queues("xa_ubnd_leader") == set()  # never its own report to accept
    assert queues("hni_admin") == set()

    report = svc.return_report(u["hni_leader"], report, reason="Thiếu số liệu tháng 3, đề nghị bổ sung.")
    assert queues("xa_ubnd_officer") == {"to_prepare", "returned"}
    assert queues("hni_leader") == {"to_prepare", "returned"}
    with pytest.raises(ValueError):
        selectors.reports_for(u["hni_leader"], queue="everything")


def test_filters_and_search(rworld):
    w = rworld
    report = create(w)
    other = create(w, period=quarter("2025-Q4"))
    leader = w.users["hni_leader"]
    assert _ids(selectors.reports_for(leader)) == {report.pk, other.pk}
    assert list(selectors.reports_for(leader)) == [report, other]  # newest period first
    assert _ids(selectors.reports_for(leader, period=quarter())) == {report.pk}
    assert _ids(selectors.reports_for(leader, period=quarter().pk)) == {report.pk}
    assert _ids(selectors.reports_for(leader, program=commune_program(w).pk)) == {report.pk, other.pk}
    assert _ids(selectors.reports_for(leader, agency=w.hni_xa)) == {report.pk, other.pk}  # its subtree
    assert _ids(selectors.reports_for(leader, agency=w.hni_so.pk)) == set()
    assert _ids(selectors.reports_for(leader, state="sent")) == set()
    assert _ids(selectors.reports_for(leader, q="Tân An")) == {report.pk, other.pk}
    assert _ids(selectors.reports_for(leader, q="2025-Q4")) == {other.pk}
    assert _ids(selectors.reports_for(leader, q="Phú Mỹ")) == set()


def test_lines_come_in_tree_order_with_their_milestones(rworld):
    w = rworld
    prog = commune_program(w)
    parent = w.tasks["hni_xa"]
    b = make_task(prog, w.hni_xa_ubnd, assigned_by=w.hni_xa_ubnd, parent=parent, code="1.2.10")
    a = make_task(prog, w.hni_xa_ubnd, assigned_by=w.hni_xa_ubnd, parent=parent, code="1.2.9")
    a.milestones.create(name="M1", due_date=dt.date(2026, 2, 1))
    report = create(w)
    lines = selectors.report_lines(report)
    assert [line.task for line in lines] == [parent, a, b]
    assert [m.name for m in lines[1].task.milestones.all()] == ["M1"]


def test_a_tasks_report_history_is_scoped(rworld):
    w = rworld
    leaf = w.tasks["hni_xa"]
    old = sent(w, create(w, period=quarter("2025-Q4")))
    svc.accept_report(w.users["hni_leader"], old)
    new = create(w)
    history = selectors.reports_for_task(w.users["hni_leader"], leaf)
    assert [line.report for line in history] == [new, old]
    assert not selectors.reports_for_task(w.users["hcm_officer"], leaf).exists()


def test_the_due_list_offers_the_report_to_write_and_then_shows_it(rworld):
    w = rworld
    officer = w.users["xa_ubnd_officer"]
    rows = selectors.due_reports_for(officer)
    assert [(r["program"], r["agency"], r["period"], r["report"]) for r in rows] == [
        (commune_program(w), w.hni_xa_ubnd, quarter(), None)
    ]
    assert rows[0]["due_date"] == dt.date(2026, 3, 19) and rows[0]["overdue"] is False
    report = create(w)
    assert selectors.due_reports_for(officer)[0]["report"] == report
    # the commune's party committee (above) sees what its People's Committee owes
    assert [r["agency"] for r in selectors.due_reports_for(w.users["xa_officer"])] == [w.hni_xa_ubnd]
    # a given period
    assert selectors.due_reports_for(officer, quarter("2025-Q4"))[0]["period"] == quarter("2025-Q4")
    # nothing for a sibling, an inspector, or an agency administrator
    assert selectors.due_reports_for(w.users["xa2_officer"]) == []
    assert selectors.due_reports_for(w.users["inspector"]) == []


def test_after_the_due_date_the_next_period_is_due_and_a_monthly_schedule_lists_months(rworld):
    w = rworld
    officer = w.users["xa_ubnd_officer"]
    with time_machine.travel(dt.datetime(2026, 3, 25, 3, 0, tzinfo=dt.UTC), tick=False):
        assert [r["period"] for r in selectors.due_reports_for(officer)] == [quarter("2026-Q2")]
        ProgramSchedule.objects.create(program=commune_program(w), kind="month", due_days=5)
        rows = selectors.due_reports_for(officer)
    assert [r["period"].code for r in rows] == ["2026-M4"]  # 15/03–14/04, due 19/04
