"""Who may answer, pass on, close or withdraw a proposal: one rule (services/proposals.may_*) that
the services enforce and the proposal page, the report page and the API offer — a button is shown
exactly when pressing it would work."""

import pytest
from django.db import transaction
from django.urls import reverse

from resmon.core import clock
from resmon.core.errors import DomainError
from resmon.reporting.models import PeriodReport, Proposal
from resmon.reporting.services import proposals as svc
from tests.reporting.evidence_samples import make_report
from tests.reporting.page_helpers import client_for

pytestmark = pytest.mark.django_db

TEXT = "Đề nghị Thành ủy bổ sung kinh phí chuyển đổi số cho xã."
ANSWER = "Thành ủy sẽ bố trí kinh phí trong quý II."
NOTE = "Vượt thẩm quyền của Thành ủy, chuyển Trung ương xem xét."
PEOPLE = (
    "xa_ubnd_officer",
    "xa_ubnd_leader",
    "hni_leader",
    "hni_officer",
    "hni_admin",
    "national_leader",
    "sysadmin",
    "inspector",
    "hcm_officer",
    "xa2_officer",
    "so_leader",
)
SITUATIONS = ("draft", "sent", "answered", "closed", "returned", "forwarded_to_top")


class _Undo(Exception):
    pass


def _works(call) -> bool:
    """Whether the service call goes through (then undone)."""
    try:
        with transaction.atomic():
            call()
            raise _Undo
    except _Undo:
        return True
    except DomainError:
        return False


def _sent(report, state="sent"):
    PeriodReport.objects.filter(pk=report.pk).update(state=state, first_sent_at=clock.now())


def situation(w, name: str) -> Proposal:
    """A proposal of the commune's report to Thành ủy Hà Nội, in the given situation."""
    report = make_report(w)
    p = svc.raise_proposal(w.users["xa_ubnd_officer"], report, text=TEXT)
    if name != "draft":
        _sent(report, "returned" if name == "returned" else "sent")
    if name in ("answered", "closed"):
        svc.answer_proposal(w.users["hni_leader"], p, answer=ANSWER)
    if name == "closed":
        svc.close_proposal(w.users["hni_leader"], p)
    if name == "forwarded_to_top":
        svc.forward_proposal(w.users["hni_leader"], p, to_agency=w.root, note=NOTE)
    return Proposal.objects.select_related("report__period", "addressed_to").get(pk=p.pk)


CALLS = {
    "answer": lambda u, p, w: svc.answer_proposal(u, p, answer=ANSWER),
    "forward": lambda u, p, w: svc.forward_proposal(u, p, to_agency=w.root, note=NOTE),
    "close": lambda u, p, w: svc.close_proposal(u, p, note=""),
    "withdraw": lambda u, p, w: svc.withdraw_proposal(u, p),
}
MAY = {
    "answer": svc.may_answer,
    "forward": svc.may_forward,
    "close": svc.may_close,
    "withdraw": svc.may_withdraw,
}


@pytest.mark.parametrize("name", SITUATIONS)
def test_may_says_exactly_what_the_service_allows(rworld, name):
    w = rworld
    p = situation(w, name)
    allowed = set()
    for who in PEOPLE:
        user = w.users[who]
        for action, call in CALLS.items():
            may = MAY[action](user, p)
            assert may == _works(lambda: call(user, p, w)), (name, who, action)  # noqa: B023
            if may:
                allowed.add((who, action))
        assert svc.allowed_actions(user, p) == [a for a in CALLS if (who, a) in allowed]
    assert Proposal.objects.get(pk=p.pk).status == p.status  # every trial was undone
    # and the rule is the one users know
    expected = {
        "draft": {("xa_ubnd_officer", "withdraw"), ("xa_ubnd_leader", "withdraw"), ("sysadmin", "withdraw")},
        "sent": {
            (who, action)
            for who in ("hni_leader", "hni_officer", "national_leader", "sysadmin")
            for action in ("answer", "forward", "close")
        },
        "answered": {
            ("xa_ubnd_officer", "close"),
            ("xa_ubnd_leader", "close"),
            ("hni_leader", "close"),
            ("hni_officer", "close"),
            ("national_leader", "close"),
            ("sysadmin", "close"),
        },
        "closed": set(),
    }
    if name in expected:
        assert allowed == expected[name]
    if name == "returned":  # sent once: the competent level has it; no longer withdrawn
        assert not any(action == "withdraw" for _who, action in allowed)
        assert ("hni_officer", "answer") in allowed
    if name == "forwarded_to_top":  # the highest level answers; there is nobody to pass it to
        assert ("national_leader", "answer") in allowed
        assert not any(action == "forward" for _who, action in allowed)
        assert ("hni_leader", "answer") not in allowed


def test_anonymous_may_do_nothing(rworld):
    from django.contrib.auth.models import AnonymousUser

    p = situation(rworld, "sent")
    assert svc.allowed_actions(AnonymousUser(), p) == []
    assert svc.allowed_actions(None, p) == []


def _forms(html: str) -> set[str]:
    return {a for a in ("answer", "forward", "close", "withdraw") if f'data-action="{a}"' in html}


@pytest.mark.parametrize(
    ("name", "who", "forms"),
    [
        ("sent", "hni_officer", {"answer", "forward", "close"}),
        ("sent", "xa_ubnd_officer", set()),
        ("sent", "inspector", set()),
        ("answered", "xa_ubnd_officer", {"close"}),
        ("draft", "xa_ubnd_officer", {"withdraw"}),
        ("forwarded_to_top", "national_leader", {"answer", "close"}),
        ("closed", "hni_leader", set()),
    ],
)
def test_the_proposal_page_offers_the_allowed_actions_only(rworld, name, who, forms):
    p = situation(rworld, name)
    html = client_for(rworld, who).get(reverse("reporting:proposal_detail", args=[p.pk])).content.decode()
    assert _forms(html) == forms


def test_withdrawing_from_the_proposal_page(rworld):
    w = rworld
    p = situation(w, "draft")
    c = client_for(w, "xa_ubnd_officer")
    response = c.post(reverse("reporting:proposal_withdraw", args=[p.pk]))
    assert response.status_code == 302
    assert not Proposal.objects.filter(pk=p.pk).exists()


def test_the_report_page_offers_withdraw_only_while_the_proposal_can_be_withdrawn(rworld):
    w = rworld
    p = situation(w, "draft")
    url = reverse("reporting:detail", args=[p.report_id])
    withdraw = reverse("reporting:proposal_withdraw", args=[p.pk])
    assert withdraw in client_for(w, "xa_ubnd_officer").get(url).content.decode()
    assert withdraw not in client_for(w, "hni_officer").get(url).content.decode()
    _sent(p.report, "returned")  # editable again, but the competent level already has it
    assert withdraw not in client_for(w, "xa_ubnd_officer").get(url).content.decode()


def test_the_api_lists_the_callers_actions(rworld, bearer):
    w = rworld
    p = situation(w, "sent")
    url = f"/api/v1/proposals/{p.pk}"
    assert bearer("hni_officer").get(url).json()["actions"] == ["answer", "forward", "close"]
    assert bearer("xa_ubnd_officer").get(url).json()["actions"] == []
    answered = bearer("hni_officer").post(
        f"{url}/answer", {"answer": ANSWER}, content_type="application/json"
    )
    assert answered.status_code == 200 and answered.json()["actions"] == ["close"]
    assert bearer("xa_ubnd_officer").get(url).json()["actions"] == ["close"]
