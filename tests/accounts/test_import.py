"""Bulk account import: all or nothing, with errors per row as the user sees them in Excel."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from resmon.accounts import services
from resmon.accounts.models import User
from resmon.audit.models import AuditEntry
from resmon.core.access import Role
from resmon.core.errors import PermissionRefused

pytestmark = pytest.mark.django_db

HEADER_VI = ["Tên đăng nhập", "Họ tên", "Mã cơ quan", "Vai trò", "Email", "Chức vụ"]
HEADER_EN = ["username", "full_name", "agency_code", "role", "email", "position"]


def csv_file(rows, header=HEADER_EN, bom=True, sep=",", name="tk.csv"):
    lines = [sep.join(header)] + [sep.join(r) for r in rows]
    data = ("\ufeff" if bom else "") + "\r\n".join(lines) + "\r\n"
    return SimpleUploadedFile(name, data.encode("utf-8"), content_type="text/csv")


def xlsx_file(rows, header=HEADER_VI, name="tk.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue())


GOOD = [
    ["tran.van.b", "Trần Văn B", "HNI-SKHCN", "focal_officer", "b@hanoi.gov.vn", "Chuyên viên"],
    ["le.thi.c", "Lê Thị C", "HNI-X1", "Lãnh đạo", "", "Bí thư"],
    ["pham.d", "Phạm D", "hni", "Cán bộ đầu mối", "", ""],
]


def test_csv_import_creates_all_with_audit(world):
    admin = world.users["hni_admin"]
    result = services.bulk_import(admin, csv_file(GOOD))
    assert result.ok, result.errors
    assert [u.username for u, _ in result.created] == ["tran.van.b", "le.thi.c", "pham.d"]
    b = User.objects.get(username="le.thi.c")
    assert b.role == Role.LEADER and b.agency == world.hni_xa and b.must_change_password
    assert User.objects.get(username="pham.d").role == Role.FOCAL_OFFICER
    for user, temp in result.created:
        assert user.check_password(temp)
    assert AuditEntry.objects.filter(action="accounts.user_created").count() == 3
    bulk = AuditEntry.objects.get(action="accounts.bulk_import")
    assert bulk.after["count"] == 3 and bulk.actor_name == "hni_admin"


def test_xlsx_import_with_vietnamese_headers(world):
    result = services.bulk_import(world.users["hni_admin"], xlsx_file(GOOD))
    assert result.ok, result.errors
    assert User.objects.filter(username__in=["tran.van.b", "le.thi.c", "pham.d"]).count() == 3


def test_csv_without_bom_and_with_semicolons(world):
    result = services.bulk_import(world.users["hni_admin"], csv_file(GOOD, bom=False, sep=";"))
    assert result.ok, result.errors


def test_any_bad_row_creates_nothing_and_lists_every_error(world):
    rows = [
        GOOD[0],
        ["hni_officer", "Trùng", "HNI", "focal_officer", "", ""],  # row 3: taken in the database
        ["x.y", "Ngoài", "HCM", "focal_officer", "", ""],  # row 4: another province
        ["z.z", "Không mã", "KHONGCO", "focal_officer", "", ""],  # row 5: unknown agency code
        ["q.q", "Sai vai trò", "HNI", "sếp", "", ""],  # row 6: bad role
        ["tran.van.b", "Trùng tệp", "HNI", "leader", "", ""],  # row 7: duplicate of row 2
        ["", "", "HNI", "leader", "bad-mail", ""],  # row 8: missing username and name, bad e-mail
        ["s.a", "Quản trị", "HNI", "system_admin", "", ""],  # row 9: not allowed to create
    ]
    result = services.bulk_import(world.users["hni_admin"], xlsx_file(rows, header=HEADER_EN))
    assert not result.ok
    assert result.created == []
    by_row = {}
    for e in result.errors:
        by_row.setdefault(e.row, []).append((e.field, e.message))
    assert set(by_row) == {3, 4, 5, 6, 7, 8, 9}
    assert "already taken" in by_row[3][0][1]
    assert by_row[4] == [("agency_code", by_row[4][0][1])] and "own agency" in by_row[4][0][1]
    assert "KHONGCO" in by_row[5][0][1]
    assert "sếp" in by_row[6][0][1]
    assert "row 2" in by_row[7][0][1]
    assert {f for f, _ in by_row[8]} == {"username", "full_name", "email"}
    assert by_row[9][0][0] == "role"
    assert not User.objects.filter(username="tran.van.b").exists()
    assert not AuditEntry.objects.filter(
        action__in=["accounts.user_created", "accounts.bulk_import"]
    ).exists()


@pytest.mark.parametrize(
    "upload, text",
    [
        (SimpleUploadedFile("a.csv", b""), "empty"),
        (SimpleUploadedFile("a.xlsx", b"PK\x03\x04garbage"), "Excel workbook"),
        (SimpleUploadedFile("a.xls", b"\xd0\xcf\x11\xe0" + b"0" * 100), ".xls"),
        (SimpleUploadedFile("a.csv", "tên,họ\r\n".encode("cp1258", "replace") + b"\xff\xfe"), "UTF-8"),
        (SimpleUploadedFile("a.csv", b"foo,bar\r\n1,2\r\n"), "missing columns"),
        (SimpleUploadedFile("a.csv", b"username,full_name,agency_code,role\r\n"), "no account rows"),
        (SimpleUploadedFile("a.csv", b"x" * (2 * 1024 * 1024 + 1)), "2 MB"),
    ],
)
def test_malformed_files_refused_with_clear_message(world, upload, text):
    result = services.bulk_import(world.users["hni_admin"], upload)
    assert not result.ok
    assert result.errors[0].row is None
    assert text in result.errors[0].message
    assert User.objects.count() == len(world.users)


def test_more_than_2000_rows_refused(world):
    rows = [[f"u{i:05d}", "Tên", "HNI", "focal_officer", "", ""] for i in range(2001)]
    result = services.bulk_import(world.users["hni_admin"], csv_file(rows))
    assert not result.ok and "2000" in result.errors[0].message
    assert User.objects.count() == len(world.users)


def test_non_administrator_may_not_import(world):
    with pytest.raises(PermissionRefused):
        services.bulk_import(world.users["hni_officer"], csv_file(GOOD))
    assert not User.objects.filter(username="tran.van.b").exists()


def test_row_numbers_count_blank_lines_like_excel(world):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER_EN)
    ws.append(GOOD[0])
    ws.append([])  # row 3 left blank
    ws.append(["bad name!", "X", "HNI", "leader"])  # row 4
    buf = io.BytesIO()
    wb.save(buf)
    result = services.bulk_import(world.users["hni_admin"], SimpleUploadedFile("t.xlsx", buf.getvalue()))
    assert [e.row for e in result.errors] == [4]
