"""Browser tests: Playwright (sync API) driving Debian's chromium against pytest-django's live server.

Every test here is marked ``browser``. Under pytest-xdist each worker has its own live server and
its own chromium. The ``page`` fixture fails the test on any browser console error or uncaught
page error (a Content-Security-Policy violation is a console error), and ``shot`` saves a
screenshot per page visited to test-artifacts/screenshots/<test>-<n>.png. With
SAVE_DOCS_SCREENSHOTS=1 the named ones are also copied to docs/screenshots/ (`make screenshots`
does that with the Vietnamese interface; the test profile is English unless TEST_LANGUAGE_CODE=vi).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.urls import get_resolver

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse ORM calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "s3cret-pass!"  # tests.factories.user's default
DESKTOP = {"width": 1280, "height": 900}
PHONE_WIDTH = 375
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install the Debian package chromium (make test does it as root)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class ConsoleWatch:
    """Console errors and page errors seen during a test, minus the ones a test expects."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.allowed: list[re.Pattern[str]] = []

    def allow(self, pattern: str) -> None:
        """Expect console errors matching ``pattern`` (e.g. the 404 status of a not-found page)."""
        self.allowed.append(re.compile(pattern))

    def on_console(self, msg) -> None:
        if msg.type == "error":
            where = msg.location.get("url", "") if msg.location else ""
            self.errors.append(f"console error: {msg.text} ({where})")

    def on_page_error(self, exc) -> None:
        self.errors.append(f"page error: {exc}")

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]


@pytest.fixture
def console() -> ConsoleWatch:
    return ConsoleWatch()


@pytest.fixture
def context(browser, live_server):
    # load every URL module (the API routers import the PDF and signing libraries) before the
    # first page is asked for, so that page is not timed out by seconds of imports
    get_resolver().url_patterns  # noqa: B018
    ctx = browser.new_context(
        base_url=live_server.url, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", viewport=DESKTOP
    )
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, console, request):
    pg = context.new_page()
    pg.on("console", console.on_console)
    pg.on("pageerror", console.on_page_error)
    yield pg
    errors = console.unexpected()
    if errors and not getattr(request.node, "_browser_failed", False):
        pytest.fail("the browser reported errors:\n" + "\n".join(errors), pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        item._browser_failed = True


class Screenshots:
    """Numbered screenshots of the pages a test visits; some also become the docs' pictures."""

    def __init__(self, test_name: str) -> None:
        self.prefix = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name).strip("_")
        self.n = 0

    def __call__(self, page, doc_name: str | None = None, full_page: bool = True) -> Path:
        self.n += 1
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.prefix}-{self.n}.png"
        if full_page:
            # a page opened at an anchor (#kpis) is scrolled: the sticky header would be drawn mid-picture
            page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(path), full_page=full_page, animations="disabled")
        if doc_name and os.environ.get("SAVE_DOCS_SCREENSHOTS") == "1":
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS_SCREENSHOTS / f"{doc_name}.png")
        return path


@pytest.fixture
def shot(request) -> Screenshots:
    """``shot(page)`` saves a screenshot; ``shot(page, "home")`` also copies it to docs/screenshots/
    when SAVE_DOCS_SCREENSHOTS=1."""
    return Screenshots(request.node.name)


@pytest.fixture
def visit(page, shot):
    """``visit(path)``: open a page, wait until it settles, screenshot it; returns the response."""

    def go(path: str, doc_name: str | None = None):
        response = page.goto(path)
        page.wait_for_load_state("networkidle")
        shot(page, doc_name)
        return response

    return go


def login(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form, and the one-time-code step when the account has two-factor
    sign-in (tests/signin.py: an account whose role requires it has an authenticator, and its
    current code is typed); fails the test if the forms do not let the user in."""
    from tests.signin import code_for, prepare

    user = prepare(username)
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_load_state("networkidle")
    if user is not None and "/accounts/login/code/" in page.url:
        page.locator("input[name=code]").fill(code_for(user))
        page.locator("[data-testid=code-form] [type=submit]").click()
        page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url, (
        f"{username} could not sign in: {page.inner_text('main')[:500]}"
    )


@pytest.fixture
def sign_in(page):
    """``sign_in("hni_officer")`` signs a world user in on ``page``."""
    return lambda username, password=PASSWORD: login(page, username, password)


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def assert_no_horizontal_scroll(page, width: int = PHONE_WIDTH) -> None:
    """The page fits a ``width`` px wide screen: nothing makes it scroll sideways."""
    actual = scroll_width(page)
    if actual > width:
        culprits = page.evaluate(
            """(w) => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest('.table-responsive'))
                .slice(0, 5)
                .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                     + (typeof e.className === 'string' && e.className ? '.' + e.className.trim() : '')
                     + ' right=' + Math.round(e.getBoundingClientRect().right))""",
            width,
        )
        raise AssertionError(
            f"{page.url} scrolls sideways at {width}px: scrollWidth={actual}; widest elements: {culprits}"
        )


@pytest.fixture
def phone(page):
    """The page as a 375 px wide phone screen."""
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 812})
    return page
