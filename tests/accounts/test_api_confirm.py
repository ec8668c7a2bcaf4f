"""Confirm it is you, over the API: accepting or reopening a report, account administration and
the exports of a whole province or the nation answer 403 "confirmation_required" (nothing done)
until POST /api/v1/auth/confirm has confirmed the bearer token or the session within
RESMON_REAUTH_MINUTES; wrong passwords and codes there count towards the same lockout as the
pages; every confirmation is audited."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.test import Client

from resmon.accounts.models import ApiToken, SignInEvent, User
from resmon.accounts.tokens import create_token
from resmon.api.api import api
from resmon.audit.models import AuditEntry
from resmon.exports.models import StoredDocument
from resmon.reporting.models import ReportState
from tests.reporting.helpers import TODAY
from tests.reporting.reports_helpers import audits, fresh, sent
from tests.signin import PASSWORD, authenticator, code_for, confirm_api

pytestmark = pytest.mark.django_db
CONFIRM = "/api/v1/auth/confirm"
PROBLEM = "application/problem+json"


def later(minutes: float):
    return time_machine.travel(TODAY + dt.timedelta(minutes=minutes), tick=False)


def post(client: Client, url: str, body: dict, **headers: str):
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == code, body
    return body


def token_client(user) -> Client:
    _token, raw = create_token(user, "script")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def accept(client: Client, report, key: str = ""):
    headers = {"Idempotency-Key": key} if key else {}
    return post(client, f"/api/v1/reports/{report.pk}/accept", {"version": fresh(report).version}, **headers)


def test_a_token_is_refused_until_it_confirms_then_the_accept_goes_through(rworld):
    w = rworld
    leader = w.users["hni_leader"]
    authenticator(leader)  # two-factor sign-in on: the code is asked too
    report = sent(w)
    client = token_client(leader)
    assert client.get("/api/v1/me").status_code == 200  # the token is now in the per-process cache

    refused = problem(accept(client, report, "k-1"), 403, "confirmation_required")
    assert CONFIRM in refused["detail"] and "15 minutes" in refused["detail"]
    assert fresh(report).state == ReportState.SENT
    assert not audits("reporting.report_accepted").exists()

    # without the code: a clear 400, not counted; a wrong password or code: a 400 that counts
    no_code = problem(post(client, CONFIRM, {"password": PASSWORD}), 400, "validation_failed")
    assert list(no_code["errors"]) == ["code"]
    assert not SignInEvent.objects.filter(user=leader).exists()
    wrong = problem(
        post(client, CONFIRM, {"password": "wrong", "code": code_for(leader)}), 400, "wrong_password"
    )
    assert wrong["errors"] == {"password": ["The password is not correct."]}
    bad_code = "000000" if code_for(leader) != "000000" else "111111"
    wrong = problem(post(client, CONFIRM, {"password": PASSWORD, "code": bad_code}), 400, "wrong_code")
    assert "This code is not right" in wrong["errors"]["code"][0]
    outcomes = set(SignInEvent.objects.filter(user=leader).values_list("outcome", flat=True))
    assert outcomes == {"wrong_password", "wrong_code"}
    problem(accept(client, report, "k-1"), 403, "confirmation_required")
    assert not AuditEntry.objects.filter(action="accounts.identity_confirmed").exists()

    confirmed = confirm_api(client, leader)
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["via"] == "token"
    assert dt.datetime.fromisoformat(confirmed.json()["confirmed_until"]) == TODAY + dt.timedelta(minutes=15)
    entry = AuditEntry.objects.get(action="accounts.identity_confirmed")
    token = ApiToken.objects.get(user=leader, name="script")
    assert entry.actor_id == leader.pk and entry.after == {
        "via": "token",
        "method": "totp",
        "token": token.prefix,
    }
    assert token.confirmed_at == TODAY

    # the request refused before, sent again with its key: done once, and a replay answers the same
    first = accept(client, report, "k-1")
    assert first.status_code == 200, first.content
    assert first.json()["state"] == "accepted"
    again = post(
        client,
        f"/api/v1/reports/{report.pk}/accept",
        {"version": first.json()["version"] - 1},
        **{"Idempotency-Key": "k-1"},
    )
    assert again.status_code == 200
    assert (again.json()["state"], again.json()["version"]) == (
        first.json()["state"],
        first.json()["version"],
    )
    assert audits("reporting.report_accepted").count() == 1


def test_the_confirmation_of_a_token_expires_after_the_minutes(rworld, settings):
    w = rworld
    report = sent(w)
    client = token_client(w.users["hni_leader"])
    assert confirm_api(client, w.users["hni_leader"]).status_code == 200
    with later(14):
        assert accept(client, report).status_code == 200
    with later(16):
        reason = {"version": fresh(report).version, "reason": "Số liệu sai, cần rà soát lại."}
        refused = post(client, f"/api/v1/reports/{report.pk}/reopen", reason)
        problem(refused, 403, "confirmation_required")
        assert fresh(report).state == ReportState.ACCEPTED
        assert not audits("reporting.report_reopened").exists()
        assert confirm_api(client, w.users["hni_leader"]).status_code == 200
        assert post(client, f"/api/v1/reports/{report.pk}/reopen", reason).status_code == 200
    settings.RESMON_REAUTH_MINUTES = 30
    with later(40):  # confirmed at 16 minutes: 24 minutes ago, within the longer setting
        again = post(client, f"/api/v1/reports/{report.pk}/reopen", reason)  # reopened already
        assert again.status_code in (400, 409) and again.json()["code"] != "confirmation_required"


def test_a_token_from_the_sign_in_endpoint_counts_as_confirmed(rworld):
    w = rworld
    report = sent(w)
    leader = w.users["hni_leader"]
    body = {"username": leader.username, "password": PASSWORD, "otp": code_for(leader)}
    raw = post(Client(), "/api/v1/auth/token", body).json()["token"]
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert accept(client, report).status_code == 200
    with later(16):
        problem(
            post(client, f"/api/v1/reports/{report.pk}/reopen", {"version": 99, "reason": "x" * 20}),
            403,
            "confirmation_required",
        )


def test_a_session_that_signed_in_is_confirmed_then_asks_again_and_confirms(rworld):
    w = rworld
    report = sent(w)
    client = Client()
    client.force_login(w.users["hni_leader"])
    with later(16):
        problem(accept(client, report), 403, "confirmation_required")
        assert fresh(report).state == ReportState.SENT
        confirmed = confirm_api(client, w.users["hni_leader"])
        assert confirmed.status_code == 200 and confirmed.json()["via"] == "session"
        entry = AuditEntry.objects.get(action="accounts.identity_confirmed")
        assert entry.after == {"via": "session", "method": "totp"}
        assert accept(client, report).status_code == 200
        assert audits("reporting.report_accepted").count() == 1


def test_wrong_passwords_lock_the_account_and_end_the_session(rworld):
    w = rworld
    officer = w.users["hni_officer"]
    session = Client()
    session.force_login(officer)
    for _ in range(4):
        problem(post(session, CONFIRM, {"password": "wrong"}), 400, "wrong_password")
    locked = problem(post(session, CONFIRM, {"password": "wrong"}), 429, "locked_out")
    assert "signed out" in locked["detail"]
    assert session.get("/api/v1/me").status_code == 401
    assert AuditEntry.objects.filter(action="accounts.locked_out", object_id=str(officer.pk)).exists()
    # the same lockout for the account's token: the right password is refused too, the token stays
    client = token_client(officer)
    problem(post(client, CONFIRM, {"password": PASSWORD}), 429, "locked_out")
    assert client.get("/api/v1/me").status_code == 200
    assert not AuditEntry.objects.filter(action="accounts.identity_confirmed").exists()


def test_account_administration_asks_first(rworld):
    w = rworld
    admin = w.users["hni_admin"]
    client = token_client(admin)
    body = {
        "username": "nguyen.van.moi",
        "full_name": "Nguyễn Văn Mới",
        "agency": w.hni_xa.pk,
        "role": "focal_officer",
    }
    problem(post(client, "/api/v1/users", body), 403, "confirmation_required")
    target = w.users["xa_officer"]
    deactivate = f"/api/v1/users/{target.pk}/deactivate"
    problem(post(client, deactivate, {"reason": "Chuyển công tác"}), 403, "confirmation_required")
    assert not User.objects.filter(username="nguyen.van.moi").exists()
    assert User.objects.get(pk=target.pk).is_active
    assert not AuditEntry.objects.filter(
        action__in=["accounts.user_created", "accounts.user_deactivated"]
    ).exists()
    # an account outside the administrator's reach stays "not found", confirmed or not
    problem(
        post(client, f"/api/v1/users/{w.users['hcm_officer'].pk}/deactivate", {"reason": "x"}),
        404,
        "not_found",
    )
    assert confirm_api(client, admin).status_code == 200
    assert post(client, "/api/v1/users", body).status_code == 201
    assert post(client, deactivate, {"reason": "Chuyển công tác"}).status_code == 200


def test_exports_of_a_whole_province_ask_first_a_commune_does_not(dworld, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    w = dworld
    leader = w.users["hni_leader"]
    client = token_client(leader)
    assert client.get("/api/v1/dashboard/export.xlsx", {"agency": w.hni_xa.pk}).status_code == 200
    for fmt in ("xlsx", "docx", "pdf"):
        problem(
            client.get(f"/api/v1/dashboard/export.{fmt}", {"agency": w.hni.pk}), 403, "confirmation_required"
        )
    problem(
        client.get("/api/v1/dashboard/export.xlsx"), 403, "confirmation_required"
    )  # default: the province
    problem(post(client, "/api/v1/documents", {"format": "xlsx"}), 403, "confirmation_required")
    assert not StoredDocument.objects.exists()
    assert AuditEntry.objects.filter(action="exports.overview_downloaded").count() == 1  # the commune's
    assert confirm_api(client, leader).status_code == 200
    assert client.get("/api/v1/dashboard/export.xlsx", {"agency": w.hni.pk}).status_code == 200
    assert post(client, "/api/v1/documents", {"format": "xlsx"}).status_code == 202


def test_the_schema_documents_the_confirmation():
    paths = api.get_openapi_schema()["paths"]
    assert "/api/v1/auth/confirm" in paths
    sensitive = [
        ("post", "/api/v1/reports/{report_id}/accept"),
        ("post", "/api/v1/reports/{report_id}/reopen"),
        ("post", "/api/v1/users"),
        ("post", "/api/v1/users/{user_id}/deactivate"),
        ("get", "/api/v1/dashboard/export.xlsx"),
        ("post", "/api/v1/documents"),
    ]
    for method, path in sensitive:
        forbidden = paths[path][method]["responses"]["403"]
        assert "confirmation_required" in forbidden["description"] and CONFIRM in forbidden["description"]
        assert PROBLEM in forbidden["content"]
    assert (
        "confirmation_required"
        not in paths["/api/v1/reports/{report_id}/return"]["post"]["responses"]["403"]["description"]
    )


def test_confirmations_are_rate_limited_per_address_like_the_sign_in(rworld, settings):
    settings.RESMON_RATE_SIGN_IN = "2/m"
    officer = rworld.users["hni_officer"]
    client = token_client(officer)
    here = {"REMOTE_ADDR": "10.9.8.7"}
    for _ in range(2):
        ok = client.post(CONFIRM, {"password": PASSWORD}, content_type="application/json", **here)
        assert ok.status_code == 200
    refused = client.post(CONFIRM, {"password": PASSWORD}, content_type="application/json", **here)
    assert problem(refused, 429, "rate_limited")["detail"].startswith("Too many sign-in attempts")
    assert AuditEntry.objects.filter(action="accounts.identity_confirmed").count() == 2
