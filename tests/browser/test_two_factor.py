"""Two-factor sign-in in a real browser: a leader's first sign-in sets up the authenticator (the QR
code is inline SVG: no CSP error), the recovery codes are shown once, the next sign-in asks for the
code; the security page and the sign-in history, on a desktop and on a phone."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.signin import PASSWORD, totp_now

from .conftest import assert_no_horizontal_scroll

pytestmark = pytest.mark.browser


def password(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_load_state("networkidle")


def test_a_leader_sets_up_two_factor_at_the_first_sign_in(world, page, shot, phone):
    user = world.users["hni_leader"]
    password(page, "hni_leader")
    assert page.url.endswith("/accounts/login/enrol/")
    assert page.locator("[data-testid=otp-qr] svg").is_visible()
    secret = page.locator("[data-testid=otp-secret]").inner_text()
    assert len(secret.replace(" ", "")) == 32
    assert_no_horizontal_scroll(page)
    shot(page)

    page.goto("/")  # nothing else before the setup is done
    assert "/accounts/login/" in page.url

    password(page, "hni_leader")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page.locator("input[name=code]").fill(totp_now(device))
    page.locator("[data-testid=enrol-form] [type=submit]").click()
    page.wait_for_load_state("networkidle")
    codes = page.locator("[data-testid=recovery-codes] li").all_inner_texts()
    assert len(codes) == 10
    shot(page)
    page.get_by_role("link", name="I have kept them: continue").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/") and "/accounts/" not in page.url

    # signed out, the next sign-in asks for the code; a recovery code works in its place
    page.context.clear_cookies()
    password(page, "hni_leader")
    assert page.url.endswith("/accounts/login/code/")
    shot(page)
    page.locator("input[name=code]").fill(codes[0])
    page.locator("[data-testid=code-form] [type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url
    assert "9 unused codes are left" in page.inner_text("main")


def test_the_security_page_and_the_sign_in_history(world, page, sign_in, visit, phone):
    page.context.clear_cookies()
    password(page, "hni_officer")
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill("hni_officer")
    page.locator("input[name=password]").fill("not-the-password")
    page.locator("form:has(input[name=password]) [type=submit]").click()
    sign_in("hni_officer")
    visit("/accounts/security/")
    assert "Turn on two-factor sign-in" in page.inner_text("main")
    assert_no_horizontal_scroll(page)
    page.get_by_role("link", name="Full sign-in history").click()
    page.wait_for_load_state("networkidle")
    rows = page.locator("[data-testid=sign-in-history] tbody tr")
    outcomes = rows.evaluate_all("els => els.map(e => e.dataset.outcome)")
    assert outcomes == ["success", "wrong_password", "success"]
    assert_no_horizontal_scroll(page)

    # turning it on from the security page
    page.goto("/accounts/security/enrol/")
    device = TOTPDevice.objects.get(user=world.users["hni_officer"], confirmed=False)
    page.locator("input[name=code]").fill(totp_now(device))
    page.locator("[data-testid=enrol-form] [type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=recovery-codes] li").count() == 10
    page.goto("/accounts/security/")
    assert "10 unused recovery codes left" in page.inner_text("main")
