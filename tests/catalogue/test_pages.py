"""Catalogue pages: everyone signed in reads; only system administrators see and use the forms."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from resmon.audit.models import AuditEntry
from resmon.catalogue.models import Indicator, IndicatorVersion
from tests.web.helpers import assert_safe_page

from .helpers import make_indicator

pytestmark = pytest.mark.django_db


def client_for(world, username):
    c = Client()
    c.force_login(world.users[username])
    return c


@pytest.fixture
def catalogue(world):
    make_indicator(world)
    make_indicator(
        world, code="NQ71-CQ-01", name="Tỷ lệ trường đạt chuẩn quốc gia", resolution_hint="71-NQ/TW"
    )
    gone = make_indicator(world, code="NQ57-OLD", name="Chỉ tiêu cũ")
    gone.is_active = False
    gone.save()
    return world


def test_list_is_readable_by_everyone_with_count_and_filters(catalogue):
    c = client_for(catalogue, "xa_officer")
    html = assert_safe_page(c.get(reverse("catalogue:indicator_list")))
    assert "2 indicators" in html
    assert "NQ57-DVC-01" in html and "NQ71-CQ-01" in html and "NQ57-OLD" not in html
    html = c.get(reverse("catalogue:indicator_list"), {"resolution": "71-NQ/TW"}).content.decode()
    assert "1 indicator" in html and "NQ57-DVC-01" not in html
    html = c.get(reverse("catalogue:indicator_list"), {"q": "công trực tuyến"}).content.decode()
    assert "NQ57-DVC-01" in html and "NQ71-CQ-01" not in html
    html = c.get(reverse("catalogue:indicator_list"), {"active": "0"}).content.decode()
    assert "NQ57-OLD" in html and "NQ57-DVC-01" not in html
    # a nonsense filter value is ignored, not an error
    assert c.get(reverse("catalogue:indicator_list"), {"direction": "sideways"}).status_code == 200
    assert "New indicator" not in html


def test_detail_shows_the_version_history(catalogue):
    ind = Indicator.objects.get(code="NQ57-DVC-01")
    admin = client_for(catalogue, "sysadmin")
    url = reverse("catalogue:indicator_revise", args=[ind.pk])
    assert admin.get(url).status_code == 200
    response = admin.post(
        url,
        {
            "change_note": "Đổi đơn vị",
            "expected_version": 1,
            "name": ind.current.name,
            "definition": ind.current.definition,
            "unit": "% thủ tục",
            "direction": "higher",
            "aggregation": "avg",
            "frequency": "quarter",
            "owner_agency": catalogue.bo_khcn.pk,
            "resolution_hint": "57-NQ/TW",
        },
    )
    assert response.status_code == 302
    html = assert_safe_page(
        client_for(catalogue, "hcm_officer").get(reverse("catalogue:indicator_detail", args=[ind.pk]))
    )
    assert "v2" in html and "v1" in html and "Đổi đơn vị" in html and "% thủ tục" in html
    assert "New version" not in html


def test_missing_indicator_is_a_404(catalogue):
    c = client_for(catalogue, "xa_officer")
    assert c.get(reverse("catalogue:indicator_detail", args=[987654])).status_code == 404


@pytest.mark.parametrize("who", ["hni_admin", "national_leader", "xa_officer"])
def test_forms_are_404_for_others(catalogue, who):
    ind = Indicator.objects.get(code="NQ57-DVC-01")
    c = client_for(catalogue, who)
    assert c.get(reverse("catalogue:indicator_create")).status_code == 404
    assert c.post(reverse("catalogue:indicator_create"), {"code": "X"}).status_code == 404
    assert c.get(reverse("catalogue:indicator_revise", args=[ind.pk])).status_code == 404
    post = c.post(reverse("catalogue:indicator_set_active", args=[ind.pk]), {"active": "0", "reason": "x"})
    assert post.status_code == 404
    ind.refresh_from_db()
    assert ind.is_active


def test_create_form_shows_errors_next_to_the_field_and_saves_nothing(catalogue):
    admin = client_for(catalogue, "sysadmin")
    before = (Indicator.objects.count(), IndicatorVersion.objects.count())
    data = {
        "code": "nq57-dvc-01",
        "name": "Trùng mã",
        "definition": "Thử",
        "unit": "%",
        "direction": "higher",
        "aggregation": "sum",
        "frequency": "year",
        "owner_agency": catalogue.bo_khcn.pk,
    }
    response = admin.post(reverse("catalogue:indicator_create"), data)
    html = assert_safe_page(response)
    assert "already exists" in html and "is-invalid" in html
    assert (Indicator.objects.count(), IndicatorVersion.objects.count()) == before
    data["code"] = "NQ68-DN-02"
    response = admin.post(reverse("catalogue:indicator_create"), data)
    ind = Indicator.objects.get(code="NQ68-DN-02")
    assert response.status_code == 302 and response["Location"] == reverse(
        "catalogue:indicator_detail", args=[ind.pk]
    )


def test_take_out_of_use_from_the_page(catalogue):
    ind = Indicator.objects.get(code="NQ57-DVC-01")
    admin = client_for(catalogue, "sysadmin")
    url = reverse("catalogue:indicator_set_active", args=[ind.pk])
    response = admin.post(url, {"active": "0", "reason": ""}, follow=True)
    assert "reason" in response.content.decode()
    ind.refresh_from_db()
    assert ind.is_active
    admin.post(url, {"active": "0", "reason": "Thay thế"})
    ind.refresh_from_db()
    assert not ind.is_active
    assert AuditEntry.objects.filter(action="catalogue.indicator_deactivated").count() == 1


def test_navigation_links_to_the_catalogue(catalogue):
    html = client_for(catalogue, "xa_officer").get(reverse("web:home")).content.decode()
    assert reverse("catalogue:indicator_list") in html
