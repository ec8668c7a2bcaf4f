"""The Excel round trip through the pages and the API: download, upload, summary and error report."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from resmon.audit.models import AuditEntry
from resmon.planning.models import Task
from resmon.planning.services import excel
from tests.planning.excel_helpers import append_row, exported, letter, set_cell, to_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def prog(world):
    return world.tasks["hni"].program


def client_for(world, username):
    c = Client()
    c.force_login(world.users[username])
    return c


def upload(data: bytes, name="chuong-trinh.xlsx"):
    return SimpleUploadedFile(name, data, content_type=XLSX)


# --- pages ------------------------------------------------------------------------------------


def test_programme_page_links_to_export_and_import(world, prog):
    html = (
        client_for(world, "hni_officer").get(reverse("web:program_detail", args=[prog.pk])).content.decode()
    )
    assert reverse("planning:program_export_xlsx", args=[prog.pk]) in html
    assert reverse("planning:program_import_xlsx", args=[prog.pk]) in html


def test_export_page_downloads_the_workbook(world, prog):
    response = client_for(world, "hni_leader").get(reverse("planning:program_export_xlsx", args=[prog.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert 'filename="chuong-trinh-57-nqtw-hni.xlsx"' in response["Content-Disposition"]
    assert response.content.startswith(b"PK")


def test_export_of_a_programme_outside_the_scope_is_404(world, prog):
    response = client_for(world, "hcm_officer").get(reverse("planning:program_export_xlsx", args=[prog.pk]))
    assert response.status_code == 404


def test_upload_shows_the_summary(world, prog):
    officer = world.users["hni_officer"]
    wb = exported(officer, prog)
    set_cell(wb, "1", "title", "Chuyển đổi số toàn diện trong hệ thống chính trị Thành phố")
    append_row(wb, code="1.3", title="Số hóa hồ sơ một cửa cấp xã", lead="HNI-X1", due="30/06/2026")
    url = reverse("planning:program_import_xlsx", args=[prog.pk])
    response = client_for(world, "hni_officer").post(url, {"file": upload(to_bytes(wb))})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-summary"' in html
    assert "Số hóa hồ sơ một cửa cấp xã" in html
    assert Task.objects.filter(program=prog, code="1.3").exists()


def test_upload_with_bad_rows_shows_the_error_table_and_saves_nothing(world, prog):
    officer = world.users["hni_officer"]
    wb = exported(officer, prog)
    row = set_cell(wb, "1.1", "lead", "HCM")
    count = Task.objects.count()
    url = reverse("planning:program_import_xlsx", args=[prog.pk])
    response = client_for(world, "hni_officer").post(url, {"file": upload(to_bytes(wb))})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="import-errors"' in html
    assert f"<td>{row}</td>" in html and f"<code>{letter('lead')}</code>" in html
    assert (
        Task.objects.count() == count
        and not AuditEntry.objects.filter(action__startswith="planning.").exists()
    )


def test_upload_of_a_file_that_is_not_excel(world, prog):
    url = reverse("planning:program_import_xlsx", args=[prog.pk])
    response = client_for(world, "hni_officer").post(url, {"file": upload(b"not excel", "ds.csv")})
    assert response.status_code == 400
    assert "not an Excel workbook" in response.content.decode()


def test_upload_page_for_a_reader_explains_and_post_is_refused(world, prog):
    url = reverse("planning:program_import_xlsx", args=[prog.pk])
    c = client_for(world, "inspector")
    page = c.get(url)
    assert page.status_code == 200 and "cannot import" in page.content.decode()
    data = excel.export_program(world.users["hni_officer"], prog)
    assert c.post(url, {"file": upload(data)}).status_code == 403
    assert not AuditEntry.objects.filter(action__startswith="planning.").exists()


def test_upload_page_without_a_file(world, prog):
    url = reverse("planning:program_import_xlsx", args=[prog.pk])
    response = client_for(world, "hni_officer").post(url, {})
    assert response.status_code == 400


# --- API --------------------------------------------------------------------------------------


def test_api_export(world, prog):
    response = client_for(world, "hni_officer").get(f"/api/v1/programs/{prog.pk}/export.xlsx")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    from openpyxl import load_workbook

    assert "Nhiệm vụ" in load_workbook(io.BytesIO(response.content)).sheetnames


def test_api_export_outside_the_scope_is_a_problem_404(world, prog):
    response = client_for(world, "hcm_officer").get(f"/api/v1/programs/{prog.pk}/export.xlsx")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")


def test_api_import_answers_the_summary(world, prog):
    officer = world.users["hni_officer"]
    wb = exported(officer, prog)
    append_row(wb, code="2", title="Phát triển hạ tầng số dùng chung", lead="HNI-UBND", due="31/12/2026")
    response = client_for(world, "hni_officer").post(
        f"/api/v1/programs/{prog.pk}/import", {"file": upload(to_bytes(wb))}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (1, 0, 3)
    assert body["created_tasks"][0]["code"] == "2"


def test_api_import_errors_are_a_problem_with_rows_and_columns(world, prog):
    officer = world.users["hni_officer"]
    wb = exported(officer, prog)
    row = set_cell(wb, "1.1", "weight", "nặng")
    response = client_for(world, "hni_officer").post(
        f"/api/v1/programs/{prog.pk}/import", {"file": upload(to_bytes(wb))}
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "import_rejected"
    assert body["errors"] == [
        {
            "row": row,
            "column": letter("weight"),
            "header": "Trọng số",
            "message": body["errors"][0]["message"],
        }
    ]
    assert "weight" in body["errors"][0]["message"]


def test_api_import_refused_and_missing_file(world, prog):
    data = excel.export_program(world.users["hni_officer"], prog)
    url = f"/api/v1/programs/{prog.pk}/import"
    refused = client_for(world, "inspector").post(url, {"file": upload(data)})
    assert refused.status_code == 403
    assert client_for(world, "hcm_officer").post(url, {"file": upload(data)}).status_code == 404
    missing = client_for(world, "hni_officer").post(url, {})
    assert missing.status_code == 400 and "file" in missing.json()["detail"]
    assert not AuditEntry.objects.filter(action__startswith="planning.").exists()
