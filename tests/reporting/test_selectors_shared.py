"""The reads the reporting pages, the API and the home page share: which tasks are leaves (percent
entered) and which are parents (rolled up); the reports still to start; the queue counts."""

from __future__ import annotations

import datetime as dt

import pytest

from resmon.planning.status import TaskState
from resmon.reporting import selectors
from tests.factories import task as make_task
from tests.reporting.page_helpers import open_form
from tests.reporting.reports_helpers import create, fill, sent
from tests.reporting.reports_helpers import program as commune_program

pytestmark = pytest.mark.django_db


def test_leaf_tasks_are_those_without_sub_tasks(rworld, django_assert_num_queries):
    w = rworld
    parent = w.tasks["hni_xa"]
    child = make_task(commune_program(w), w.hni_xa_ubnd, parent=parent, title="Khảo sát hộ kinh doanh")
    other = w.tasks["hcm"]
    with django_assert_num_queries(1):
        assert selectors.leaf_task_ids([parent.pk, child.pk, other.pk]) == {child.pk, other.pk}
    with django_assert_num_queries(0):
        assert selectors.leaf_task_ids([]) == set()


def test_a_parent_line_is_rolled_up_on_the_page_and_in_the_api(rworld, bearer):
    w = rworld
    parent = w.tasks["hni_xa"]
    child = make_task(commune_program(w), w.hni_xa_ubnd, parent=parent, title="Khảo sát hộ kinh doanh")
    report = create(w)
    body = bearer("xa_ubnd_officer").get(f"/api/v1/reports/{report.pk}").json()
    assert {line["task"]["id"]: line["is_leaf"] for line in body["lines"]} == {
        parent.pk: False,
        child.pk: True,
    }
    # the page takes a percent for the sub-task only
    _c, data = open_form(w, "xa_ubnd_officer", report)
    assert f"line-{child.pk}-percent_done" in data and f"line-{parent.pk}-percent_done" not in data


def test_a_programme_is_due_while_one_of_its_tasks_is_open_or_completed_in_the_period(rworld):
    w = rworld
    officer = w.users["xa_ubnd_officer"]
    program = commune_program(w)
    lead = w.tasks["hni_xa"]
    assert [r["program"] for r in selectors.reports_to_start(officer)] == [program]
    # every task completed before the period began (15/12/2025): nothing to report
    lead.completed_on = dt.date(2025, 11, 30)
    lead.save()
    make_task(program, w.hni_xa_ubnd, title="Việc xong sớm", completed_on=dt.date(2025, 12, 1))
    make_task(program, w.hni_xa_ubnd, title="Việc đã hủy", state=TaskState.CANCELLED)
    assert selectors.reports_to_start(officer) == []
    # one completed during the period: its report is due
    make_task(program, w.hni_xa_ubnd, title="Việc xong trong quý", completed_on=dt.date(2026, 2, 1))
    assert [r["program"] for r in selectors.reports_to_start(officer)] == [program]


def test_queue_counts_add_the_reports_still_to_start_to_those_to_prepare(rworld):
    w = rworld
    officer, leader, accepting = (w.users[n] for n in ("xa_ubnd_officer", "xa_ubnd_leader", "hni_leader"))
    assert selectors.queue_counts(officer)["to_prepare"] == 1  # due, not started
    report = fill(w, create(w))
    assert selectors.queue_counts(officer) == {
        "to_prepare": 1,
        "to_approve": 0,
        "to_accept": 0,
        "returned": 0,
    }
    sent(w, report)
    assert selectors.queue_counts(officer)["to_prepare"] == 0
    assert selectors.queue_counts(leader, queues=("to_prepare", "all")) == {"to_prepare": 0, "all": 1}
    assert selectors.queue_counts(accepting)["to_accept"] == 1
