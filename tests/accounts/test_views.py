"""Account administration pages as an administrator uses them."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from resmon.accounts.models import User
from resmon.audit.models import AuditEntry
from resmon.core.access import Role

pytestmark = pytest.mark.django_db
EN: dict[str, str] = {}


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.users["hni_admin"])
    return client


PAGES = [
    ("accounts:user_list", {}),
    ("accounts:user_create", {}),
    ("accounts:user_import", {}),
    ("accounts:user_import_template", {"fmt": "csv"}),
    ("accounts:agency_options", {}),
]


@pytest.mark.parametrize("name, kwargs", PAGES)
@pytest.mark.parametrize("who", ["hni_officer", "hni_leader", "inspector", "national_leader"])
def test_pages_are_404_for_non_administrators(client, world, name, kwargs, who):
    client.force_login(world.users[who])
    assert client.get(reverse(name, kwargs=kwargs)).status_code == 404


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("accounts:user_list"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_user_list_shows_only_the_subtree_with_total_and_filters(admin_client, world):
    response = admin_client.get(reverse("accounts:user_list"), **EN)
    assert response.status_code == 200
    body = response.content.decode()
    assert "xa_officer" in body and "hni_so_officer" in body
    assert "hcm_officer" not in body and "national_leader" not in body
    hni_count = User.objects.filter(agency__path__startswith=world.hni.path).count()
    assert f"{hni_count} accounts" in body
    response = admin_client.get(reverse("accounts:user_list"), {"q": "xa", "role": "focal_officer"}, **EN)
    body = response.content.decode()
    assert "xa_officer" in body and "xa2_officer" in body and "hni_leader" not in body
    response = admin_client.get(reverse("accounts:user_list"), {"agency": world.hni_xa2.pk}, **EN)
    assert "xa2_officer" in response.content.decode() and "1 account" in response.content.decode()


def test_detail_of_user_outside_subtree_is_404(admin_client, world):
    url = reverse("accounts:user_detail", args=[world.users["hcm_officer"].pk])
    assert admin_client.get(url).status_code == 404
    assert admin_client.post(url, {"action": "reset_password"}).status_code == 404


def test_create_page_lists_only_subtree_agencies_and_shows_password_once(admin_client, world):
    page = admin_client.get(reverse("accounts:user_create"), **EN).content.decode()
    assert "HNI-SKHCN" in page and "HCM" not in page.replace("HCM-", "")
    assert "Bộ Khoa học và Công nghệ" not in page
    response = admin_client.post(
        reverse("accounts:user_create"),
        {
            "username": "hoang.e",
            "full_name": "Hoàng E",
            "agency": world.hni_so.pk,
            "role": Role.FOCAL_OFFICER,
            "email": "",
            "position": "",
            "phone": "",
        },
        **EN,
    )
    assert response.status_code == 200
    user = User.objects.get(username="hoang.e")
    temp = response.context["temporary_password"]
    assert temp in response.content.decode() and user.check_password(temp)
    assert "no-store" in response["Cache-Control"]
    detail = admin_client.get(reverse("accounts:user_detail", args=[user.pk])).content.decode()
    assert temp not in detail


def test_create_form_shows_errors_next_to_fields_and_keeps_input(admin_client, world):
    response = admin_client.post(
        reverse("accounts:user_create"),
        {"username": "Bad Name", "full_name": "Giữ Lại", "agency": world.hcm.pk, "role": Role.LEADER},
        **EN,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "3 to 150 characters" in body or "own agency" in body
    assert "Giữ Lại" in body
    assert not User.objects.filter(full_name="Giữ Lại").exists()


def test_agency_search_filters_options(admin_client, world):
    response = admin_client.get(reverse("accounts:agency_options"), {"agency_q": "Phú Mỹ"})
    body = response.content.decode()
    assert "HNI-X2" in body and "HNI-X1" not in body
    response = admin_client.get(reverse("accounts:agency_options"), {"agency_q": "HCM"})
    assert "Bến Thành" not in response.content.decode()


def test_detail_deactivate_needs_reason_and_confirmation(admin_client, world):
    target = world.users["xa_officer"]
    url = reverse("accounts:user_detail", args=[target.pk])
    response = admin_client.post(url, {"action": "deactivate", "reason": ""}, **EN)
    assert response.status_code == 400
    assert "Give the reason" in response.content.decode()
    assert "Tick the box" in response.content.decode()
    target.refresh_from_db()
    assert target.is_active
    response = admin_client.post(url, {"action": "deactivate", "reason": "Chuyển công tác", "confirm": "on"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    admin_client.post(url, {"action": "reactivate"})
    target.refresh_from_db()
    assert target.is_active


def test_detail_reset_password_shows_it_once(admin_client, world):
    target = world.users["xa_officer"]
    url = reverse("accounts:user_detail", args=[target.pk])
    response = admin_client.post(url, {"action": "reset_password"}, **EN)
    assert response.status_code == 200
    temp = response.context["temporary_password"]
    assert temp in response.content.decode()
    target.refresh_from_db()
    assert target.check_password(temp) and target.must_change_password
    assert temp not in admin_client.get(url).content.decode()


def test_import_page_success_shows_passwords_and_downloads_csv(admin_client, world):
    data = "\ufeffusername,full_name,agency_code,role\r\nvu.f,Vũ F,HNI-X1-UBND,focal_officer\r\n".encode()
    response = admin_client.post(
        reverse("accounts:user_import"), {"file": SimpleUploadedFile("a.csv", data)}, **EN
    )
    assert response.status_code == 200
    body = response.content.decode()
    user = User.objects.get(username="vu.f")
    temp = response.context["credentials"][0][3]
    assert user.check_password(temp) and temp in body
    download = admin_client.post(
        reverse("accounts:user_import_credentials"),
        {"username": ["vu.f"], "full_name": ["Vũ F"], "agency_code": ["HNI-X1-UBND"], "password": [temp]},
    )
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[1] == ["vu.f", "Vũ F", "HNI-X1-UBND", temp]
    assert "attachment" in download["Content-Disposition"]


def test_import_page_rejection_lists_rows_and_creates_nothing(admin_client, world):
    data = b"username,full_name,agency_code,role\r\ngood.one,A,HNI,leader\r\nbad.one,B,HCM,leader\r\n"
    response = admin_client.post(
        reverse("accounts:user_import"), {"file": SimpleUploadedFile("a.csv", data)}, **EN
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "No accounts were created." in body
    assert "<td>3</td>" in body
    assert not User.objects.filter(username__in=["good.one", "bad.one"]).exists()
    assert not AuditEntry.objects.filter(action="accounts.bulk_import").exists()


def test_templates_download_in_both_formats(admin_client, world):
    response = admin_client.get(reverse("accounts:user_import_template", kwargs={"fmt": "csv"}))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[:4] == ["ten_dang_nhap", "ho_ten", "ma_co_quan", "vai_tro"]
    response = admin_client.get(reverse("accounts:user_import_template", kwargs={"fmt": "xlsx"}))
    wb = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in wb.worksheets[0][1]][:4] == header[:4]
    assert (
        admin_client.get(reverse("accounts:user_import_template", kwargs={"fmt": "pdf"})).status_code == 404
    )


def test_filled_in_xlsx_template_imports(admin_client, world):
    from openpyxl import load_workbook as load

    response = admin_client.get(reverse("accounts:user_import_template", kwargs={"fmt": "xlsx"}))
    wb = load(io.BytesIO(response.content))
    wb.worksheets[0].append(["dinh.g", "Đinh G", "HNI-X2", "Cán bộ đầu mối", "", "", "0987654321"])
    buf = io.BytesIO()
    wb.save(buf)
    response = admin_client.post(
        reverse("accounts:user_import"), {"file": SimpleUploadedFile("t.xlsx", buf.getvalue())}
    )
    assert response.status_code == 200
    assert User.objects.get(username="dinh.g").phone == "0987654321"


def test_agency_search_without_javascript_keeps_typed_input(admin_client, world):
    response = admin_client.post(
        reverse("accounts:user_create"),
        {"username": "giu.lai", "full_name": "Giữ Lại", "agency_q": "Phú Mỹ", "find_agency": "1"},
        **EN,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="giu.lai"' in body and "HNI-X2" in body and "HNI-SKHCN" not in body
    assert "is-invalid" not in body
    assert not User.objects.filter(username="giu.lai").exists()


def test_create_outside_subtree_shows_error_at_agency_field(admin_client, world):
    response = admin_client.post(
        reverse("accounts:user_create"),
        {"username": "ngoai.pham.vi", "full_name": "Ngoài", "agency": world.hcm.pk, "role": Role.LEADER},
        **EN,
    )
    assert "own agency" in " ".join(response.context["form"].errors["agency"])
    assert not User.objects.filter(username="ngoai.pham.vi").exists()
