"""What a person sees in a real browser: scope on the task list, a hidden task, an account import
with a bad row, and a phone-sized screen. Data: tests.factories.build_world()."""

from __future__ import annotations

import re

import pytest

from resmon.accounts.models import User

from .conftest import assert_no_horizontal_scroll

pytestmark = pytest.mark.browser


def _digits(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def shown_total(page) -> int:
    """The total count the task list shows (the element marked data-total-count, else the first
    "N nhiệm vụ / N tasks" text on the page)."""
    marked = page.locator("[data-total-count]")
    if marked.count():
        return int(marked.first.get_attribute("data-total-count"))
    text = page.inner_text("main")
    found = re.search(r"(\d[\d.,]*)\s+(?:nhiệm vụ|tasks?)\b", text, re.IGNORECASE)
    assert found, f"no task count on the page: {text[:400]}"
    return _digits(found.group(1))


def test_provincial_officer_sees_only_their_province(world, page, sign_in, visit, shot):
    sign_in("hni_officer")
    shot(page, "home")
    visit("/tasks/", "task-list")

    api = page.request.get("/api/v1/tasks?limit=1")
    assert api.ok, f"GET /api/v1/tasks with the page's session: {api.status}"
    api_count = api.json()["count"]
    assert shown_total(page) == api_count

    body = page.inner_text("main")
    assert world.tasks["hni"].title in body
    assert world.hcm.name not in body  # nothing of Hồ Chí Minh City
    hcm_ids = {world.tasks["hcm"].pk, world.tasks["hcm_xa"].pk}
    links = page.locator("main a[href*='/tasks/']").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    opened = {int(m.group(1)) for h in links if (m := re.search(r"/tasks/(\d+)/", h or ""))}
    assert opened, "the task list links to no task"
    assert not opened & hcm_ids

    page.get_by_role("link", name=world.tasks["hni"].title).first.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/tasks/{world.tasks['hni'].pk}/")
    assert world.tasks["hni"].title in page.inner_text("main")
    shot(page, "task-detail")


def test_commune_officer_gets_not_found_for_another_province(world, page, console, sign_in, visit):
    console.allow(r"status of 404")  # the browser logs the page's own 404 status
    sign_in("xa_officer")
    hidden = world.tasks["hcm"]
    response = visit(f"/tasks/{hidden.pk}/")
    assert response.status == 404
    body = page.inner_text("body")
    assert hidden.title not in body
    assert world.hcm.name not in body
    assert page.locator("main h1, main .h1, main h2").count(), "the not-found page has no heading"


def test_agency_admin_import_with_a_bad_row_creates_nothing(
    world, page, console, sign_in, visit, shot, tmp_path
):
    # a rejected file is answered 400 Bad Request, which the browser logs for the page itself
    console.allow(r"status of 400 .*/accounts/users/import/")
    before = User.objects.count()
    csv_file = tmp_path / "tai-khoan.csv"
    csv_file.write_text(
        "ten_dang_nhap,ho_ten,ma_co_quan,vai_tro,email\n"
        "hni.nguyenvana,Nguyễn Văn A,HNI-SKHCN,can_bo_dau_moi,nva@hanoi.gov.vn\n"
        "hni.tranthib,Trần Thị B,MA-KHONG-CO,can_bo_dau_moi,ttb@hanoi.gov.vn\n",
        encoding="utf-8",
    )
    sign_in("hni_admin")
    visit("/accounts/users/import/", "user-import")
    page.locator("input[type=file]").set_input_files(str(csv_file))
    page.locator("form:has(input[type=file]) [type=submit]").click()
    page.wait_for_load_state("networkidle")
    shot(page, "user-import-errors")

    errors = page.locator("#import-errors tbody tr")
    assert errors.count() == 1, page.inner_text("main")[:800]
    row = errors.first.inner_text()
    assert re.search(r"\b3\b", row), f"the error does not name row 3 (the bad line): {row}"
    assert page.get_by_role("alert").count()
    assert User.objects.count() == before
    assert not User.objects.filter(username__in=["hni.nguyenvana", "hni.tranthib"]).exists()


def test_phone_width_has_no_horizontal_scroll(world, phone, sign_in, visit):
    sign_in("hni_officer")
    visit("/", "home-phone")
    assert_no_horizontal_scroll(phone)
    visit("/tasks/", "task-list-phone")
    assert_no_horizontal_scroll(phone)
