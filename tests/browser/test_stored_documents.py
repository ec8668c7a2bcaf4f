"""In a real browser: Hà Nội's leader asks for the overview "in the background" from the overview
page, lands on "Documents created" where the row waits with a progress bar; the worker (run here
by the test) makes the file, and the list, polling by itself, shows it ready without a reload and
stops polling; the file downloads; the pages fit a 375 px phone; deleting asks first. No console
error (a CSP violation would be one). Screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

import pytest
from django.urls import reverse

from resmon.core import clock
from resmon.exports.models import StoredDocument
from resmon.exports.stored import building
from resmon.rollups import services as rollups
from tests.browser.conftest import PHONE_WIDTH, assert_no_horizontal_scroll
from tests.dashboards.helpers import populate
from tests.reporting.helpers import make_periods

pytestmark = pytest.mark.browser


@pytest.fixture
def documents_world(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_periods()
    populate(world, clock.today())
    rollups.rebuild()
    return world


def at_phone_width(page, shot) -> None:
    size = page.viewport_size
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 812})
    try:
        shot(page)
        assert_no_horizontal_scroll(page)
    finally:
        page.set_viewport_size(size)


def test_a_document_made_in_the_background(documents_world, page, sign_in, shot):
    sign_in("hni_leader")
    page.goto(reverse("dashboards:overview"))
    form = page.locator("form[data-stored-request]")
    form.locator("select[name=format]").select_option("xlsx")
    shot(page)
    form.locator("button[data-stored-create]").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(reverse("exports:stored_list"))
    assert "being prepared in the background" in page.locator(".messages").inner_text()
    doc = StoredDocument.objects.get()
    row = page.locator(f"tr[data-document='{doc.pk}']")
    assert row.get_attribute("data-status") == "queued"
    assert page.locator("#stored-documents[hx-trigger]").count() == 1
    shot(page, "tai-lieu-da-tao-dang-cho")
    at_phone_width(page, shot)

    # the worker makes it; the page, polling every 3 s, shows it ready without a reload
    assert building.build(doc.pk) == StoredDocument.Status.DONE
    page.locator(f"tr[data-document='{doc.pk}'][data-status='done']").wait_for(timeout=15_000)
    assert page.locator("#stored-documents[hx-trigger]").count() == 0  # polling has stopped
    shot(page, "tai-lieu-da-tao")
    with page.expect_download() as download:
        page.locator(f"tr[data-document='{doc.pk}'] a[data-download]").click()
    assert download.value.suggested_filename == StoredDocument.objects.get().filename
    assert download.value.suggested_filename.startswith(
        "tong-quan-HNI"
    ) and download.value.suggested_filename.endswith(".xlsx")

    # its page, then deleting it: asked first
    page.locator(f"tr[data-document='{doc.pk}'] td a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-sha256]").inner_text() == StoredDocument.objects.get().sha256
    shot(page)
    at_phone_width(page, shot)
    page.locator("a[data-delete]").click()
    page.wait_for_load_state("networkidle")
    assert StoredDocument.objects.filter(pk=doc.pk).exists()
    at_phone_width(page, shot)
    page.locator("form[data-confirm-delete] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "has been deleted" in page.locator(".messages").inner_text()
    assert not StoredDocument.objects.filter(pk=doc.pk).exists()
    assert page.locator("[data-empty]").count() == 1
    at_phone_width(page, shot)
