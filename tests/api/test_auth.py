"""Authentication of the API: token issue with lockout, bearer tokens, sessions with CSRF."""

import datetime as dt
import json
import re

import pytest
import time_machine
from django.test import Client

from resmon.accounts.models import ApiToken
from resmon.accounts.tokens import create_token, revoke_token
from resmon.audit.models import AuditEntry
from resmon.core import clock

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
PASSWORD = "s3cret-pass!"  # tests.factories.user's default


def post_json(client, url, body, **extra):
    return client.post(url, data=json.dumps(body), content_type="application/json", **extra)


def assert_problem(response, status, code=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert {"type", "title", "status", "detail", "code"} <= set(body)
    assert body["status"] == status and body["detail"]
    if code:
        assert body["code"] == code
    return body


def test_issue_token_with_good_password(client, world):
    response = post_json(client, "/api/v1/auth/token", {"username": "hni_officer", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token"].startswith("rsm_") and body["token_type"] == "Bearer"
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert expires > clock.now() + dt.timedelta(days=29)
    me = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json()["username"] == "hni_officer"
    assert AuditEntry.objects.filter(action="accounts.token_created", actor_id=world.users["hni_officer"].pk)


def test_wrong_password_is_401_problem(client, world):
    response = post_json(client, "/api/v1/auth/token", {"username": "hni_officer", "password": "nope"})
    body = assert_problem(response, 401, "invalid_credentials")
    assert "password" in body["detail"].lower()
    assert not ApiToken.objects.exists()


def test_inactive_user_gets_no_token(client, world):
    user = world.users["hni_officer"]
    user.is_active = False
    user.save()
    response = post_json(client, "/api/v1/auth/token", {"username": "hni_officer", "password": PASSWORD})
    assert_problem(response, 401)
    assert not ApiToken.objects.exists()


def test_temporary_password_must_be_changed_before_a_token_is_issued(client, world):
    user = world.users["hni_officer"]
    user.must_change_password = True
    user.save()
    response = post_json(client, "/api/v1/auth/token", {"username": "hni_officer", "password": PASSWORD})
    assert_problem(response, 403, "password_change_required")
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        "{not json",
        json.dumps({"username": "hni_officer"}),
        json.dumps({"username": "", "password": ""}),
        json.dumps(["hni_officer", PASSWORD]),
    ],
)
def test_issue_token_bad_body_is_400_problem(client, world, payload):
    response = client.post("/api/v1/auth/token", data=payload, content_type="application/json")
    assert_problem(response, 400)


def test_lockout_after_five_failures_is_429(client, world):
    for _ in range(4):
        response = post_json(client, "/api/v1/auth/token", {"username": "hni_officer", "password": "bad"})
        assert_problem(response, 401)
    fifth = post_json(client, "/api/v1/auth/token", {"username": "hni_officer", "password": "bad"})
    assert fifth.status_code in (401, 429)
    # now even the right password is refused while the lock lasts
    locked = post_json(client, "/api/v1/auth/token", {"username": "hni_officer", "password": PASSWORD})
    body = assert_problem(locked, 429, "locked_out")
    assert body["title"] and body["detail"]
    assert not ApiToken.objects.exists()
    # another account from the same address is not locked
    other = post_json(client, "/api/v1/auth/token", {"username": "hcm_officer", "password": PASSWORD})
    assert other.status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/me", "/api/v1/tasks", "/api/v1/agencies", "/api/v1/resolutions/1"])
def test_every_endpoint_needs_authentication(client, world, url):
    body = assert_problem(client.get(url), 401, "not_authenticated")
    assert "Bearer" in body["detail"]
    assert client.get(url)["WWW-Authenticate"].startswith("Bearer")


def test_post_without_auth_is_401_not_csrf(client, world):
    assert_problem(post_json(client, "/api/v1/users", {}), 401)


def test_unknown_revoked_and_expired_tokens_are_refused(world):
    user = world.users["hni_officer"]
    assert_problem(
        Client().get("/api/v1/me", headers={"Authorization": "Bearer rsm_unknown"}), 401, "invalid_token"
    )
    token, raw = create_token(user, "a")
    revoke_token(user, token.pk)
    assert_problem(
        Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}), 401, "invalid_token"
    )
    _t, raw2 = create_token(user, "b", expires_at=clock.now() + dt.timedelta(minutes=5))
    with time_machine.travel(clock.now() + dt.timedelta(minutes=10)):
        assert_problem(Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw2}"}), 401)


def test_session_auth_reads_and_needs_csrf_for_writes(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["hni_admin"])
    assert client.get("/api/v1/me").json()["username"] == "hni_admin"
    body = {"username": "can.bo.moi", "full_name": "Nguyễn Văn Mới", "agency": world.hni.pk, "role": "leader"}
    assert_problem(post_json(client, "/api/v1/users", body), 403, "csrf_failed")
    client.get("/accounts/tokens/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = post_json(client, "/api/v1/users", body, headers={"X-CSRFToken": token})
    assert response.status_code == 201, response.content


def test_openapi_lists_the_paths(client, world):
    client.force_login(world.users["hni_officer"])
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    paths = set(schema["paths"])
    for expected in [
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/agencies",
        "/api/v1/agencies/{agency_id}",
        "/api/v1/agencies/{agency_id}/children",
        "/api/v1/users",
        "/api/v1/users/{user_id}",
        "/api/v1/users/{user_id}/deactivate",
        "/api/v1/resolutions",
        "/api/v1/resolutions/{resolution_id}",
        "/api/v1/programs",
        "/api/v1/programs/{program_id}",
        "/api/v1/tasks",
        "/api/v1/tasks/{task_id}",
    ]:
        assert expected in paths
    assert {"BearerToken", "BrowserSession"} <= set(schema["components"]["securitySchemes"])


def test_schema_and_docs_are_public_but_data_is_not(client, world):
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/docs").status_code == 200
    assert json.loads(client.get("/api/v1/").content)["openapi"] == "/api/v1/openapi.json"
    assert_problem(client.get("/api/v1/tasks"), 401)


def test_docs_page_is_local_and_csp_strict(client, world):
    client.force_login(world.users["hni_officer"])
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    html = response.content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts, "swagger-ui is loaded"
    for attrs, content in scripts:
        assert 'src="/static/' in attrs and not content.strip()
    assert " style=" not in html and "onload=" not in html and "cdn" not in html.lower()
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert client.get(asset).status_code == 200, asset
