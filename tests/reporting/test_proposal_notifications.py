"""Who is told about proposals and explanations: a proposal reaches its addressee when its report is
sent (and again only if a new one is raised before a later sending) or when it is passed on; the
raising agency hears the answer; the person who asked for an explanation hears it. One inbox row
per person; a refused write tells nobody."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import time_machine

from resmon.core.errors import PermissionRefused
from resmon.notifications.models import Kind, Notification
from resmon.reporting.services import explanations as explanation_svc
from resmon.reporting.services import proposals as svc
from resmon.reporting.services import reports as report_svc
from tests.reporting.helpers import AFTER_DUE
from tests.reporting.reports_helpers import create, fill

pytestmark = pytest.mark.django_db

TO_HNI = "Đề nghị Thành ủy bổ sung kinh phí chuyển đổi số cho xã."
TO_HNI_TOO = "Đề nghị Thành ủy cử cán bộ hướng dẫn nhập liệu."
TO_CENTRE = "Đề nghị Trung ương sửa đổi hướng dẫn về chỉ tiêu chuyển đổi số."
LATER = "Đề nghị Thành ủy gia hạn nhiệm vụ khảo sát đến quý II."
ANSWER = "Thành ủy sẽ bố trí kinh phí trong quý II."
NOTE = "Vượt thẩm quyền của Thành ủy, chuyển Trung ương xem xét."


def told(kind: str) -> Counter:
    return Counter(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def rows(kind: str, username: str) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind, recipient__username=username).order_by("pk"))


def send_report(w, report):
    report = report_svc.submit_to_head(w.users["xa_ubnd_officer"], report)
    return report_svc.approve_and_send(w.users["xa_ubnd_leader"], report)


def test_proposals_reach_their_addressees_when_the_report_is_sent(rworld):
    w = rworld
    officer = w.users["xa_ubnd_officer"]
    report = fill(w, create(w))
    svc.raise_proposal(officer, report, text=TO_HNI)
    svc.raise_proposal(officer, report, text=TO_HNI_TOO)
    p3 = svc.raise_proposal(officer, report, text=TO_CENTRE, addressed_to=w.root)
    report = report_svc.submit_to_head(officer, report)
    assert not told(Kind.PROPOSAL_RECEIVED)  # raised and approved internally: nobody outside knows yet

    report = report_svc.approve_and_send(w.users["xa_ubnd_leader"], report)
    # one row per person of each addressee (its leaders and focal officers), none to the raisers
    assert told(Kind.PROPOSAL_RECEIVED) == Counter({"hni_leader": 1, "hni_officer": 1, "national_leader": 1})
    [hni] = rows(Kind.PROPOSAL_RECEIVED, "hni_officer")
    assert hni.title.startswith("2 proposals from UBND xã Tân An")
    assert TO_HNI in hni.body and TO_HNI_TOO in hni.body and TO_CENTRE not in hni.body
    assert hni.url == "/reports/proposals/?box=received&status=open"
    [centre] = rows(Kind.PROPOSAL_RECEIVED, "national_leader")
    assert centre.url == f"/reports/proposals/{p3.pk}/" and centre.body == TO_CENTRE

    # returned, a new proposal, sent again: only the new one is announced
    report = report_svc.return_report(
        w.users["hni_leader"], report, reason="Bổ sung số liệu tháng 3 cho nhiệm vụ khảo sát."
    )
    with time_machine.travel(AFTER_DUE, tick=False):
        p4 = svc.raise_proposal(officer, report, text=LATER)
        report_svc.approve_and_send(w.users["xa_ubnd_leader"], report)
    assert told(Kind.PROPOSAL_RECEIVED) == Counter({"hni_leader": 2, "hni_officer": 2, "national_leader": 1})
    latest = rows(Kind.PROPOSAL_RECEIVED, "hni_leader")[-1]
    assert latest.url == f"/reports/proposals/{p4.pk}/" and latest.body == LATER


def test_a_report_without_proposals_announces_none(rworld):
    send_report(rworld, fill(rworld, create(rworld)))
    assert not told(Kind.PROPOSAL_RECEIVED)
    assert told(Kind.REPORT_SUBMITTED)  # the report itself was announced


def test_a_proposal_passed_on_reaches_the_higher_level(rworld):
    w = rworld
    report = fill(w, create(w))
    p = svc.raise_proposal(w.users["xa_ubnd_officer"], report, text=TO_HNI)
    send_report(w, report)
    assert told(Kind.PROPOSAL_RECEIVED) == Counter({"hni_leader": 1, "hni_officer": 1})

    with pytest.raises(PermissionRefused):  # the commune cannot pass on its own proposal
        svc.forward_proposal(w.users["xa_ubnd_leader"], p, to_agency=w.root, note=NOTE)
    assert told(Kind.PROPOSAL_RECEIVED) == Counter({"hni_leader": 1, "hni_officer": 1})

    svc.forward_proposal(w.users["hni_leader"], p, to_agency=w.root, note=NOTE)
    assert told(Kind.PROPOSAL_RECEIVED) == Counter({"hni_leader": 1, "hni_officer": 1, "national_leader": 1})
    [row] = rows(Kind.PROPOSAL_RECEIVED, "national_leader")
    assert row.url == f"/reports/proposals/{p.pk}/"
    assert "Thành ủy Hà Nội" in row.title and TO_HNI in row.body and NOTE in row.body


def test_the_raising_agency_hears_the_answer(rworld):
    w = rworld
    report = fill(w, create(w))
    p = svc.raise_proposal(w.users["xa_ubnd_officer"], report, text=TO_HNI)
    send_report(w, report)

    with pytest.raises(PermissionRefused):
        svc.answer_proposal(w.users["xa_ubnd_officer"], p, answer=ANSWER)
    assert not told(Kind.PROPOSAL_ANSWERED)

    svc.answer_proposal(w.users["hni_officer"], p, answer=ANSWER)
    assert told(Kind.PROPOSAL_ANSWERED) == Counter({"xa_ubnd_officer": 1, "xa_ubnd_leader": 1})
    [row] = rows(Kind.PROPOSAL_ANSWERED, "xa_ubnd_leader")
    assert row.url == f"/reports/proposals/{p.pk}/" and row.body == ANSWER
    assert "Thành ủy Hà Nội answered your proposal" in row.title
    svc.close_proposal(w.users["xa_ubnd_officer"], p)
    assert sum(told(Kind.PROPOSAL_ANSWERED).values()) == 2  # closing tells nobody


def test_the_person_who_asked_hears_the_explanation(rworld):
    w = rworld
    question = "Vì sao nhiệm vụ chậm so với kế hoạch quý I?"
    explanation = "Chưa có kinh phí khảo sát; dự kiến hoàn thành trong tháng 4."
    req = explanation_svc.request_explanation(
        w.users["hni_leader"],
        agency=w.hni_xa_ubnd,
        question=question,
        due_date=dt.date(2026, 3, 31),
        task=w.tasks["hni_xa"],
    )
    with pytest.raises(PermissionRefused):  # the asking side does not answer its own question
        explanation_svc.answer_explanation(w.users["hni_officer"], req, answer=explanation)
    assert not told(Kind.EXPLANATION_ANSWERED)

    explanation_svc.answer_explanation(w.users["xa_ubnd_officer"], req, answer=explanation)
    # the person who asked, not the whole asking agency, and not the one who answered
    assert told(Kind.EXPLANATION_ANSWERED) == Counter({"hni_leader": 1})
    [row] = rows(Kind.EXPLANATION_ANSWERED, "hni_leader")
    assert row.url == f"/reports/explanations/{req.pk}/"
    assert row.body == explanation and row.title.startswith("UBND xã Tân An explained:")
    assert told(Kind.EXPLANATION_REQUESTED) == Counter({"xa_ubnd_officer": 1, "xa_ubnd_leader": 1})
