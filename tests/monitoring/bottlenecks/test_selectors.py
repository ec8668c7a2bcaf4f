"""The bottleneck reads over the database: the user's visible tasks only, the filters, the drill-down
rule, a bounded number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from resmon.core.errors import NotFound, ValidationFailed
from resmon.monitoring.bottlenecks import selectors
from resmon.planning.models import Task, TaskDependency
from resmon.planning.selectors import tasks_visible

pytestmark = pytest.mark.django_db


def ranking(bworld, username, **kw):
    analysis = selectors.analyse(bworld.w.users[username], **kw)
    return [(analysis.agencies[a.agency_id], a) for a in analysis.ranking()]


def codes(rows):
    return [a.code for a, _f in rows]


def test_one_agency_blocking_five_tasks_ranks_first_nationwide(bworld):
    rows = ranking(bworld, "national_leader")
    assert [(a.code, f.rank, f.blocked_tasks, f.weighted_days) for a, f in rows] == [
        ("HNI-SKHCN", 1, 5, Decimal("250.00")),  # 5 tasks × 50 days overdue
        ("HNI-UBND", 2, 1, Decimal("19.00")),  # its part of the ministry's task, 19 days late
        ("HCM-X1", 3, 1, Decimal("10.00")),  # the ward's task, 10 days overdue
    ]
    (hni_so, figures), *_ = rows
    assert figures.direct_tasks == 5 and figures.max_days == 50 and figures.late_tasks == 1
    text = selectors.explanation(figures)
    assert "5" in text and "250" in text and "50" in text


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("steering", ["HNI-SKHCN", "HNI-UBND", "HCM-X1"]),  # the resolution nationwide
        ("hni_officer", ["HNI-SKHCN", "HNI-UBND"]),  # Hà Nội, and the ministry's task it coordinates
        ("inspector", ["HNI-SKHCN", "HNI-UBND"]),  # inspection grant over Hà Nội
        ("hcm_officer", ["HCM-X1"]),
        ("xa_officer", []),  # sees two waiting tasks, not the task they wait for
        ("ministry_officer", ["HNI-UBND"]),  # its own task, held by Hà Nội's late part
    ],
)
def test_a_user_sees_bottlenecks_among_the_tasks_visible_to_them(bworld, username, expected):
    user = bworld.w.users[username]
    rows = ranking(bworld, username)
    assert codes(rows) == expected
    visible = set(tasks_visible(user).values_list("pk", flat=True))
    analysis = selectors.analyse(user)
    assert set(analysis.result.tasks) <= visible
    for b in analysis.result.blockers:
        assert b.task_id in visible and set(b.held) <= visible


def test_the_resolution_filter_keeps_its_tasks_only(bworld):
    w = bworld.w
    assert codes(ranking(bworld, "national_leader", resolution=w.res2)) == []
    assert codes(ranking(bworld, "national_leader", resolution=w.res)) == ["HNI-SKHCN", "HNI-UBND", "HCM-X1"]


def test_the_agency_filter_keeps_blocking_agencies_in_the_subtree_with_their_ranks(bworld):
    w = bworld.w
    analysis = selectors.analyse(w.users["national_leader"])
    assert [(analysis.agencies[a.agency_id].code, a.rank) for a in analysis.ranking(w.hcm)] == [("HCM-X1", 3)]
    assert [analysis.agencies[a.agency_id].code for a in analysis.ranking(w.hni)] == ["HNI-SKHCN", "HNI-UBND"]
    # links with either end in the subtree
    pairs = [
        (analysis.agencies[x.from_agency_id].code, analysis.agencies[x.to_agency_id].code)
        for x in analysis.links(w.bo_khcn)
    ]
    assert pairs == [("HNI-UBND", "BKHCN")]


def test_links_are_ranked_by_weighted_days(bworld):
    analysis = selectors.analyse(bworld.w.users["national_leader"])
    got = [
        (
            analysis.agencies[x.from_agency_id].code,
            analysis.agencies[x.to_agency_id].code,
            x.blocked_tasks,
            x.weighted_days,
        )
        for x in analysis.links()
    ]
    assert got == [
        ("HNI-SKHCN", "HNI-UBND", 2, Decimal("100.00")),
        ("HNI-SKHCN", "HNI-X1-UBND", 2, Decimal("100.00")),
        ("HNI-SKHCN", "HNI-X2", 1, Decimal("50.00")),
        ("HNI-UBND", "BKHCN", 1, Decimal("19.00")),
        ("HCM-X1", "HCM", 1, Decimal("10.00")),
    ]


def test_the_graph_takes_the_heaviest_links_between_different_agencies(bworld):
    analysis = selectors.analyse(bworld.w.users["national_leader"])
    g = selectors.graph(analysis, limit=4)
    codes_ = sorted(analysis.agencies[i].code for i in g["nodes"])
    # the first three links involve four agencies; the fourth would add a fifth and a sixth
    assert codes_ == ["HNI-SKHCN", "HNI-UBND", "HNI-X1-UBND", "HNI-X2"]
    assert len(g["edges"]) == 3 and g["total_links"] == 5
    assert g["nodes"][bworld.w.hni_xa2.pk] is None  # only held up


def test_completing_or_delivering_removes_the_bottleneck(bworld):
    w = bworld.w
    Task.objects.filter(pk=w.tasks["hni_so"].pk).update(completed_on=dt.date(2026, 5, 19))
    w.tasks["ministry"].coordinations.filter(agency=w.hni_ubnd).update(delivered_on=dt.date(2026, 5, 2))
    assert codes(ranking(bworld, "national_leader")) == ["HCM-X1"]


def test_a_dependency_cycle_in_the_data_does_not_hang(bworld):
    w = bworld.w
    # the service refuses cycles; rows written otherwise must not hang the page
    TaskDependency.objects.create(task=w.tasks["hni_so"], depends_on=bworld.waiting[0])
    rows = ranking(bworld, "national_leader")
    # the first waiting task (due 30/09) is due 183 days after hni_so's task (31/03) needs it: it
    # holds hni_so's task and, through it, the four others; hni_so's task still holds all five
    assert [(a.code, f.blocked_tasks, f.weighted_days) for a, f in rows[:2]] == [
        ("HNI-X1-UBND", 5, Decimal("915.00")),
        ("HNI-SKHCN", 5, Decimal("250.00")),
    ]


def test_the_drilldown_agency_rule(bworld):
    w = bworld.w
    hni_officer = w.users["hni_officer"]
    analysis = selectors.analyse(hni_officer)
    # the ministry leads a task of Hà Nội's view (held by Hà Nội's late part): its drill-down opens
    assert selectors.agency_for_drilldown(hni_officer, analysis, w.bo_khcn.pk) == w.bo_khcn
    assert selectors.agency_for_drilldown(hni_officer, analysis, w.hni_xa.pk) == w.hni_xa  # visible
    with pytest.raises(NotFound):
        selectors.agency_for_drilldown(hni_officer, analysis, w.hcm.pk)
    with pytest.raises(NotFound):
        selectors.agency_for_drilldown(hni_officer, analysis, "abc")


def test_filters_refuse_what_the_user_may_not_see(bworld):
    w = bworld.w
    with pytest.raises(NotFound):
        selectors.pick_agency(w.users["hcm_officer"], str(w.hni.pk))
    with pytest.raises(ValidationFailed):
        selectors.pick_resolution(w.users["hcm_officer"], "999999")
    assert selectors.pick_resolution(w.users["hcm_officer"], "") is None


def test_the_analysis_takes_a_few_queries_whatever_the_size(bworld, django_assert_max_num_queries):
    for username in ("national_leader", "hni_officer"):
        user = bworld.w.users[username]
        assert user.scope  # computed once per request (the grants), before the analysis
        with django_assert_max_num_queries(3):  # dependencies, late parts, agencies' names
            selectors.analyse(user)
