"""Explanation requests: a supervisor asks an agency to explain a task or a report, the agency
answers, the requesting side closes; every write checked, audited, and scoped."""

from __future__ import annotations

import datetime as dt

import pytest

from resmon.audit.models import AuditEntry
from resmon.core.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from resmon.notifications.models import Kind, Notification
from resmon.reporting.models import ExplanationRequest, PeriodReport, ReportState
from resmon.reporting.selectors_explanations import (
    explanations_about,
    explanations_for,
    get_explanation,
    open_explanation_count,
)
from resmon.reporting.services import explanations as services
from tests.reporting.helpers import quarter

D = dt.date
QUESTION = "Vì sao nhiệm vụ chậm so với kế hoạch quý I?"
DUE = D(2026, 3, 31)
Status = ExplanationRequest.Status


def ask(w, user="hni_leader", agency="hni_xa_ubnd", task="hni_xa", report=None, **kw):
    return services.request_explanation(
        w.users[user],
        agency=getattr(w, agency),
        question=kw.pop("question", QUESTION),
        due_date=kw.pop("due_date", DUE),
        task=w.tasks[task] if task else None,
        report=report,
        **kw,
    )


def nothing_written():
    assert not ExplanationRequest.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="reporting.explanation").exists()
    assert not Notification.objects.filter(kind=Kind.EXPLANATION_REQUESTED).exists()


def commune_report(w):
    task = w.tasks["hni_xa"]
    return PeriodReport.objects.create(
        program=task.program,
        resolution=task.resolution,
        period=quarter(),
        agency=w.hni_xa_ubnd,
        accepting_agency=w.hni,
        state=ReportState.SENT,
        due_date=D(2026, 3, 19),
        grace_until=D(2026, 3, 19),
    )


# --- asking ----------------------------------------------------------------------------------


def test_a_leader_asks_the_commune_and_its_people_are_told(rworld):
    req = ask(rworld)
    assert (req.status, req.agency, req.requesting_agency, req.requested_by) == (
        Status.OPEN,
        rworld.hni_xa_ubnd,
        rworld.hni,
        rworld.users["hni_leader"],
    )
    assert (req.task, req.report, req.question, req.due_date) == (rworld.tasks["hni_xa"], None, QUESTION, DUE)
    entry = AuditEntry.objects.get(action="reporting.explanation_requested")
    assert entry.object_id == str(req.pk) and entry.actor_name == "hni_leader"
    assert entry.agency_path == rworld.hni_xa_ubnd.path and entry.after["question"] == QUESTION
    told = Notification.objects.filter(kind=Kind.EXPLANATION_REQUESTED)
    assert {n.recipient.username for n in told} == {"xa_ubnd_officer", "xa_ubnd_leader"}
    note = told.first()
    assert note.url == f"/reports/explanations/{req.pk}/"
    assert "31/03/2026" in note.body and QUESTION in note.body


def test_inspectors_and_steering_members_may_ask_within_their_grants(rworld):
    # the inspection commission inspects Hà Nội
    assert ask(rworld, user="inspector").requesting_agency == rworld.ubkt
    # a steering member of Resolution 57 asks Hồ Chí Minh City, outside its own subtree
    req = ask(rworld, user="steering", agency="hcm", task="hcm")
    assert (req.agency, req.requesting_agency) == (rworld.hcm, rworld.vptw)


def test_asking_about_a_report(rworld):
    report = commune_report(rworld)
    req = ask(rworld, task=None, report=report)
    assert (req.report, req.task) == (report, None)
    # its accepting level may be asked too (by someone above it)
    assert ask(rworld, user="national_leader", agency="hni", task=None, report=report).agency == rworld.hni
    with pytest.raises(ValidationFailed, match="no part in this report") as err:
        ask(rworld, agency="hni_so", task=None, report=report)
    assert "agency" in err.value.errors


@pytest.mark.parametrize("user", ["hni_admin", "sysadmin"])
def test_roles_that_do_not_ask_are_refused(rworld, user):
    with pytest.raises(PermissionRefused):
        ask(rworld, user=user)
    nothing_written()


def test_asking_ones_own_agency_is_refused(rworld):
    with pytest.raises(PermissionRefused, match="your own agency"):
        ask(rworld, user="xa_ubnd_officer")
    # Thành ủy Hà Nội assigned task "hni": it cannot ask itself about it
    with pytest.raises(PermissionRefused, match="your own agency"):
        ask(rworld, agency="hni", task="hni")
    nothing_written()


@pytest.mark.parametrize(
    ("user", "agency", "task"),
    [
        ("hni_leader", "hcm", "hcm"),  # the task is not Hà Nội's: not found
        ("hni_leader", "hcm", "hni"),  # the agency lies outside the user's scope
        ("hcm_officer", "hni_xa_ubnd", "hni_xa"),
        ("xa2_officer", "hni_xa_ubnd", "hni_xa"),  # a sibling commune sees nothing of it
        ("inspector", "hcm_xa", "hcm_xa"),  # inspects Hà Nội, not Hồ Chí Minh City
    ],
)
def test_subjects_and_agencies_outside_the_scope_are_not_found(rworld, user, agency, task):
    with pytest.raises(NotFound):
        ask(rworld, user=user, agency=agency, task=task)
    nothing_written()


@pytest.mark.parametrize(
    ("kw", "field", "message"),
    [
        ({"question": "Vì sao?"}, "question", "at least 10 characters"),
        ({"question": "   "}, "question", "Write what needs explaining"),
        ({"question": "x" * 4001}, "question", "under 4000 characters"),
        ({"due_date": D(2026, 3, 16)}, "due_date", "17/03/2026 or later"),
        ({"due_date": None}, "due_date", "dd/mm/yyyy"),
        ({"due_date": "31/02/2026"}, "due_date", "dd/mm/yyyy"),
        ({"task": None}, "task", "choose a task or a report"),
        ({"agency": "hni_xa2"}, "agency", "no part in this task"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(rworld, kw, field, message):
    with pytest.raises(ValidationFailed, match=message) as err:
        ask(rworld, **kw)
    assert field in err.value.errors
    nothing_written()


def test_both_a_task_and_a_report_is_refused(rworld):
    report = commune_report(rworld)
    with pytest.raises(ValidationFailed, match="not both"):
        ask(rworld, report=report)
    nothing_written()


def test_due_date_as_text_and_today_are_accepted(rworld):
    assert ask(rworld, due_date="17/03/2026").due_date == D(2026, 3, 17)


def test_the_same_open_question_twice_is_refused(rworld):
    ask(rworld)
    with pytest.raises(Conflict, match="already sent"):
        ask(rworld)
    assert ExplanationRequest.objects.count() == 1
    ask(rworld, question="Đề nghị giải trình việc chưa gửi minh chứng.")  # another question is fine
    assert ExplanationRequest.objects.count() == 2


# --- answering -------------------------------------------------------------------------------


def test_the_asked_agency_answers(rworld):
    req = ask(rworld)
    answered = services.answer_explanation(
        rworld.users["xa_ubnd_officer"], req, answer="Chờ kinh phí được phân bổ trong tháng 4."
    )
    assert (answered.status, answered.answered_by) == (Status.ANSWERED, rworld.users["xa_ubnd_officer"])
    assert answered.answered_at is not None
    entry = AuditEntry.objects.get(action="reporting.explanation_answered")
    assert entry.before["status"] == "open" and entry.after["status"] == "answered"
    assert entry.after["answer"] == "Chờ kinh phí được phân bổ trong tháng 4."
    with pytest.raises(Conflict):
        services.answer_explanation(rworld.users["xa_ubnd_leader"], req, answer="Trả lời lần thứ hai ...")
    req.refresh_from_db()
    assert req.answered_by == rworld.users["xa_ubnd_officer"]


def test_the_level_above_the_asked_agency_may_answer_for_it(rworld):
    req = ask(rworld, user="inspector")  # asked by the inspection commission
    done = services.answer_explanation(rworld.users["hni_leader"], req, answer="Thành ủy giải trình thay xã.")
    assert done.status == Status.ANSWERED


@pytest.mark.parametrize(
    ("user", "error"),
    [
        ("hni_leader", PermissionRefused),  # the requesting side never answers its own question
        ("national_leader", PermissionRefused),  # nor a level above it
        ("inspector", PermissionRefused),  # sees it, but inspectors do not answer
        ("hni_admin", PermissionRefused),
        ("xa2_officer", NotFound),
        ("hcm_officer", NotFound),
        ("hni_so_officer", NotFound),
    ],
)
def test_answer_refused(rworld, user, error):
    req = ask(rworld)
    with pytest.raises(error):
        services.answer_explanation(rworld.users[user], req, answer="Một lời giải trình đủ dài.")
    req.refresh_from_db()
    assert (req.status, req.answer) == (Status.OPEN, "")
    assert not AuditEntry.objects.filter(action="reporting.explanation_answered").exists()


def test_an_empty_or_short_answer_is_refused(rworld):
    req = ask(rworld)
    for bad in ("", "   ", "Đang làm"):
        with pytest.raises(ValidationFailed, match="Write the explanation") as err:
            services.answer_explanation(rworld.users["xa_ubnd_officer"], req, answer=bad)
        assert "answer" in err.value.errors
    req.refresh_from_db()
    assert req.status == Status.OPEN


# --- closing ---------------------------------------------------------------------------------


def test_the_requesting_side_closes_an_answered_request(rworld):
    req = ask(rworld)
    services.answer_explanation(
        rworld.users["xa_ubnd_leader"], req, answer="Đã bổ sung kinh phí, hoàn thành quý II."
    )
    closed = services.close_explanation(rworld.users["hni_officer"], req, note="Chấp nhận giải trình.")
    assert (closed.status, closed.close_note) == (Status.CLOSED, "Chấp nhận giải trình.")
    assert closed.closed_at is not None
    entry = AuditEntry.objects.get(action="reporting.explanation_closed")
    assert entry.reason == "Chấp nhận giải trình." and entry.before["status"] == "answered"
    with pytest.raises(Conflict):
        services.close_explanation(rworld.users["hni_leader"], req)


def test_a_level_above_the_requester_may_close_it(rworld):
    req = ask(rworld)
    services.answer_explanation(
        rworld.users["xa_ubnd_leader"], req, answer="Giải trình đầy đủ của xã Tân An."
    )
    assert services.close_explanation(rworld.users["national_leader"], req).status == Status.CLOSED


def test_closing_an_unanswered_request_needs_a_note(rworld):
    req = ask(rworld)
    with pytest.raises(ValidationFailed, match="say why") as err:
        services.close_explanation(rworld.users["hni_leader"], req, note="  ")
    assert "note" in err.value.errors
    req.refresh_from_db()
    assert req.status == Status.OPEN
    assert not AuditEntry.objects.filter(action="reporting.explanation_closed").exists()
    closed = services.close_explanation(rworld.users["hni_leader"], req, note="Hỏi nhầm đơn vị.")
    assert closed.status == Status.CLOSED


@pytest.mark.parametrize(
    ("user", "error"),
    [
        ("xa_ubnd_officer", PermissionRefused),  # the asked agency does not close
        ("xa_officer", PermissionRefused),  # nor the level above it that did not ask
        ("hni_so_officer", NotFound),
        ("hcm_officer", NotFound),
    ],
)
def test_close_refused(rworld, user, error):
    req = ask(rworld)
    with pytest.raises(error):
        services.close_explanation(rworld.users[user], req, note="Đóng yêu cầu này.")
    req.refresh_from_db()
    assert req.status == Status.OPEN
    assert not AuditEntry.objects.filter(action="reporting.explanation_closed").exists()


def test_may_helpers_follow_the_rules(rworld):
    req = ask(rworld)
    u = rworld.users
    assert services.may_ask(u["inspector"]) and not services.may_ask(u["hni_admin"])
    assert services.may_answer(u["xa_ubnd_officer"], req) and not services.may_answer(u["hni_leader"], req)
    assert services.may_close(u["hni_leader"], req) and not services.may_close(u["xa_ubnd_officer"], req)


# --- lists and counts ------------------------------------------------------------------------


def test_boxes_counts_and_scope(rworld):
    u = rworld.users
    mine = ask(rworld)  # Hà Nội asks the commune
    other = ask(rworld, user="steering", agency="hcm", task="hcm")  # Hồ Chí Minh City asked
    by_inspector = ask(rworld, user="inspector", agency="hni_ubnd", task="hni")

    assert list(explanations_for(u["xa_ubnd_officer"], box="received")) == [mine]
    assert list(explanations_for(u["xa_ubnd_officer"], box="sent")) == []
    assert open_explanation_count(u["xa_ubnd_officer"]) == 1
    # Thành ủy Hà Nội: what it asked is "sent", not "received"; what the inspectors asked of its
    # agencies is for it to answer
    assert list(explanations_for(u["hni_leader"], box="sent")) == [mine]
    assert list(explanations_for(u["hni_leader"], box="received")) == [by_inspector]
    assert open_explanation_count(u["hni_leader"]) == 1
    assert set(explanations_for(u["hni_leader"], box="all")) == {mine, by_inspector}
    # Hồ Chí Minh City sees only what concerns it
    assert list(explanations_for(u["hcm_officer"], box="all")) == [other]
    assert open_explanation_count(u["hcm_officer"]) == 1
    with pytest.raises(NotFound):
        get_explanation(u["hcm_officer"], mine.pk)
    with pytest.raises(NotFound):
        get_explanation(u["xa2_officer"], mine.pk)
    assert get_explanation(u["inspector"], mine.pk) == mine  # inspects Hà Nội
    assert list(explanations_for(u["inspector"], box="sent")) == [by_inspector]
    assert get_explanation(u["steering"], other.pk) == other

    services.answer_explanation(u["xa_ubnd_officer"], mine, answer="Lời giải trình của xã Tân An.")
    assert open_explanation_count(u["xa_ubnd_officer"]) == 0
    assert list(explanations_for(u["xa_ubnd_officer"], box="received", status="answered")) == [mine]
    assert list(explanations_for(u["xa_ubnd_officer"], box="received", status="open")) == []
    # open ones first
    assert list(explanations_for(u["national_leader"], box="all"))[-1] == mine
    assert list(explanations_for(u["national_leader"], box="all", q="Tân An")) == [mine]
    assert list(explanations_about(u["hni_leader"], task=rworld.tasks["hni_xa"])) == [mine]
    assert list(explanations_about(u["hcm_officer"], task=rworld.tasks["hni_xa"])) == []
