"""Bad files and bad rows: every problem is reported by row (as in Excel), column and message, and
nothing is saved."""

import io
import zipfile

import pytest
from openpyxl import Workbook

from resmon.audit.models import AuditEntry
from resmon.planning import excel_format as fmt
from resmon.planning.models import Task, TaskCoordination
from resmon.planning.services import excel
from tests.planning.excel_helpers import append_row, exported, letter, row_of, set_cell, tasks_sheet, to_bytes


@pytest.fixture
def prog(world):
    return world.tasks["hni"].program


@pytest.fixture
def officer(world):
    return world.users["hni_officer"]


def state():
    return (
        sorted(Task.objects.values_list("pk", "code", "title", "version", "parent_id", "due_date")),
        TaskCoordination.objects.count(),
        AuditEntry.objects.count(),
    )


def rejected(officer, prog, data) -> list[excel.CellError]:
    before = state()
    with pytest.raises(excel.ImportRejected) as info:
        excel.import_program(officer, prog, data)
    assert state() == before, "nothing may be saved"
    return info.value.report


def new_row(**kw):
    values = {"code": "1.3", "title": "Triển khai nền tảng số cấp xã", "lead": "HNI-X1", "due": "30/06/2026"}
    return values | kw


BAD_ROWS = [
    # (cells to set on row "1.1" or a new row, the column with the problem, a word of the message)
    ({"lead": "KHONG-CO"}, "lead", "No agency has the code"),
    ({"lead": "HCM"}, "lead", "not the programme's agency or under it"),
    ({"lead": ""}, "lead", "lead agency"),
    ({"due": "31/02/2026"}, "due", "is not a date"),
    ({"due": "sớm nhất có thể"}, "due", "is not a date"),
    ({"deliverable_type": "Bánh mì"}, "deliverable_type", "not a deliverable type"),
    ({"review_period": "Mỗi thế kỷ"}, "review_period", "Choose one of"),
    ({"due": "Thường xuyên", "review_period": None}, "review_period", "needs a review period"),
    ({"weight": "nặng"}, "weight", "weight must be a number"),
    ({"weight": -1}, "weight", "weight must be a number"),
    ({"code": "1"}, "code", "already used in row"),
    ({"code": "a.b"}, "code", "is not a code"),
    ({"code": "3.1"}, "code", "parent task 3 is not in the file"),
    ({"code": None}, "code", "Give the task's code"),
    ({"title": "   "}, "title", "needs a title"),
    ({"title": "x" * 501}, "title", "at most 500"),
    ({"due": "31/12/2027"}, "due", "later than the parent task's"),
    ({"coordinating": "HNI-X2", "sub_deliverables": "Một; Hai"}, "sub_deliverables", "1 coordinating"),
    ({"coordinating": "HNI-X2; HNI-X2"}, "coordinating", "listed twice"),
    ({"coordinating": "HNI-SKHCN"}, "coordinating", "cannot also coordinate"),
    ({"coordinating": "KHONG-CO"}, "coordinating", "No agency has the code"),
    ({"clauses": "IX.9.z"}, "clauses", "has no clause"),
    ({"id": "abc"}, "id", "The ID must be"),
]


@pytest.mark.parametrize(("cells", "key", "words"), BAD_ROWS)
def test_a_bad_cell_is_reported_with_its_row_and_column(world, prog, officer, cells, key, words):
    wb = exported(officer, prog)
    row = row_of(wb, "1.1")
    for k, v in cells.items():
        set_cell(wb, "1.1", k, v)
    report = rejected(officer, prog, to_bytes(wb))
    assert any(
        e.row == row
        and e.column == letter(key)
        and e.header == fmt.COLUMN_BY_KEY[key].header
        and words in e.message
        for e in report
    ), report


def test_a_new_row_is_checked_the_same_way(world, prog, officer):
    wb = exported(officer, prog)
    row = append_row(wb, **new_row(lead="HCM-X1"))
    report = rejected(officer, prog, to_bytes(wb))
    assert [(e.row, e.column) for e in report] == [(row, letter("lead"))]


def test_an_id_of_another_programme_or_twice(world, prog, officer):
    wb = exported(officer, prog)
    r1 = set_cell(wb, "1.1", "id", world.tasks["hcm"].pk)
    r2 = set_cell(wb, "1.2", "id", world.tasks["hni"].pk)
    report = rejected(officer, prog, to_bytes(wb))
    messages = {(e.row, e.column): e.message for e in report}
    assert "does not belong to this programme" in messages[(r1, letter("id"))]
    assert "already in row" in messages[(r2, letter("id"))]


def test_every_problem_of_the_file_is_reported_at_once(world, prog, officer):
    wb = exported(officer, prog)
    set_cell(wb, "1.1", "weight", "nặng")
    set_cell(wb, "1.2", "lead", "KHONG-CO")
    row = append_row(wb, **new_row(due="hôm qua", deliverable_type="???"))
    report = rejected(officer, prog, to_bytes(wb))
    assert len(report) == 4
    assert [e.row for e in report] == sorted(e.row for e in report)
    assert {e.row for e in report} == {row_of(wb, "1.1"), row_of(wb, "1.2"), row}


# --- bad files ---------------------------------------------------------------------------------


def file_problem(officer, prog, data) -> str:
    report = rejected(officer, prog, data)
    assert len(report) == 1 and report[0].row is None
    return report[0].message


def test_not_an_excel_file(world, prog, officer):
    assert "not an Excel workbook" in file_problem(officer, prog, b"Ho ten,Co quan\nA,B\n")
    assert "not an Excel workbook" in file_problem(officer, prog, b"")


def test_a_zip_that_is_not_a_workbook(world, prog, officer):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "xin chào")
    assert "could not be read" in file_problem(officer, prog, out.getvalue())
    assert "could not be read" in file_problem(officer, prog, to_bytes(exported(officer, prog))[:3000])


def test_a_file_over_5_mb(world, prog, officer):
    assert "larger than 5 MB" in file_problem(officer, prog, b"PK\x03\x04" + b"0" * (5 * 1024 * 1024))


def test_wrong_sheet_or_headers(world, prog, officer):
    wb = exported(officer, prog)
    tasks_sheet(wb).title = "Sheet1"
    assert "no sheet named" in file_problem(officer, prog, to_bytes(wb))
    wb = exported(officer, prog)
    tasks_sheet(wb).cell(row=fmt.HEADER_ROW, column=3, value="Chủ trì")
    assert "Cơ quan chủ trì" in file_problem(officer, prog, to_bytes(wb))
    wb = Workbook()
    wb.active.title = fmt.SHEET_TASKS
    wb.active["A1"] = "Danh sách"
    assert "no header row" in file_problem(officer, prog, to_bytes(wb))


def test_a_file_of_another_programme(world, prog, officer):
    other = world.tasks["hcm"].program
    wb = exported(world.users["national_leader"], other)
    assert "another programme" in file_problem(officer, prog, to_bytes(wb))


def test_a_file_without_task_rows_changes_nothing(world, prog, officer):
    wb = exported(officer, prog)
    tasks_sheet(wb).delete_rows(fmt.FIRST_DATA_ROW, 3)
    summary = excel.import_program(officer, prog, to_bytes(wb))
    assert not summary.created and not summary.updated and len(summary.not_in_file) == 3


def test_more_than_5000_rows(world, prog, officer):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(fmt.SHEET_TASKS)
    ws.append([c.header for c in fmt.COLUMNS])
    for i in range(1, fmt.MAX_ROWS + 2):
        ws.append([str(i), f"Nhiệm vụ {i}", "HNI"])
    assert "more than 5000" in file_problem(officer, prog, to_bytes(wb))
