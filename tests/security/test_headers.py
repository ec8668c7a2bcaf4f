"""Headers and markup: the strict Content-Security-Policy on every page, nothing inline in what the
templates render (no inline script, style element or attribute, event handler or javascript: link),
a CSRF token in every POST form and the check enforced, and the production profile's transport
security (HSTS, secure cookies, HTTPS redirect), read in a subprocess with the production
environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from resmon.accounts.models import ApiToken
from tests.permission_routes import API, ROUTES
from tests.test_permission_matrix import all_patterns, objects_of, url_for

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


class InlineFinder(HTMLParser):
    """What a strict policy would block (or what would need 'unsafe-inline'), and POST forms
    without a CSRF token."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._form: list[bool] | None = None  # [has a token] while inside a POST form

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "script" and "src" not in a and a.get("type", "") not in ("application/json", "importmap"):
            self.problems.append("an inline <script>")
        if tag == "style":
            self.problems.append("a <style> element")
        if "style" in a:
            self.problems.append(f'a style="" attribute on <{tag}>')
        for name in a:
            if name.startswith("on"):
                self.problems.append(f"an event handler {name}= on <{tag}>")
        for name in ("href", "src", "action", "formaction"):
            if a.get(name, "").strip().lower().startswith("javascript:"):
                self.problems.append(f"a javascript: URL in <{tag} {name}>")
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form = [False]
        if tag == "input" and self._form is not None and a.get("name") == "csrfmiddlewaretoken":
            self._form[0] = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            if not self._form[0]:
                self.problems.append("a POST form without a CSRF token")
            self._form = None


def policy(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy", "")
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def check_policy(response) -> list[str]:
    csp = policy(response)
    problems = []
    if not csp:
        return ["no Content-Security-Policy header"]
    for directive in ("default-src", "script-src", "style-src"):
        sources = csp.get(directive, csp.get("default-src", []))
        if any(s in sources for s in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:")):
            problems.append(f"{directive} allows {sources}")
    if csp.get("object-src") != ["'none'"]:
        problems.append(f"object-src is {csp.get('object-src')}")
    if csp.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors is {csp.get('frame-ancestors')}")
    return problems


def page_urls(world) -> list[tuple[str, str]]:
    patterns = all_patterns()
    out = []
    for name, route in sorted(ROUTES.items()):
        if route.kind == API or route.method != "GET" or name.startswith("api"):
            continue
        obj = objects_of(world, route.obj)[0] if route.obj else None
        out.append((name, url_for(name, route, patterns[name], obj)))
    return out


def test_every_page_has_the_strict_policy_and_nothing_inline(matrix_world):
    client = Client()
    client.force_login(matrix_world.users["sysadmin"])
    pages = [*page_urls(matrix_world), ("a missing page (404)", "/no-such-page/")]
    failures, scanned = [], 0
    for name, url in pages:
        response = client.get(url)
        failures += [f"{name} {url}: {p}" for p in check_policy(response)]
        if response.status_code in (200, 404) and response["Content-Type"].startswith("text/html"):
            finder = InlineFinder()
            finder.feed(response.content.decode())
            failures += [f"{name} {url}: {p}" for p in sorted(set(finder.problems))]
            scanned += 1
    anonymous = Client().get(reverse("accounts:login"))
    finder = InlineFinder()
    finder.feed(anonymous.content.decode())
    failures += [f"sign-in page: {p}" for p in [*check_policy(anonymous), *finder.problems]]
    print(f"{len(pages) + 1} responses checked, {scanned} pages scanned")
    assert scanned > 60  # the pages really rendered (not all redirects)
    assert not failures, "\n".join(failures)


def test_the_finder_sees_what_it_looks_for():
    finder = InlineFinder()
    finder.feed(
        '<script>alert(1)</script><script src="/static/x.js"></script><p style="color:red" onclick="x()">'
        '<a href="javascript:void(0)">x</a><form method="post"><input name="q"></form>'
        '<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="t"></form>'
    )
    assert sorted(finder.problems) == [
        "a POST form without a CSRF token",
        "a javascript: URL in <a href>",
        'a style="" attribute on <p>',
        "an event handler onclick= on <p>",
        "an inline <script>",
    ]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("accounts:tokens", {"action": "create", "name": "sans csrf", "expires": "30"}),
        ("accounts:password_change", {"old_password": "x", "new_password1": "y", "new_password2": "y"}),
        ("exports:stored_request", {"format": "xlsx"}),
        ("accounts:logout", {}),
        ("set_language", {"language": "en", "next": "/"}),
    ],
)
def test_a_post_without_the_csrf_token_is_refused(world, name, data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["hni_officer"])
    response = client.post(reverse(name), data)
    assert response.status_code == 403
    assert not ApiToken.objects.exists()
    assert client.get(reverse("web:home")).status_code == 200  # still signed in: logout did not happen


def test_sign_in_without_the_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "hni_officer", "password": "s3cret-pass!"})
    assert response.status_code == 403 and "_auth_user_id" not in client.session


def test_with_the_token_the_same_post_goes_through(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["hni_officer"])
    client.get(reverse("accounts:tokens"))
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("accounts:tokens"),
        {"action": "create", "name": "với csrf", "expires": "30", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 200 and ApiToken.objects.filter(name="với csrf").exists()


def test_the_api_with_a_session_needs_the_csrf_header(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["hni_officer"])
    refused = client.post("/api/v1/notifications/read-all")
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    client.get(reverse("accounts:tokens"))
    ok = client.post(
        "/api/v1/notifications/read-all", headers={"X-CSRFToken": client.cookies["csrftoken"].value}
    )
    assert ok.status_code == 200


PRODUCTION_ENV = {
    "RESMON_ENV": "production",
    "SECRET_KEY": "x" * 60 + "-not-a-real-key-but-long-and-random-enough-9f3b",
    "ALLOWED_HOSTS": "resmon.example.vn",
    "DJANGO_SETTINGS_MODULE": "resmon.settings",
    "PYTHONPATH": str(ROOT / "src"),
}
SHOW = """
import json
from django.conf import settings
print(json.dumps({k: getattr(settings, k) for k in (
    "DEBUG", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_HTTPONLY", "X_FRAME_OPTIONS",
    "SECURE_CONTENT_TYPE_NOSNIFF", "CONTENT_SECURITY_POLICY")}))
"""


def production(args: list[str], **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    env.update(PRODUCTION_ENV, **extra)
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_production_settings_have_transport_security():
    out = production(["-c", SHOW], DEBUG="1")  # DEBUG=1 in the environment is ignored in production
    assert out.returncode == 0, out.stderr
    s = json.loads(out.stdout)
    assert s["DEBUG"] is False
    assert s["SECURE_HSTS_SECONDS"] >= 31536000
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"] and s["SECURE_SSL_REDIRECT"]
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["SESSION_COOKIE_HTTPONLY"] and s["CSRF_COOKIE_HTTPONLY"] and s["SECURE_CONTENT_TYPE_NOSNIFF"]
    assert s["X_FRAME_OPTIONS"] == "DENY"
    directives = s["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]


@pytest.mark.slow
def test_production_passes_the_deployment_check():
    """Only the two HSTS choices that depend on the domain (subdomains, preload list) are left."""
    out = production(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    reported = {line.split(")")[0].split("(")[-1] for line in out.stderr.splitlines() if "(security." in line}
    assert reported <= {"security.W005", "security.W021"}, out.stderr


def test_production_refuses_to_start_without_a_secret_key():
    out = production(["-c", "import resmon.settings"], SECRET_KEY="")
    assert out.returncode != 0 and "SECRET_KEY must be set" in out.stderr
