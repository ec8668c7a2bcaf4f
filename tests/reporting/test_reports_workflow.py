"""The review chain: officer → head → sent → returned → fixed → sent → accepted (tasks updated,
report locked) → reopened; who may do each step, timeliness, the "wait for all" rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from resmon.audit.models import AuditEntry
from resmon.core import clock
from resmon.core.access import Role
from resmon.core.errors import PermissionRefused, ValidationFailed
from resmon.notifications.models import Kind, Notification
from resmon.planning.models import Milestone, Task
from resmon.planning.status import TaskState
from resmon.reporting.models import Observation, ReportState, ReviewRule
from resmon.reporting.services import reports as svc
from tests.factories import program as make_program
from tests.factories import task as make_task
from tests.factories import user as make_user
from tests.planning.kpi_helpers import indicator
from tests.reporting.helpers import AFTER_DUE, quarter
from tests.reporting.reports_helpers import audits, create, fill, fresh, sent
from tests.reporting.reports_helpers import program as commune_program

pytestmark = pytest.mark.django_db

REASON = "Số liệu tỷ lệ hoàn thành chưa khớp với biên bản kiểm tra, đề nghị rà soát lại."


def _notified(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_the_full_cycle(rworld):
    w = rworld
    officer, head = w.users["xa_ubnd_officer"], w.users["xa_ubnd_leader"]
    accepting = w.users["hni_leader"]
    leaf = w.tasks["hni_xa"]
    milestone = Milestone.objects.create(task=leaf, name="Hoàn thành khảo sát", due_date=dt.date(2026, 3, 1))

    report = create(w)
    report = svc.save_report(
        officer,
        report,
        expected_version=1,
        results="Đã triển khai",
        lines=[{"task": leaf.pk, "percent_done": "40", "milestones": [milestone.pk]}],
    )

    # the officer sends it to the head; the commune's leaders are told
    report = svc.submit_to_head(officer, report, expected_version=2)
    assert report.state == ReportState.AWAITING_HEAD
    assert report.submitted_to_head_at == clock.now()
    assert _notified(Kind.REPORT_SUBMITTED) == {"xa_ubnd_leader"}

    # the head approves it: sent to Thành ủy, on time (17/03, due 19/03)
    report = svc.approve_and_send(head, report, expected_version=3)
    assert report.state == ReportState.SENT
    assert report.first_sent_at == clock.now() and report.is_late is False
    assert report.head_approved_by == head
    assert _notified(Kind.REPORT_SUBMITTED) == {"xa_ubnd_leader", "hni_leader", "hni_officer"}

    # returned: a reason is required
    with pytest.raises(ValidationFailed) as exc:
        svc.return_report(accepting, report, reason="Sai", expected_version=4)
    assert exc.value.field == "reason" and "10 characters" in str(exc.value)
    assert fresh(report).state == ReportState.SENT
    report = svc.return_report(accepting, report, reason=REASON, expected_version=4)
    assert (report.state, report.return_reason, report.returned_by) == (
        ReportState.RETURNED,
        REASON,
        accepting,
    )
    assert _notified(Kind.REPORT_RETURNED) == {"xa_ubnd_officer", "xa_ubnd_leader"}
    assert Task.objects.get(pk=leaf.pk).percent_done == Decimal("0")  # nothing applied yet

    # fixed and sent again, later: the first sending still decides timeliness
    report = svc.save_report(officer, report, lines=[{"task": leaf.pk, "percent_done": "55"}])
    with time_machine.travel(AFTER_DUE, tick=False):
        report = svc.approve_and_send(head, report)
        assert report.sent_at == clock.now()
    assert report.first_sent_at == dt.datetime(2026, 3, 17, 3, 0, tzinfo=dt.UTC)
    assert report.is_late is False

    # accepted: the progress goes to the task, the milestone is done on the period's last day
    with time_machine.travel(AFTER_DUE, tick=False):
        report = svc.accept_report(accepting, report, expected_version=report.version)
    assert (report.state, report.accepted_by) == (ReportState.ACCEPTED, accepting)
    task = Task.objects.get(pk=leaf.pk)
    assert task.percent_done == Decimal("55")
    assert task.first_progress_on == dt.date(2026, 3, 14)  # the end of Q1 (Decree 09)
    assert task.version == leaf.version + 1
    assert Milestone.objects.get(pk=milestone.pk).done_on == dt.date(2026, 3, 14)
    progress = AuditEntry.objects.get(action="planning.progress_reported")
    assert progress.reason == f"Accepted report #{report.pk}"
    assert progress.actor_name == "hni_leader"
    assert progress.after["milestones_done"] == [milestone.pk]
    assert _notified(Kind.REPORT_ACCEPTED) == {"xa_ubnd_officer", "xa_ubnd_leader"}

    # locked
    with pytest.raises(ValidationFailed) as exc:
        svc.save_report(officer, report, results="Sửa sau khi tiếp nhận")
    assert exc.value.code == "report_locked"
    assert "accepted on 25/03/2026 and is locked" in str(exc.value)
    with pytest.raises(ValidationFailed):
        svc.ensure_editable(officer, fresh(report))  # what evidence, KPI values and proposals check
    with pytest.raises(ValidationFailed):
        svc.submit_to_head(officer, report)

    # reopened by the accepting level, with a reason
    with pytest.raises(ValidationFailed):
        svc.reopen_report(accepting, report, reason="")
    report = svc.reopen_report(accepting, report, reason=REASON)
    assert (report.state, report.reopen_reason) == (ReportState.RETURNED, REASON)
    svc.save_report(officer, report, results="Đã rà soát lại")

    # every step left its audit row, with its actor (and reason)
    rows = list(audits("reporting.report_created", report)) + list(
        AuditEntry.objects.filter(object_id=str(report.pk), action__startswith="reporting.report_").exclude(
            action="reporting.report_created"
        )
    )
    steps = [(r.action, r.actor_name, r.reason) for r in sorted(rows, key=lambda r: r.pk)]
    assert steps == [
        ("reporting.report_created", "xa_ubnd_officer", ""),
        ("reporting.report_saved", "xa_ubnd_officer", ""),
        ("reporting.report_submitted_to_head", "xa_ubnd_officer", ""),
        ("reporting.report_sent", "xa_ubnd_leader", ""),
        ("reporting.report_returned", "hni_leader", REASON),
        ("reporting.report_saved", "xa_ubnd_officer", ""),
        ("reporting.report_sent", "xa_ubnd_leader", ""),
        ("reporting.report_accepted", "hni_leader", ""),
        ("reporting.report_reopened", "hni_leader", REASON),
        ("reporting.report_saved", "xa_ubnd_officer", ""),
    ]
    sent_row = audits("reporting.report_sent", report).order_by("pk").first()
    assert sent_row.before["state"] == "awaiting_head" and sent_row.after["state"] == "sent"


def test_accepting_a_completion_date_completes_the_task(rworld):
    w = rworld
    leaf = w.tasks["hni_xa"]
    report = create(w)
    svc.save_report(
        w.users["xa_ubnd_officer"], report, lines=[{"task": leaf.pk, "completed_on": "12/03/2026"}]
    )
    report = sent(w, report, percent="100")
    svc.accept_report(w.users["hni_officer"], report)
    task = Task.objects.get(pk=leaf.pk)
    assert (task.percent_done, task.completed_on) == (Decimal("100"), dt.date(2026, 3, 12))
    assert task.first_progress_on == dt.date(2026, 3, 12)


def test_parent_lines_set_nothing_on_their_task(rworld):
    w = rworld
    parent = w.tasks["hni_xa"]
    child = make_task(
        commune_program(w), w.hni_xa_ubnd, assigned_by=w.hni_xa_ubnd, parent=parent, code="1.2.1"
    )
    report = sent(w, percent="80")
    svc.accept_report(w.users["hni_leader"], report)
    assert Task.objects.get(pk=child.pk).percent_done == Decimal("80")
    assert Task.objects.get(pk=parent.pk).version == parent.version  # rolled up, not written
    assert AuditEntry.objects.filter(action="planning.progress_reported").count() == 1


def test_the_head_may_send_back_with_a_note(rworld):
    w = rworld
    report = fill(w, create(w))
    report = svc.submit_to_head(w.users["xa_ubnd_officer"], report)
    head = w.users["xa_ubnd_leader"]
    with pytest.raises(ValidationFailed) as exc:
        svc.send_back_to_officer(head, report, note="  ")
    assert exc.value.field == "note"
    with pytest.raises(PermissionRefused):
        svc.send_back_to_officer(w.users["xa_ubnd_officer"], report, note="Tự trả lại")
    report = svc.send_back_to_officer(head, report, note="Bổ sung minh chứng")
    assert report.state == ReportState.DRAFT
    assert audits("reporting.report_sent_back", report).get().reason == "Bổ sung minh chứng"
    assert _notified(Kind.REPORT_RETURNED) == {"xa_ubnd_officer"}


def test_a_leader_sends_directly_from_draft(rworld):
    w = rworld
    report = fill(w, create(w))
    report = svc.approve_and_send(w.users["xa_ubnd_leader"], report)
    assert report.state == ReportState.SENT
    assert report.submitted_to_head_at is None


@pytest.mark.parametrize("username", ["xa_ubnd_officer", "hni_officer", "xa2_officer", "inspector"])
def test_only_a_leader_of_the_reporting_agency_approves_for_sending(rworld, username):
    w = rworld
    report = svc.submit_to_head(w.users["xa_ubnd_officer"], fill(w, create(w)))
    with pytest.raises(PermissionRefused) as exc:
        svc.approve_and_send(w.users[username], report)
    assert "Only a leader of UBND xã Tân An" in str(exc.value)
    report = fresh(report)
    assert (report.state, report.first_sent_at) == (ReportState.AWAITING_HEAD, None)
    assert not audits("reporting.report_sent").exists()


def test_an_incomplete_report_cannot_be_sent(rworld):
    w = rworld
    leaf = w.tasks["hni_xa"]
    officer = w.users["xa_ubnd_officer"]
    report = svc.save_report(officer, create(w), lines=[{"task": leaf.pk, "percent_done": ""}])
    ind = indicator(w.hni)
    obs = Observation.objects.create(
        indicator=ind,
        indicator_version=ind.current,
        agency=w.hni_xa_ubnd,
        period=report.period,
        report=report,
        value=Decimal("95"),
        is_outlier=True,
        entered_by=officer,
    )
    for step in (
        lambda: svc.submit_to_head(officer, report),
        lambda: svc.approve_and_send(w.users["xa_ubnd_leader"], report),
    ):
        with pytest.raises(ValidationFailed) as exc:
            step()
        assert exc.value.code == "report_incomplete"
        assert set(exc.value.errors) == {
            f"lines.{leaf.pk}.percent_done",
            f"observations.{ind.pk}.explanation",
        }
    assert fresh(report).state == ReportState.DRAFT
    # filled and explained: it goes
    svc.save_report(officer, report, lines=[{"task": leaf.pk, "percent_done": "30"}])
    Observation.objects.filter(pk=obs.pk).update(explanation="Năm nay xã được bổ sung kinh phí.")
    assert svc.submit_to_head(officer, report).state == ReportState.AWAITING_HEAD


# --- who accepts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("xa_ubnd_leader", "UBND xã Tân An cannot accept, return or reopen its own report"),
        ("xa_ubnd_officer", "cannot accept, return or reopen its own report"),
        ("xa_officer", "Only the leaders and focal officers of Thành ủy Hà Nội"),  # the commune's party
        ("xa2_officer", "Only the leaders and focal officers of Thành ủy Hà Nội"),  # a sibling commune
        ("inspector", "Only the leaders and focal officers of Thành ủy Hà Nội"),
        ("hni_admin", "Only the leaders and focal officers of Thành ủy Hà Nội"),
        ("hcm_officer", "Only the leaders and focal officers of Thành ủy Hà Nội"),
    ],
)
def test_accept_and_return_are_for_the_accepting_level_only(rworld, username, message):
    w = rworld
    report = sent(w)
    actor = w.users[username]
    for step in (
        lambda: svc.accept_report(actor, report),
        lambda: svc.return_report(actor, report, reason=REASON),
    ):
        with pytest.raises(PermissionRefused) as exc:
            step()
        assert message in str(exc.value)
    assert fresh(report).state == ReportState.SENT
    assert Task.objects.get(pk=w.tasks["hni_xa"].pk).percent_done == Decimal("0")
    assert not audits("reporting.report_accepted").exists()
    assert not audits("reporting.report_returned").exists()
    assert not svc.may(actor, "accept", report)


def test_a_leader_never_accepts_his_own_agencys_report_even_when_it_accepts_itself(rworld):
    """The root reports to itself: its own leader's scope would cover it, yet only a system
    administrator may accept it."""
    w = rworld
    national = make_program(w.res2, w.root)
    make_task(national, w.root, code="1")
    leader = w.users["national_leader"]
    report = svc.create_report(leader, program=national, period=quarter())
    assert report.accepting_agency == w.root
    report = svc.approve_and_send(leader, fill(w, report, actor="national_leader"))
    with pytest.raises(PermissionRefused) as exc:
        svc.accept_report(leader, report)
    assert "its own report" in str(exc.value)
    assert svc.accept_report(w.users["sysadmin"], report).state == ReportState.ACCEPTED


def test_reopen_is_for_the_accepting_level(rworld):
    w = rworld
    report = svc.accept_report(w.users["hni_officer"], sent(w))
    with pytest.raises(PermissionRefused):
        svc.reopen_report(w.users["xa_ubnd_leader"], report, reason=REASON)
    with pytest.raises(ValidationFailed) as exc:
        svc.reopen_report(w.users["hni_leader"], report, reason="ngắn")
    assert exc.value.field == "reason"
    assert fresh(report).state == ReportState.ACCEPTED
    assert not audits("reporting.report_reopened").exists()


def test_a_draft_cannot_be_accepted(rworld):
    report = fill(rworld, create(rworld))
    with pytest.raises(ValidationFailed) as exc:
        svc.accept_report(rworld.users["hni_leader"], report)
    assert exc.value.code == "wrong_state"


# --- timeliness and closed periods --------------------------------------------------------------


def test_a_report_sent_after_the_due_date_is_late_but_accepted(rworld):
    w = rworld
    report = fill(w, create(w))
    with time_machine.travel(AFTER_DUE, tick=False):
        report = svc.approve_and_send(w.users["xa_ubnd_leader"], report)
        assert report.is_late is True
        report = svc.accept_report(w.users["hni_leader"], report)
    assert report.state == ReportState.ACCEPTED and report.is_late is True


def test_the_due_day_counts_until_midnight_in_ha_noi(rworld):
    w = rworld
    report = fill(w, create(w))
    # 23:59 on 19/03 in Hà Nội is 16:59 UTC
    with time_machine.travel(dt.datetime(2026, 3, 19, 16, 59, tzinfo=dt.UTC), tick=False):
        assert svc.approve_and_send(w.users["xa_ubnd_leader"], report).is_late is False


def test_a_closed_period_refuses_every_step(rworld):
    w = rworld
    report = sent(w)
    period = report.period
    period.is_closed = True
    period.closed_at = clock.now()
    period.save()
    with pytest.raises(ValidationFailed) as exc:
        svc.accept_report(w.users["hni_leader"], report)
    assert exc.value.code == "period_closed"
    assert f"The period {period.label} was closed on 17/03/2026" in str(exc.value)
    with pytest.raises(ValidationFailed):
        svc.return_report(w.users["hni_leader"], report, reason=REASON)
    assert fresh(report).state == ReportState.SENT
    assert not svc.may(w.users["hni_leader"], "accept", fresh(report))


# --- the "wait for all" review rule -------------------------------------------------------------


def test_wait_for_all_holds_acceptance_until_every_expected_report_is_sent(rworld):
    w = rworld
    prog = commune_program(w)
    # only the two communes report on this programme this quarter
    Task.objects.filter(pk__in=[w.tasks["hni"].pk, w.tasks["hni_so"].pk]).update(state=TaskState.CANCELLED)
    make_task(prog, w.hni_xa2, parent=w.tasks["hni"], code="1.3")
    make_user("xa2_leader", w.hni_xa2, Role.LEADER)
    w.users["xa2_leader"] = type(w.users["xa2_officer"]).objects.get(username="xa2_leader")
    rule = svc.set_review_rule(w.users["hni_leader"], w.hni, wait_for_all=True)
    assert rule.wait_for_all is True

    first = sent(w)
    with pytest.raises(ValidationFailed) as exc:
        svc.accept_report(w.users["hni_leader"], first)
    assert exc.value.code == "reports_missing"
    assert "1 have not been sent yet: Đảng ủy xã Phú Mỹ" in str(exc.value)
    assert fresh(first).state == ReportState.SENT

    second = create(w, "xa2_officer", agency=w.hni_xa2)
    second = fill(w, second, actor="xa2_officer")
    svc.approve_and_send(w.users["xa2_leader"], second)
    assert svc.accept_report(w.users["hni_leader"], first).state == ReportState.ACCEPTED


def test_the_review_rule_is_set_by_the_agencys_leaders_and_administrators(rworld):
    w = rworld
    with pytest.raises(PermissionRefused):
        svc.set_review_rule(w.users["hni_officer"], w.hni, wait_for_all=True)
    with pytest.raises(PermissionRefused):
        svc.set_review_rule(w.users["xa_ubnd_leader"], w.hni, wait_for_all=True)
    assert not ReviewRule.objects.exists()
    svc.set_review_rule(w.users["hni_admin"], w.hni, wait_for_all=True)
    svc.set_review_rule(w.users["hni_leader"], w.hni, wait_for_all=False)
    assert ReviewRule.objects.get(agency=w.hni).wait_for_all is False
    rows = AuditEntry.objects.filter(action="reporting.review_rule_set").order_by("pk")
    assert [(r.actor_name, r.after["wait_for_all"]) for r in rows] == [
        ("hni_admin", True),
        ("hni_leader", False),
    ]


# --- the buttons --------------------------------------------------------------------------------


def test_may_answers_for_the_buttons(rworld):
    w = rworld
    u = w.users
    report = create(w)
    assert svc.may(u["xa_ubnd_officer"], "edit", report)
    assert svc.may(u["xa_ubnd_officer"], "submit", report)
    assert not svc.may(u["xa_ubnd_officer"], "approve", report)
    assert svc.may(u["xa_ubnd_leader"], "approve", report)
    assert not svc.may(u["hni_leader"], "accept", report)  # not sent yet
    assert not svc.may(u["inspector"], "edit", report)
    report = sent(w, report)
    assert not svc.may(u["xa_ubnd_officer"], "edit", report)
    assert svc.may(u["hni_leader"], "accept", report) and svc.may(u["hni_officer"], "return", report)
    assert not svc.may(u["xa_ubnd_leader"], "accept", report)
    report = svc.accept_report(u["hni_leader"], report)
    assert svc.may(u["hni_leader"], "reopen", report)
    assert not svc.may(u["xa_ubnd_officer"], "add_evidence", report)
    with pytest.raises(ValueError):
        svc.may(u["hni_leader"], "delete", report)
