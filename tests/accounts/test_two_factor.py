"""Two-factor sign-in: the code step, the forced enrolment of the roles that require it, recovery
codes, the lockout that counts wrong codes like wrong passwords, turning it off, an administrator's
reset, and the API token with a code."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from resmon.accounts import services_otp
from resmon.accounts.models import SignInEvent
from resmon.audit.models import AuditEntry
from resmon.core.errors import PermissionRefused
from tests.signin import PASSWORD, authenticator, code_for, sign_in, totp_now

pytestmark = pytest.mark.django_db
AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"
EN = {"REMOTE_ADDR": "10.1.2.3", "HTTP_USER_AGENT": AGENT}
T0 = dt.datetime(2026, 3, 17, 3, 0, tzinfo=dt.UTC)
HOME = reverse("web:home")
LOGIN, CODE, ENROL = (
    reverse("accounts:login"),
    reverse("accounts:login_code"),
    reverse("accounts:login_enrol"),
)


@pytest.fixture
def clock():
    """Time stands still at T0 unless the test moves it (TOTP codes follow it)."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def later(clock, seconds: float) -> None:
    clock.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds))


def password_step(client, username: str, password: str = PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password}, **EN)


def code_step(client, code: str):
    return client.post(CODE, {"code": code}, **EN)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def events(user) -> list[str]:
    return list(SignInEvent.objects.filter(user=user).order_by("id").values_list("outcome", flat=True))


def audits(action: str, user) -> int:
    return AuditEntry.objects.filter(
        action=action, object_type="accounts.user", object_id=str(user.pk)
    ).count()


def recovery_codes(response) -> list[str]:
    block = response.content.decode().split('data-testid="recovery-codes"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r"<li[^>]*>([a-z2-7]{4}-[a-z2-7]{4})</li>", block)


def enrol(user) -> list[str]:
    """Two-factor sign-in turned on through the services, as the enrolment page does."""
    device = services_otp.start_enrolment(user)
    return services_otp.confirm_enrolment(user, device, totp_now(device))


# --- the code step ---------------------------------------------------------------------------------


def test_an_officer_without_two_factor_signs_in_with_the_password_alone(client, world):
    user = world.users["xa_officer"]
    response = password_step(client, "xa_officer")
    assert response.status_code == 302 and response["Location"] == HOME
    assert signed_in(client)
    entry = AuditEntry.objects.get(action="accounts.login", actor_id=user.pk)
    assert entry.after == {"method": "password", "ip": "10.1.2.3"}
    event = SignInEvent.objects.get(user=user)
    assert (event.outcome, event.method, event.ip_address) == ("success", "password", "10.1.2.3")
    assert "Chrome" in event.user_agent


def test_an_enrolled_user_is_not_signed_in_until_the_code_is_right(client, world, clock):
    user = world.users["xa_officer"]
    authenticator(user)
    response = password_step(client, "xa_officer")
    assert response.status_code == 302 and response["Location"] == CODE
    assert not signed_in(client)
    assert client.get(HOME)["Location"].startswith(LOGIN)  # no page before the code
    assert "Signing in as Xa_Officer" in client.get(CODE).content.decode()

    response = code_step(client, "000000" if code_for(user) != "000000" else "111111")
    assert response.status_code == 400
    assert "This code is not right" in response.content.decode()
    assert not signed_in(client) and events(user) == ["wrong_code"]
    assert not AuditEntry.objects.filter(action="accounts.login").exists()

    later(clock, 5)  # past django-otp's pause after a wrong code
    response = code_step(client, code_for(user))
    assert response.status_code == 302 and response["Location"] == HOME
    assert signed_in(client) and client.get(HOME).status_code == 200
    assert events(user) == ["wrong_code", "success"]
    assert AuditEntry.objects.get(action="accounts.login", actor_id=user.pk).after["method"] == "totp"


def test_the_next_page_survives_the_code_step(client, world, clock):
    user = world.users["hni_leader"]
    authenticator(user)
    target = reverse("reporting:hub")
    client.post(f"{LOGIN}?next={target}", {"username": "hni_leader", "password": PASSWORD}, **EN)
    assert code_step(client, code_for(user))["Location"] == target


def test_the_step_between_password_and_code_lasts_ten_minutes(client, world, clock):
    user = world.users["hni_leader"]
    authenticator(user)
    password_step(client, "hni_leader")
    later(clock, 11 * 60)
    response = code_step(client, code_for(user))
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert not signed_in(client)


def test_a_code_works_once(client, world, clock):
    user = world.users["hni_leader"]
    code = code_for(user)
    password_step(client, "hni_leader")
    assert code_step(client, code).status_code == 302
    other = Client()
    password_step(other, "hni_leader")
    assert code_step(other, code).status_code == 400  # the same code, replayed
    assert not signed_in(other)


# --- lockout --------------------------------------------------------------------------------------------


def test_five_wrong_codes_lock_the_account_like_five_wrong_passwords(client, world, clock):
    user = world.users["xa_officer"]
    authenticator(user)
    wrong = "000000" if code_for(user) != "000000" else "111111"
    password_step(client, "xa_officer")
    for _ in range(4):
        assert code_step(client, wrong).status_code == 400
        later(clock, 20)
    response = code_step(client, wrong)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert not signed_in(client)
    # the right password and code no longer help
    assert password_step(client, "xa_officer").status_code == 429
    assert not signed_in(client)
    assert audits("accounts.locked_out", user) == 1
    assert events(user)[:5] == ["wrong_code"] * 4 + ["locked"]


def test_wrong_passwords_and_wrong_codes_add_up(client, world, clock):
    user = world.users["xa_officer"]
    authenticator(user)
    for _ in range(3):
        assert password_step(client, "xa_officer", "wrong-password").status_code == 200
    assert password_step(client, "xa_officer").status_code == 302  # right password: on to the code
    wrong = "000000" if code_for(user) != "000000" else "111111"
    assert code_step(client, wrong).status_code == 400
    later(clock, 5)
    assert code_step(client, wrong).status_code == 429
    assert events(user) == ["wrong_password"] * 3 + ["wrong_code", "locked"]


def test_an_administrators_password_reset_lifts_a_lockout_from_wrong_codes(client, world, clock):
    from resmon.accounts import services

    user = world.users["xa_officer"]
    authenticator(user)
    password_step(client, "xa_officer")
    for _ in range(5):
        code_step(client, "123456" if code_for(user) != "123456" else "654321")
        later(clock, 20)
    temp = services.reset_password(world.users["hni_admin"], user)
    assert password_step(client, "xa_officer", temp)["Location"] == CODE


# --- recovery codes --------------------------------------------------------------------------------


def test_a_recovery_code_signs_in_once(client, world, clock):
    user = world.users["hni_officer"]
    codes = enrol(user)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert StaticToken.objects.filter(device__user=user).count() == 10
    assert not StaticToken.objects.filter(token__in=[c.replace("-", "") for c in codes]).exists()  # digests
    password_step(client, "hni_officer")
    response = code_step(client, codes[3].upper())  # typed in capitals: still right
    assert response.status_code == 302 and signed_in(client)
    assert "9 unused codes are left" in client.get(HOME).content.decode()
    assert audits("accounts.recovery_code_used", user) == 1
    assert (
        AuditEntry.objects.get(action="accounts.login", actor_id=user.pk).after["method"] == "recovery_code"
    )
    assert services_otp.recovery_codes_left(user) == 9
    # new codes at once: the session, verified by the recovery codes, stays signed in
    assert len(recovery_codes(client.post(reverse("accounts:recovery_codes"), **EN))) == 10
    assert client.get(HOME).status_code == 200

    again = Client()
    password_step(again, "hni_officer")
    later(clock, 5)
    assert code_step(again, codes[3]).status_code == 400
    assert not signed_in(again)


# --- forced enrolment ----------------------------------------------------------------------------------


def test_a_leader_without_two_factor_sets_it_up_before_any_page(client, world, clock):
    user = world.users["hni_leader"]
    response = password_step(client, "hni_leader")
    assert response.status_code == 302 and response["Location"] == ENROL
    assert not signed_in(client)
    assert client.get(HOME)["Location"].startswith(LOGIN)
    page = client.get(ENROL, **EN)
    body = page.content.decode()
    assert page.status_code == 200 and "<svg" in body and "requires two-factor sign-in" in body
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = re.search(r'data-testid="otp-secret">([A-Z2-7 ]+)<', body).group(1)
    assert secret.replace(" ", "") in device.config_url
    assert client.get(ENROL).content.decode().count(secret) == 1  # the same secret on reload

    wrong = client.post(ENROL, {"code": "12345"}, **EN)  # five digits
    assert wrong.status_code == 400 and "Enter the 6 digits" in wrong.content.decode()
    assert not services_otp.is_enrolled(user) and not StaticDevice.objects.filter(user=user).exists()
    assert audits("accounts.two_factor_enabled", user) == 0 and not signed_in(client)

    response = client.post(ENROL, {"code": totp_now(device)}, **EN)
    assert response.status_code == 200
    assert len(recovery_codes(response)) == 10
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    assert signed_in(client) and client.get(HOME).status_code == 200
    assert services_otp.is_enrolled(user)
    assert audits("accounts.two_factor_enabled", user) == 1
    assert events(user) == ["wrong_code", "enrolled", "success"]


def test_a_new_leader_sets_up_two_factor_then_chooses_a_password(client, world, clock):
    from resmon.accounts import services
    from resmon.core.access import Role

    user, temp = services.create_user(
        world.users["hni_admin"],
        username="lanh.dao.moi",
        full_name="Lãnh Đạo Mới",
        agency=world.hni,
        role=Role.LEADER,
    )
    assert password_step(client, "lanh.dao.moi", temp)["Location"] == ENROL
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post(ENROL, {"code": totp_now(device)}, **EN).status_code == 200
    assert client.get(HOME)["Location"] == reverse("accounts:password_change")


def test_an_account_deactivated_between_the_steps_gets_no_further(client, world, clock):
    from resmon.accounts import services

    user = world.users["xa_officer"]
    authenticator(user)
    password_step(client, "xa_officer")
    services.deactivate_user(world.users["hni_admin"], user, "Nghỉ việc")
    response = code_step(client, code_for(user))
    assert response.status_code == 302 and response["Location"] == LOGIN and not signed_in(client)


def test_a_wrong_code_at_enrolment_changes_nothing_and_counts(client, world, clock):
    user = world.users["hni_admin"]
    password_step(client, "hni_admin")
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = "000000" if totp_now(device) != "000000" else "111111"
    response = client.post(ENROL, {"code": wrong}, **EN)
    assert response.status_code == 400 and "This code does not match" in response.content.decode()
    assert not services_otp.is_enrolled(user) and events(user) == ["wrong_code"]


# --- the security page: turning on and off, new codes ---------------------------------------------------


def test_an_officer_turns_two_factor_on_from_the_security_page(client, world, clock):
    user = world.users["hni_officer"]
    client.force_login(user)
    assert "Turn on two-factor sign-in" in client.get(reverse("accounts:security")).content.decode()
    client.get(reverse("accounts:security_enrol"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:security_enrol"), {"code": totp_now(device)}, **EN)
    assert response.status_code == 200 and len(recovery_codes(response)) == 10
    page = client.get(reverse("accounts:security")).content.decode()
    assert "10 unused recovery codes left" in page
    assert client.get(HOME).status_code == 200  # the session counts as verified: still signed in


def test_turning_off_needs_the_password_and_a_code(client, world, clock):
    user = world.users["hni_officer"]
    enrol(user)
    client.force_login(user)
    url = reverse("accounts:security_disable")
    response = client.post(url, {"password": "wrong", "code": code_for(user)}, **EN)
    assert response.status_code == 400 and "The password is not correct" in response.content.decode()
    later(clock, 5)
    wrong = "000000" if code_for(user) != "000000" else "111111"
    response = client.post(url, {"password": PASSWORD, "code": wrong}, **EN)
    assert response.status_code == 400 and "This code is not right" in response.content.decode()
    assert services_otp.is_enrolled(user) and audits("accounts.two_factor_disabled", user) == 0
    later(clock, 30)
    response = client.post(url, {"password": PASSWORD, "code": code_for(user)}, **EN)
    assert response.status_code == 302
    assert not services_otp.is_enrolled(user) and services_otp.recovery_codes_left(user) == 0
    assert audits("accounts.two_factor_disabled", user) == 1
    assert client.get(HOME).status_code == 200  # still signed in, now without two-factor
    assert events(user)[-3:] == ["wrong_password", "wrong_code", "disabled"]


def test_a_role_that_requires_two_factor_cannot_turn_it_off(client, world, clock):
    user = world.users["hni_leader"]
    client.force_login(user)
    page = client.get(reverse("accounts:security")).content.decode()
    assert "cannot be turned off" in page and 'data-testid="disable-form"' not in page
    response = client.post(
        reverse("accounts:security_disable"), {"password": PASSWORD, "code": code_for(user)}, **EN
    )
    assert response.status_code == 302
    assert "requires two-factor sign-in" in client.get(reverse("accounts:security")).content.decode()
    assert services_otp.is_enrolled(user)
    with pytest.raises(PermissionRefused):
        services_otp.disable(user, password=PASSWORD, code=code_for(user))


def test_new_recovery_codes_replace_the_old_ones(client, world, clock):
    user = world.users["hni_officer"]
    old = enrol(user)
    client.force_login(user)
    response = client.post(reverse("accounts:recovery_codes"), **EN)
    new = recovery_codes(response)
    assert response.status_code == 200 and len(new) == 10 and not set(new) & set(old)
    assert audits("accounts.recovery_codes_renewed", user) == 1
    with pytest.raises(services_otp.ValidationFailed):
        services_otp.check_code(user, old[0])
    later(clock, 5)
    assert services_otp.check_code(user, new[0]) is not None


# --- an administrator's reset; sessions that skipped the code step ---------------------------------------


def test_an_administrator_resets_a_lost_phone_and_the_session_ends(client, world, clock):
    leader = world.users["hni_leader"]
    client.force_login(leader)
    assert client.get(HOME).status_code == 200
    admin = Client()
    admin.force_login(world.users["hni_admin"])
    url = reverse("accounts:user_detail", args=[leader.pk])
    assert "Reset two-factor sign-in" in admin.get(url).content.decode()
    response = admin.post(url, {"action": "reset_two_factor"}, **EN)
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=leader).exists()
    assert AuditEntry.objects.get(action="accounts.two_factor_reset").actor_name == "hni_admin"
    assert events(leader)[-1] == "reset"
    response = client.get(HOME)  # the leader's session had passed the code step of the removed app
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert password_step(client, "hni_leader")["Location"] == ENROL


@pytest.mark.parametrize("who", ["hcm_admin", "hni_officer"])
def test_only_an_administrator_of_the_account_may_reset_it(client, world, who):
    authenticator(world.users["hni_leader"])
    client.force_login(world.users[who])
    url = reverse("accounts:user_detail", args=[world.users["hni_leader"].pk])
    assert client.post(url, {"action": "reset_two_factor"}).status_code == 404
    assert services_otp.is_enrolled(world.users["hni_leader"])


def test_a_session_that_skipped_the_code_step_is_ended(client, world):
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(world.users["hni_leader"])
    session = client.session
    del session[DEVICE_ID_SESSION_KEY]  # as if signed in with the password alone
    session.save()
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert not signed_in(client)
    # through the API the session no longer counts either
    client.force_login(world.users["hni_leader"])
    session = client.session
    del session[DEVICE_ID_SESSION_KEY]
    session.save()
    assert client.get("/api/v1/me").status_code == 401


# --- the API token -----------------------------------------------------------------------------------------


def token(client, **body):
    return client.post("/api/v1/auth/token", data=json.dumps(body), content_type="application/json", **EN)


def test_an_api_token_needs_the_code_when_two_factor_is_on(client, world, clock):
    user = world.users["hni_leader"]
    authenticator(user)
    response = token(client, username="hni_leader", password=PASSWORD)
    assert response.status_code == 401 and response.json()["code"] == "otp_required"
    wrong = "000000" if code_for(user) != "000000" else "111111"
    response = token(client, username="hni_leader", password=PASSWORD, otp=wrong)
    assert response.status_code == 401 and response.json()["code"] == "invalid_otp"
    later(clock, 5)
    response = token(client, username="hni_leader", password=PASSWORD, otp=code_for(user))
    assert response.status_code == 200 and response.json()["token"].startswith("rsm_")


def test_an_api_token_waits_for_the_setup_of_a_required_role(client, world):
    response = token(client, username="national_leader", password=PASSWORD)
    assert response.status_code == 403 and response.json()["code"] == "two_factor_setup_required"


def test_sign_in_helper_goes_through_both_steps(client, world):
    response = sign_in(client, "sysadmin", **EN)
    assert response.status_code == 302 and signed_in(client)
    assert AuditEntry.objects.get(action="accounts.login", actor_name="sysadmin").after["method"] == "totp"
