"""Proposals (kiến nghị): raised in a report, received by the competent level once the report is
sent, answered or passed up, closed; withdrawn only before sending; scoped."""

import pytest

from resmon.audit.models import AuditEntry
from resmon.core import clock
from resmon.core.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from resmon.reporting.models import PeriodReport, Proposal
from resmon.reporting.selectors_proposals import get_proposal, open_proposal_count, proposals_for
from resmon.reporting.services.proposals import (
    answer_proposal,
    close_proposal,
    forward_proposal,
    raise_proposal,
    withdraw_proposal,
)
from tests.reporting.evidence_samples import make_report

pytestmark = pytest.mark.django_db

TEXT = "Đề nghị Thành ủy bổ sung kinh phí chuyển đổi số cho xã."


@pytest.fixture
def report(rworld):
    return make_report(rworld)


@pytest.fixture
def officer(rworld):
    return rworld.users["xa_ubnd_officer"]


def send(report):
    PeriodReport.objects.filter(pk=report.pk).update(state="sent", first_sent_at=clock.now())
    report.refresh_from_db()


def audit(action):
    return AuditEntry.objects.filter(action=f"reporting.proposal_{action}")


def raised(report, officer, **kw):
    return raise_proposal(officer, report, text=TEXT, **kw)


# --- raise ----------------------------------------------------------------------------------------


def test_raise_goes_to_the_accepting_level_by_default(rworld, report, officer):
    line = report.lines.get()
    p = raise_proposal(officer, report, text=f"  {TEXT}  ", line=line, expected_version=1)
    assert p.addressed_to == rworld.hni
    assert p.raised_by_agency == rworld.hni_xa_ubnd
    assert (p.text, p.line, p.status, p.created_by) == (TEXT, line, Proposal.Status.OPEN, officer)
    [row] = audit("raised")
    assert row.object_id == str(p.pk)
    assert row.after["addressed_to_id"] == rworld.hni.pk
    assert row.agency_path == rworld.hni_xa_ubnd.path
    report.refresh_from_db()
    assert (report.version, report.updated_by_name) == (2, "xa_ubnd_officer")


def test_raise_to_a_level_above_the_accepting_one(rworld, report, officer):
    p = raised(report, officer, addressed_to=rworld.root)
    assert p.addressed_to == rworld.root


@pytest.mark.parametrize("target", ["hni_xa2", "hcm", "hni_xa", "hni_xa_ubnd", "hni_ubnd"])
def test_raise_to_a_sibling_or_a_lower_level_is_refused(rworld, report, officer, target):
    with pytest.raises(ValidationFailed) as exc:
        raised(report, officer, addressed_to=getattr(rworld, target))
    assert exc.value.field == "addressed_to"
    assert "Thành ủy Hà Nội" in str(exc.value)
    assert not Proposal.objects.exists()
    assert not audit("raised").exists()
    assert PeriodReport.objects.get(pk=report.pk).version == 1


@pytest.mark.parametrize("text", ["", "   ", "x" * 5001])
def test_raise_needs_a_text(report, officer, text):
    with pytest.raises(ValidationFailed) as exc:
        raise_proposal(officer, report, text=text)
    assert exc.value.field == "text"
    assert not Proposal.objects.exists()


def test_raise_on_a_line_of_another_report_is_refused(rworld, report, officer):
    other = make_report(rworld, task=rworld.tasks["hni_so"], agency=rworld.hni_so)
    with pytest.raises(ValidationFailed) as exc:
        raised(report, officer, line=other.lines.get())
    assert exc.value.field == "line"
    assert not Proposal.objects.exists()


@pytest.mark.parametrize("state", ["accepted", "sent", "awaiting_head"])
def test_raise_on_a_report_out_of_editing_is_refused(rworld, officer, state):
    report = make_report(rworld, state=state)
    with pytest.raises(ValidationFailed):
        raised(report, officer)
    assert not Proposal.objects.exists()
    assert not audit("raised").exists()


def test_raise_in_a_closed_period_is_refused(report, officer):
    report.period.is_closed = True
    report.period.closed_at = clock.now()
    report.period.save()
    with pytest.raises(ValidationFailed) as exc:
        raised(report, officer)
    assert exc.value.code == "period_closed"
    assert not Proposal.objects.exists()


@pytest.mark.parametrize("who", ["xa2_officer", "hcm_officer", "inspector", "hni_admin"])
def test_raise_by_others_is_refused(rworld, report, who):
    with pytest.raises(PermissionRefused):
        raised(report, rworld.users[who])
    assert not Proposal.objects.exists()
    assert not audit("raised").exists()


def test_raise_against_a_stale_version_is_refused(report, officer):
    with pytest.raises(Conflict):
        raised(report, officer, expected_version=7)
    assert not Proposal.objects.exists()


# --- who sees it, when ----------------------------------------------------------------------------


def test_the_addressee_receives_it_only_once_the_report_is_sent(rworld, officer):
    # the ministry assigned the task: it is the accepting level, and not above the commune
    report = make_report(rworld, accepting=rworld.bo_khcn)
    p = raised(report, officer)
    ministry = rworld.users["ministry_officer"]
    assert list(proposals_for(ministry, box="all")) == []
    assert open_proposal_count(ministry) == 0
    with pytest.raises(NotFound):
        get_proposal(ministry, p.pk)
    with pytest.raises(NotFound):
        answer_proposal(ministry, p, answer="Đồng ý.")
    # the raising side sees it meanwhile
    assert list(proposals_for(officer, box="raised")) == [p]
    assert get_proposal(officer, p.pk) == p

    send(report)
    assert list(proposals_for(ministry, box="received")) == [p]
    assert get_proposal(ministry, p.pk) == p
    assert open_proposal_count(ministry) == 1
    assert open_proposal_count(officer) == 0


def test_an_ancestor_addressee_gets_nothing_in_its_inbox_before_sending(rworld, report, officer):
    p = raised(report, officer)
    hni_officer = rworld.users["hni_officer"]
    assert list(proposals_for(hni_officer, box="received")) == []
    assert open_proposal_count(hni_officer) == 0
    with pytest.raises(ValidationFailed):
        answer_proposal(hni_officer, p, answer="Đồng ý bổ sung kinh phí.")
    send(report)
    assert list(proposals_for(hni_officer, box="received")) == [p]
    assert open_proposal_count(hni_officer) == 1


@pytest.mark.parametrize("who", ["hcm_officer", "hcm_admin"])
def test_other_provinces_see_nothing(rworld, report, officer, who):
    p = raised(report, officer)
    send(report)
    user = rworld.users[who]
    for box in ("received", "raised", "all"):
        assert list(proposals_for(user, box=box)) == []
    assert open_proposal_count(user) == 0
    with pytest.raises(NotFound):
        get_proposal(user, p.pk)
    with pytest.raises(NotFound):
        answer_proposal(user, p, answer="Đồng ý.")
    with pytest.raises(NotFound):
        close_proposal(user, p)


def test_filters_by_status_and_text(rworld, report, officer):
    a = raised(report, officer)
    b = raise_proposal(officer, report, text="Đề nghị hướng dẫn cách tính chỉ tiêu.")
    send(report)
    hni_officer = rworld.users["hni_officer"]
    answer_proposal(hni_officer, a, answer="Đã bố trí kinh phí.")
    assert list(proposals_for(hni_officer, status="open")) == [b]
    assert list(proposals_for(hni_officer, status="answered")) == [a]
    assert list(proposals_for(hni_officer, q="hướng dẫn")) == [b]
    assert set(proposals_for(hni_officer, status="bogus")) == {a, b}
    assert set(proposals_for(rworld.users["inspector"], box="received")) == {a, b}
    assert open_proposal_count(rworld.users["inspector"]) == 0


# --- answer, forward, close -----------------------------------------------------------------------


def test_the_addressee_answers(rworld, report, officer):
    p = raised(report, officer)
    send(report)
    hni_leader = rworld.users["hni_leader"]
    p = answer_proposal(hni_leader, p, answer="  Đã bố trí 500 triệu đồng.  ")
    p.refresh_from_db()
    assert (p.status, p.answer, p.answered_by) == (
        Proposal.Status.ANSWERED,
        "Đã bố trí 500 triệu đồng.",
        hni_leader,
    )
    assert p.answered_at is not None
    [row] = audit("answered")
    assert (row.before["status"], row.after["status"]) == ("open", "answered")
    assert open_proposal_count(hni_leader) == 0


@pytest.mark.parametrize(
    "who", ["xa_ubnd_officer", "xa_ubnd_leader", "inspector", "xa2_officer", "hni_admin"]
)
def test_others_than_the_addressee_cannot_answer(rworld, report, officer, who):
    p = raised(report, officer)
    send(report)
    with pytest.raises((PermissionRefused, NotFound)):
        answer_proposal(rworld.users[who], p, answer="Tự trả lời.")
    p.refresh_from_db()
    assert (p.status, p.answer) == ("open", "")
    assert not audit("answered").exists()


def test_an_answer_must_say_something_and_is_given_once(rworld, report, officer):
    p = raised(report, officer)
    send(report)
    hni = rworld.users["hni_officer"]
    with pytest.raises(ValidationFailed) as exc:
        answer_proposal(hni, p, answer="  ")
    assert exc.value.field == "answer"
    answer_proposal(hni, p, answer="Đồng ý.")
    with pytest.raises(ValidationFailed):
        answer_proposal(hni, p, answer="Lần hai.")
    assert Proposal.objects.get(pk=p.pk).answer == "Đồng ý."


def test_forward_up_to_an_ancestor(rworld, report, officer):
    p = raised(report, officer)
    send(report)
    hni = rworld.users["hni_officer"]
    p = forward_proposal(hni, p, to_agency=rworld.root, note="Vượt thẩm quyền của Thành ủy.")
    p.refresh_from_db()
    assert (p.addressed_to, p.status) == (rworld.root, Proposal.Status.OPEN)
    [row] = audit("forwarded")
    assert row.reason == "Vượt thẩm quyền của Thành ủy."
    assert (row.before["addressed_to_id"], row.after["addressed_to_id"]) == (rworld.hni.pk, rworld.root.pk)
    # the former addressee no longer answers it; the new one does
    assert open_proposal_count(hni) == 0
    with pytest.raises(PermissionRefused):
        answer_proposal(hni, p, answer="Đồng ý.")
    national = rworld.users["national_leader"]
    assert open_proposal_count(national) == 1
    answer_proposal(national, p, answer="Trung ương sẽ hướng dẫn.")


@pytest.mark.parametrize("target", ["hni_xa", "hni_xa2", "hcm", "hni"])
def test_forward_down_sideways_or_to_itself_is_refused(rworld, report, officer, target):
    p = raised(report, officer)
    send(report)
    with pytest.raises(ValidationFailed) as exc:
        forward_proposal(rworld.users["hni_officer"], p, to_agency=getattr(rworld, target), note="Chuyển.")
    assert exc.value.field == "to_agency"
    assert Proposal.objects.get(pk=p.pk).addressed_to == rworld.hni
    assert not audit("forwarded").exists()


def test_forward_needs_a_note_and_the_addressee(rworld, report, officer):
    p = raised(report, officer)
    send(report)
    with pytest.raises(ValidationFailed) as exc:
        forward_proposal(rworld.users["hni_officer"], p, to_agency=rworld.root, note=" ")
    assert exc.value.field == "note"
    with pytest.raises(PermissionRefused):
        forward_proposal(officer, p, to_agency=rworld.root, note="Chuyển lên.")
    assert Proposal.objects.get(pk=p.pk).addressed_to == rworld.hni


def test_the_raiser_closes_only_after_an_answer(rworld, report, officer):
    p = raised(report, officer)
    send(report)
    with pytest.raises(ValidationFailed) as exc:
        close_proposal(officer, p, note="Xong.")
    assert exc.value.code == "proposal_not_answered"
    answer_proposal(rworld.users["hni_officer"], p, answer="Đồng ý.")
    p = close_proposal(officer, p, note="Đã nhận kinh phí.")
    p.refresh_from_db()
    assert (p.status, p.close_note) == (Proposal.Status.CLOSED, "Đã nhận kinh phí.")
    assert p.closed_at is not None
    [row] = audit("closed")
    assert (row.before["status"], row.after["status"]) == ("answered", "closed")
    with pytest.raises(ValidationFailed):
        close_proposal(officer, p)
    assert audit("closed").count() == 1


def test_the_addressee_may_close_an_open_proposal(rworld, report, officer):
    p = raised(report, officer)
    send(report)
    close_proposal(rworld.users["hni_leader"], p, note="Đã giải quyết tại hội nghị.")
    assert Proposal.objects.get(pk=p.pk).status == Proposal.Status.CLOSED


def test_others_cannot_close(rworld, report, officer):
    p = raised(report, officer)
    send(report)
    with pytest.raises(PermissionRefused):
        close_proposal(rworld.users["inspector"], p)
    with pytest.raises(PermissionRefused):
        close_proposal(rworld.users["hni_admin"], p)
    assert Proposal.objects.get(pk=p.pk).status == Proposal.Status.OPEN
    assert not audit("closed").exists()


# --- withdraw -------------------------------------------------------------------------------------


def test_withdraw_before_sending(rworld, report, officer):
    p = raised(report, officer)
    withdraw_proposal(officer, p)
    assert not Proposal.objects.exists()
    [row] = audit("withdrawn")
    assert row.before["text"] == TEXT


def test_withdraw_after_sending_is_refused(rworld, report, officer):
    p = raised(report, officer)
    send(report)
    with pytest.raises(ValidationFailed):
        withdraw_proposal(officer, p)
    # returned for corrections: editable again, but the proposal was already sent
    PeriodReport.objects.filter(pk=report.pk).update(state="returned")
    with pytest.raises(ValidationFailed) as exc:
        withdraw_proposal(officer, p)
    assert exc.value.code == "already_sent"
    assert Proposal.objects.filter(pk=p.pk).exists()
    assert not audit("withdrawn").exists()


def test_withdraw_by_another_agency_is_refused(rworld, report, officer):
    p = raised(report, officer)
    for who in ("xa2_officer", "hcm_officer", "inspector"):
        with pytest.raises(PermissionRefused):
            withdraw_proposal(rworld.users[who], p)
    assert Proposal.objects.filter(pk=p.pk).exists()


def test_a_reports_proposals_are_those_the_user_sees_before_and_after_sending(rworld, officer):
    """The report page and API list a report's proposals without the scope joins: for every user
    who sees the report, the same proposals as the scoped list, before and after sending (a ministry
    accepting level outside the commune's province)."""
    from resmon.core.access import visible_to
    from resmon.reporting.selectors_proposals import report_proposals, visible_proposals

    report = make_report(rworld, accepting=rworld.bo_khcn)
    raised(report, officer)
    for sent_now in (False, True):
        if sent_now:
            send(report)
        seen_by_someone = 0
        for user in rworld.users.values():
            if not visible_to(user, PeriodReport.objects.filter(pk=report.pk)).exists():
                continue
            expected = list(visible_proposals(user).filter(report=report).order_by("created_at", "id"))
            assert list(report_proposals(user, report)) == expected, (user.username, sent_now)
            seen_by_someone += bool(expected)
        assert seen_by_someone >= (3 if sent_now else 1)
