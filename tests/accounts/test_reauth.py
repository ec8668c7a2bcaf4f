"""Confirm it is you: accepting or reopening a report, changing roles or memberships and exporting a
whole province or the nation ask for the password (and code) again after 15 minutes; the request is
carried out once confirmed, nothing is done before."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from resmon.accounts.models import SignInEvent
from resmon.audit.models import AuditEntry
from resmon.core.access import Role
from resmon.planning.models import SteeringMember
from resmon.reporting.models import ReportState
from tests.reporting.helpers import TODAY
from tests.reporting.page_helpers import client_for, report_url
from tests.reporting.reports_helpers import fresh, sent
from tests.signin import PASSWORD, code_for

pytestmark = pytest.mark.django_db
CONFIRM = reverse("accounts:confirm")


def later(minutes: float):
    return time_machine.travel(TODAY + dt.timedelta(minutes=minutes), tick=False)


def confirm_form(response) -> str:
    return response.content.decode().split('data-testid="confirm-form"', 1)[1].split("</form>", 1)[0]


def carried(response) -> dict[str, str]:
    """The hidden fields of the confirmation form (what it posts back)."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', confirm_form(response)))


def test_accepting_a_report_after_fifteen_minutes_asks_first_then_accepts(rworld):
    w = rworld
    report = sent(w)
    leader = client_for(w, "hni_leader")
    url = report_url(report, "reporting:act")
    data = {"action": "accept", "version": fresh(report).version, "idempotency_key": "k1"}
    assert leader.get(report_url(report)).status_code == 200
    with later(16):
        response = leader.post(url, data)
        assert response.status_code == 200 and "Confirm it is you" in response.content.decode()
        assert fresh(report).state == ReportState.SENT
        hidden = carried(response)
        assert hidden["action"] == "accept" and hidden["idempotency_key"] == "k1"
        assert (
            confirm_form(response).count('name="csrfmiddlewaretoken"') == 1
        )  # a fresh one, not the one sent

        wrong = leader.post(
            url, {**data, "reauth-password": "wrong", "reauth-code": code_for(w.users["hni_leader"])}
        )
        assert wrong.status_code == 400 and "The password is not correct" in wrong.content.decode()
        assert fresh(report).state == ReportState.SENT
        assert SignInEvent.objects.filter(user=w.users["hni_leader"], outcome="wrong_password").exists()

        response = leader.post(
            url, {**data, "reauth-password": PASSWORD, "reauth-code": code_for(w.users["hni_leader"])}
        )
        assert response.status_code == 302 and response["Location"] == report_url(report)
        assert fresh(report).state == ReportState.ACCEPTED
        assert AuditEntry.objects.filter(action="reporting.report_accepted").count() == 1
    with later(20):  # confirmed four minutes ago: reopening goes straight through
        response = leader.post(
            url, {"action": "reopen", "version": fresh(report).version, "reason": "Số liệu sai"}
        )
        assert response.status_code == 302 and fresh(report).state != ReportState.ACCEPTED


def test_returning_a_report_is_not_a_sensitive_action(rworld):
    w = rworld
    report = sent(w)
    leader = client_for(w, "hni_leader")
    with later(16):
        response = leader.post(
            report_url(report, "reporting:act"),
            {"action": "return", "version": fresh(report).version, "reason": "Thiếu minh chứng kèm theo"},
        )
    assert response.status_code == 302 and fresh(report).state == ReportState.RETURNED


def test_a_role_change_waits_for_the_confirmation_and_a_wrong_code_changes_nothing(client, world):
    with time_machine.travel(TODAY, tick=False) as clock:
        admin = world.users["hni_admin"]
        target = world.users["xa_officer"]
        client.force_login(admin)
        url = reverse("accounts:user_detail", args=[target.pk])
        data = {
            "action": "update",
            "full_name": target.full_name,
            "position": "",
            "agency": target.agency_id,
            "role": Role.LEADER,
            "email": "",
            "phone": "",
        }
        clock.move_to(TODAY + dt.timedelta(minutes=16))
        response = client.post(url, data)
        assert response.status_code == 200 and 'name="reauth-code"' in response.content.decode()
        target.refresh_from_db()
        assert target.role == Role.FOCAL_OFFICER
        wrong = "000000" if code_for(admin) != "000000" else "111111"
        response = client.post(url, {**data, "reauth-password": PASSWORD, "reauth-code": wrong})
        assert response.status_code == 400 and "This code is not right" in response.content.decode()
        target.refresh_from_db()
        assert target.role == Role.FOCAL_OFFICER
        assert not AuditEntry.objects.filter(action="accounts.user_updated").exists()
        clock.move_to(TODAY + dt.timedelta(minutes=17))
        response = client.post(url, {**data, "reauth-password": PASSWORD, "reauth-code": code_for(admin)})
        assert response.status_code == 302
        target.refresh_from_db()
        assert target.role == Role.LEADER
        assert AuditEntry.objects.filter(action="accounts.user_updated").count() == 1


def test_steering_committee_membership_is_confirmed_too(client, world):
    with time_machine.travel(TODAY, tick=False) as clock:
        client.force_login(world.users["sysadmin"])
        url = reverse("planning:steering", args=[world.res.pk])
        clock.move_to(TODAY + dt.timedelta(minutes=16))
        response = client.post(url, {"username": "hni_leader", "position": ""})
        assert "Confirm it is you" in response.content.decode()
        assert not SteeringMember.objects.filter(user=world.users["hni_leader"]).exists()


def test_exporting_a_whole_province_goes_to_the_confirmation_and_back(dworld):
    w = dworld
    leader = client_for(w, "hni_leader")
    export = reverse("exports:overview_xlsx")
    with later(16):
        commune = leader.get(export, {"agency": w.hni_xa.pk})
        assert commune.status_code == 200  # a commune is not a whole province: no question
        response = leader.get(export, {"agency": w.hni.pk})
        assert response.status_code == 302 and response["Location"].startswith(CONFIRM)
        page = leader.get(response["Location"])
        assert page.status_code == 200 and "Confirm it is you" in page.content.decode()
        next_url = carried(page)["next"]
        assert next_url == f"{export}?agency={w.hni.pk}"
        confirmed = leader.post(
            CONFIRM,
            {"next": next_url, "reauth-password": PASSWORD, "reauth-code": code_for(w.users["hni_leader"])},
        )
        assert confirmed.status_code == 302 and confirmed["Location"] == next_url
        assert leader.get(next_url).status_code == 200
        # the background document of the whole province: the same rule
    with later(40):
        leader.get("/")  # still active
        response = leader.post(reverse("exports:stored_request"), {"agency": w.hni.pk, "format": "xlsx"})
        assert response.status_code == 200 and "Confirm it is you" in response.content.decode()


def test_the_confirmation_page_returns_only_to_this_site(client, world):
    client.force_login(world.users["hni_officer"])
    response = client.post(CONFIRM, {"next": "https://evil.example/", "reauth-password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("web:home")


def test_an_htmx_request_goes_to_the_confirmation_as_a_whole_page(client, world):
    with time_machine.travel(TODAY, tick=False) as clock:
        client.force_login(world.users["sysadmin"])
        clock.move_to(TODAY + dt.timedelta(minutes=16))
        page = f"/planning/resolutions/{world.res.pk}/steering/"
        response = client.post(
            reverse("planning:steering", args=[world.res.pk]),
            {"username": "hni_leader"},
            headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"},
        )
        assert response.status_code == 200 and response["HX-Redirect"].startswith(CONFIRM)


def test_too_many_wrong_passwords_at_the_confirmation_end_the_session(client, world):
    client.force_login(world.users["hni_officer"])
    for _ in range(4):
        assert client.post(CONFIRM, {"next": "/", "reauth-password": "wrong"}).status_code == 400
    response = client.post(CONFIRM, {"next": "/", "reauth-password": "wrong"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert Client().get(reverse("web:home")).status_code == 302
