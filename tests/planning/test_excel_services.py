"""The Excel round trip of an action programme: export contents, import creating and updating tasks,
the no-op round trip, permission and audit."""

import datetime as dt
from decimal import Decimal

import pytest

from resmon.audit.models import AuditEntry
from resmon.core.errors import PermissionRefused, ValidationFailed
from resmon.planning import excel_format as fmt
from resmon.planning.models import ActionProgram, Clause, Task
from resmon.planning.services import excel
from tests.planning.excel_helpers import (
    HEADERS,
    append_row,
    cell,
    exported,
    letter,
    row_of,
    set_cell,
    tasks_sheet,
    to_bytes,
)


@pytest.fixture
def prog(world):
    return world.tasks["hni"].program


@pytest.fixture
def officer(world):
    return world.users["hni_officer"]


def task_audit():
    return AuditEntry.objects.filter(object_type="planning.task")


# --- export -----------------------------------------------------------------------------------


def test_export_has_the_header_block_the_table_and_one_row_per_task(world, prog, officer):
    hni = world.tasks["hni"]
    hni.coordinations.create(agency=world.hni_xa2, sub_deliverable="Báo cáo kết quả thí điểm")
    hni.deliverable_type = "bao_cao"
    hni.save()
    wb = exported(officer, prog)
    assert wb.sheetnames == [fmt.SHEET_TASKS, fmt.SHEET_GUIDE, fmt.SHEET_LISTS]
    ws = tasks_sheet(wb)
    assert ws["A1"].value == "Nghị quyết" and ws["B1"].value.startswith("57-NQ/TW")
    assert ws["B3"].value == prog.pk
    assert [ws.cell(row=fmt.HEADER_ROW, column=i).value for i in range(1, 5)] == [
        "Mã",
        "Tên nhiệm vụ",
        "Cơ quan chủ trì",
        "Cán bộ phụ trách",
    ]
    assert [cell(wb, c, "id") for c in ("1", "1.1", "1.2")] == [
        hni.pk,
        world.tasks["hni_so"].pk,
        world.tasks["hni_xa"].pk,
    ]
    assert cell(wb, "1", "title") == hni.title
    assert cell(wb, "1", "lead") == "HNI-UBND"
    assert cell(wb, "1", "coordinating") == "HNI-X2"
    assert cell(wb, "1", "sub_deliverables") == "Báo cáo kết quả thí điểm"
    assert cell(wb, "1", "deliverable_type") == "Báo cáo"
    assert cell(wb, "1", "due").date() == dt.date(2026, 6, 30)
    assert ws.cell(row=row_of(wb, "1"), column=HEADERS["due"]).number_format == fmt.DATE_FORMAT
    assert ws.column_dimensions[letter("id")].hidden
    assert ws.protection.sheet
    assert ws.freeze_panes == f"C{fmt.FIRST_DATA_ROW}"
    validated = {str(dv.sqref).split(":")[0][:1] for dv in ws.data_validations.dataValidation}
    assert {
        letter("lead"),
        letter("deliverable_type"),
        letter("review_period"),
        letter("weight"),
    } <= validated
    lists = wb[fmt.SHEET_LISTS]
    codes = {lists.cell(row=r, column=1).value for r in range(2, lists.max_row + 1)}
    assert {"HNI", "HNI-UBND", "HNI-X1", "HNI-X2"} <= codes and "HCM" not in codes and "BKHCN" not in codes
    guide = wb[fmt.SHEET_GUIDE]
    guide_headers = {guide.cell(row=r, column=2).value for r in range(1, guide.max_row + 1)}
    assert {c.header for c in fmt.COLUMNS} <= guide_headers


def test_export_renumbers_codes_that_do_not_describe_the_tree(world, prog, officer):
    world.tasks["hni_so"].code = ""
    world.tasks["hni_so"].save()
    world.tasks["hni_xa"].code = "7"
    world.tasks["hni_xa"].save()
    rows = excel.tree_order(Task.objects.filter(program=prog))
    assert [(t.pk, code) for t, code in rows] == [
        (world.tasks["hni"].pk, "1"),
        (world.tasks["hni_xa"].pk, "1.1"),  # a stored code comes before none
        (world.tasks["hni_so"].pk, "1.2"),
    ]


def test_export_lists_only_the_tasks_the_user_sees(world, prog):
    wb = exported(world.users["steering"], prog)
    assert tasks_sheet(wb).max_row == fmt.FIRST_DATA_ROW + 2


# --- round trip and import ----------------------------------------------------------------------


def test_round_trip_of_an_unchanged_file_changes_nothing(world, prog, officer):
    data = excel.export_program(officer, prog)
    versions = dict(Task.objects.values_list("pk", "version"))
    summary = excel.import_program(officer, prog, data, filename="ct.xlsx")
    assert (len(summary.created), len(summary.updated), len(summary.unchanged)) == (0, 0, 3)
    assert summary.not_in_file == []
    assert dict(Task.objects.values_list("pk", "version")) == versions
    assert not task_audit().exists()
    row = AuditEntry.objects.get(action="planning.program_imported")
    assert row.object_id == str(prog.pk) and row.after["unchanged"] == 3 and row.actor_name == "hni_officer"


def test_import_updates_rows_with_an_id_and_creates_rows_without(world, prog, officer):
    Clause.objects.create(resolution=prog.resolution, kind="point", label="a", reference="II.1.a", text="…")
    wb = exported(officer, prog)
    set_cell(wb, "1.1", "title", "Xây dựng cơ sở dữ liệu khoa học và công nghệ của Thành phố")
    set_cell(wb, "1.1", "coordinating", "HNI-X1; HNI-X2")
    set_cell(wb, "1.1", "sub_deliverables", "Số liệu xã Tân An; Số liệu xã Phú Mỹ")
    set_cell(wb, "1.1", "clauses", "ii.1.a")
    new_row = append_row(
        wb,
        code="1.3",
        title="Triển khai dịch vụ công trực tuyến toàn trình tại xã Phú Mỹ",
        lead="HNI-X2",
        officer="Nguyễn Văn An",
        due="30/06/2026",
        deliverable_type="Hệ thống thông tin, nền tảng",
        deliverable="Cổng dịch vụ công của xã",
        authority="UBND xã Phú Mỹ",
        weight=2,
    )
    append_row(
        wb,
        code="1.3.1",
        title="Đào tạo cán bộ một cửa",
        lead="hni-x2",
        due="Thường xuyên",
        review_period="Hằng quý",
    )
    summary = excel.import_program(officer, prog, to_bytes(wb))
    assert new_row == fmt.FIRST_DATA_ROW + 3
    assert (len(summary.created), len(summary.updated), len(summary.unchanged)) == (2, 1, 2)
    so = Task.objects.get(pk=world.tasks["hni_so"].pk)
    assert so.title.startswith("Xây dựng cơ sở dữ liệu") and so.version == 2
    assert [(c.agency.code, c.sub_deliverable) for c in so.coordinations.order_by("id")] == [
        ("HNI-X1", "Số liệu xã Tân An"),
        ("HNI-X2", "Số liệu xã Phú Mỹ"),
    ]
    assert [c.reference for c in so.clauses.all()] == ["II.1.a"]
    new = Task.objects.get(program=prog, code="1.3")
    assert new.parent == world.tasks["hni"] and new.assigned_by == world.hni_ubnd
    assert new.lead_agency == world.hni_xa2 and new.weight == Decimal(2)
    assert new.due_date == new.original_due_date == dt.date(2026, 6, 30)
    assert new.deliverable_type == "he_thong" and new.authority == "UBND xã Phú Mỹ"
    child = Task.objects.get(program=prog, code="1.3.1")
    assert child.parent == new and child.ongoing and child.review_period == "quarter"
    assert child.assigned_by == world.hni_xa2
    actions = sorted(task_audit().values_list("action", "object_id"))
    assert actions == sorted(
        [
            ("planning.task_created", str(new.pk)),
            ("planning.task_created", str(child.pk)),
            ("planning.task_updated", str(so.pk)),
        ]
    )
    updated = task_audit().get(action="planning.task_updated")
    assert updated.before["coordinating"] == [] and len(updated.after["coordinating"]) == 2
    # the new file round-trips unchanged
    again = excel.import_program(officer, prog, excel.export_program(officer, prog))
    assert (len(again.created), len(again.updated), len(again.unchanged)) == (0, 0, 5)


def test_moving_a_row_under_another_parent_by_its_code(world, prog, officer):
    wb = exported(officer, prog)
    append_row(wb, code="2", title="Phát triển hạ tầng số của Thành phố", lead="HNI-UBND", due="31/12/2026")
    set_cell(wb, "1.2", "code", "2.1")
    excel.import_program(officer, prog, to_bytes(wb))
    moved = Task.objects.get(pk=world.tasks["hni_xa"].pk)
    assert moved.parent.code == "2" and moved.code == "2.1" and moved.assigned_by == world.hni_ubnd


def test_a_code_carried_over_from_a_merged_agency_is_kept(world, prog, officer):
    Task.objects.filter(pk=world.tasks["hni_so"].pk).update(code="14-CTr/TU · 1")
    wb = exported(officer, prog)
    assert cell(wb, "1.3", "id") == world.tasks["hni_so"].pk  # placed after its sibling 1.2
    summary = excel.import_program(officer, prog, to_bytes(wb))
    assert not summary.updated
    assert Task.objects.get(pk=world.tasks["hni_so"].pk).code == "14-CTr/TU · 1"


def test_tasks_missing_from_the_file_are_kept_and_reported(world, prog, officer):
    wb = exported(officer, prog)
    tasks_sheet(wb).delete_rows(row_of(wb, "1.2"))
    summary = excel.import_program(officer, prog, to_bytes(wb))
    assert [t.pk for t in summary.not_in_file] == [world.tasks["hni_xa"].pk]
    assert Task.objects.filter(pk=world.tasks["hni_xa"].pk).exists()
    assert summary.as_dict()["not_in_file"][0]["code"] == "1.2"


def test_a_later_deadline_with_a_reason_is_accepted(world, prog, officer):
    wb = exported(officer, prog)
    set_cell(wb, "1.1", "due", "31/12/2026")
    set_cell(wb, "1.1", "justification", "Chờ kết quả điều tra thống kê năm 2026")
    excel.import_program(officer, prog, to_bytes(wb))
    assert Task.objects.get(pk=world.tasks["hni_so"].pk).due_date == dt.date(2026, 12, 31)


def test_a_late_deadline_already_saved_is_not_refused_when_unchanged(world, prog, officer):
    # hni_xa (1.2) is due after its parent in the test world and has no reason
    assert world.tasks["hni_xa"].due_date > world.tasks["hni"].due_date
    excel.import_program(officer, prog, excel.export_program(officer, prog))


# --- permission and state -----------------------------------------------------------------------


@pytest.mark.parametrize("username", ["hcm_officer", "xa_officer", "inspector", "hni_admin", "steering"])
def test_import_refused_without_the_right_to_change_the_programme(world, prog, officer, username):
    data = excel.export_program(officer, prog)
    with pytest.raises(PermissionRefused):
        excel.import_program(world.users[username], prog, data)
    assert not AuditEntry.objects.exists()


def test_issued_programme_needs_an_open_amendment(world, prog, officer):
    data = excel.export_program(officer, prog)
    ActionProgram.objects.filter(pk=prog.pk).update(status="issued")
    prog.refresh_from_db()
    with pytest.raises(ValidationFailed, match="amendment"):
        excel.import_program(officer, prog, data)
    prog.amendments.create(decided_on=dt.date(2026, 1, 5), reason="Bổ sung nhiệm vụ", created_by=officer)
    excel.import_program(officer, prog, data)
