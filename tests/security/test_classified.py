"""Content classified Mật or above is never stored (PRODUCT.md §11): each path that takes content
is tried with a marked text or file — evidence upload (content, name, declared classification, title),
free text (report narrative and lines, task fields, directive text, comments, proposals,
milestones, restructuring notes), Excel imports (programme, accounts), the resolution text, and
the API. Each is refused with the message telling what to record instead (code "classified"), and
nothing is stored."""

from __future__ import annotations

import datetime as dt
import io
import json
import unicodedata

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from resmon.accounts import services as accounts
from resmon.accounts.models import User
from resmon.audit.models import AuditEntry
from resmon.core import classified
from resmon.core.errors import ValidationFailed
from resmon.planning.models import Clause, Milestone, Task
from resmon.planning.services import clauses, excel, milestones
from resmon.planning.services import tasks as task_services
from resmon.reporting.models import Evidence, Proposal
from resmon.reporting.services import evidence, proposals
from resmon.reporting.services import reports as report_services
from tests.planning.excel_helpers import exported, set_cell, tasks_sheet, to_bytes
from tests.reporting.evidence_samples import docx_bytes, pdf_bytes
from tests.reporting.helpers import TODAY
from tests.reporting.reports_helpers import create, fresh

pytestmark = pytest.mark.django_db

TEXT = "must not be entered here"  # the refusal of typed or imported text
FILE = "must not be uploaded or linked here"  # the refusal of a file
MARKED_TEXTS = [
    "MẬT\nBáo cáo kết quả thực hiện Nghị quyết",
    "Kết quả quý I:\n  tối mật  \nđã triển khai",
    "*** TUYỆT MẬT ***\nNội dung",
    "[MẬT]",
    "Độ mật: Tối mật\nSố 12-BC/TU",
    unicodedata.normalize("NFD", "TUYỆT MẬT\nvăn bản"),
]
PLAIN_TEXTS = [
    "Mật độ dân số tăng 2 phần trăm",
    "Giữ bí mật thông tin theo quy định",
    "Văn bản số 12-BC/TU (Mật) ngày 10/3/2026 đã được lưu theo quy định",
    "Độ mật: Thường",
    "mat",
]


@pytest.mark.parametrize("text", MARKED_TEXTS)
def test_a_marked_text_is_recognised(text):
    assert classified.mark_in_text(text) in classified.STAMPS


@pytest.mark.parametrize("text", PLAIN_TEXTS)
def test_words_and_mentions_are_not_marks(text):
    assert classified.mark_in_text(text) is None


@pytest.mark.parametrize(
    ("name", "mark"),
    [
        ("MẬT_bao-cao.pdf", "MẬT"),
        ("[TỐI MẬT] Báo cáo quý I.docx", "TỐI MẬT"),
        ("Báo cáo MẬT.pdf", "MẬT"),
        ("bao-cao (tuyệt mật).docx", "TUYỆT MẬT"),
        ("C:\\Tài liệu\\MẬT - Biên bản.pdf", "MẬT"),
        ("Mật độ dân số.xlsx", None),
        ("MẬT ĐỘ DÂN SỐ.pdf", None),
        ("bien-ban.pdf", None),
    ],
)
def test_a_marked_file_name_is_recognised(name, mark):
    assert classified.mark_in_name(name) == mark


def refused(exc_info, field: str, message: str = TEXT, code: str | None = None) -> None:
    """The refusal names the field with the message (a form that collects every error lists it
    on the field, under the form's own code)."""
    exc = exc_info.value
    assert field in exc.errors and message in " ".join(exc.errors[field]), exc.errors
    if code:
        assert exc.code == code and message in str(exc), (exc.code, str(exc))


def audit_count() -> int:
    return AuditEntry.objects.count()


# --- evidence ------------------------------------------------------------------------------------


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes("Bien ban"))


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_evidence_marked_by_name_title_content_or_classification_is_refused(rworld, media):
    w = rworld
    report = create(w)
    line = report.lines.get(task=w.tasks["hni_xa"])
    officer = w.users["xa_ubnd_officer"]
    before = audit_count()
    attempts = [
        ({"upload": SimpleUploadedFile("MẬT - bien-ban.pdf", pdf_bytes("Bien ban"))}, "file", FILE),
        ({"upload": SimpleUploadedFile("bao-cao.docx", docx_bytes("TỐI MẬT", "Báo cáo"))}, "file", FILE),
        (
            {"upload": SimpleUploadedFile("a.pdf", pdf_bytes("x")), "classification": "tuyet_mat"},
            "classification",
            FILE,
        ),
        (
            {"upload": SimpleUploadedFile("b.pdf", pdf_bytes("x")), "title": "MẬT\nBiên bản họp"},
            "title",
            TEXT,
        ),
    ]
    for kwargs, field, message in attempts:
        kwargs = {"classification": "thuong", "kind": "file", "title": "", **kwargs}
        with pytest.raises(ValidationFailed) as info:
            evidence.add_evidence(officer, line, **kwargs)
        refused(info, field, message, code="classified")
    assert not Evidence.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()]
    assert audit_count() == before and fresh(report).version == report.version


def test_evidence_through_the_api_is_refused_with_a_problem(rworld, media, bearer):
    w = rworld
    report = create(w)
    task = w.tasks["hni_xa"]
    response = bearer("xa_ubnd_officer").post(
        f"/api/v1/reports/{report.pk}/lines/{task.pk}/evidence",
        {
            "classification": "thuong",
            "kind": "file",
            "file": SimpleUploadedFile("Báo cáo MẬT.pdf", pdf_bytes("x")),
        },
    )
    assert response.status_code == 400 and response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "classified" and FILE in body["detail"] and "file" in body["errors"]
    assert not Evidence.objects.exists()


# --- free text -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", MARKED_TEXTS[:3])
def test_report_narrative_and_lines_are_refused(rworld, text):
    w = rworld
    report = create(w)
    officer = w.users["xa_ubnd_officer"]
    before = (audit_count(), report.version)
    with pytest.raises(ValidationFailed) as info:
        report_services.save_report(officer, report, results=text)
    refused(info, "results")
    task_id = w.tasks["hni_xa"].pk
    with pytest.raises(ValidationFailed) as info:
        report_services.save_report(officer, report, lines=[{"task": task_id, "obstacles": text}])
    refused(info, f"lines.{task_id}.obstacles")
    report = fresh(report)
    assert (audit_count(), report.version) == before and report.results == ""
    assert report.lines.get(task_id=task_id).obstacles == ""


def test_report_narrative_through_the_api(rworld, bearer):
    w = rworld
    report = create(w)
    response = bearer("xa_ubnd_officer").patch(
        f"/api/v1/reports/{report.pk}",
        json.dumps({"version": report.version, "next_steps": "Độ mật: Mật\nKế hoạch quý II"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert TEXT in " ".join(response.json()["errors"]["next_steps"]) and fresh(report).next_steps == ""


def test_a_plain_narrative_is_saved(rworld):
    w = rworld
    report = create(w)
    saved = report_services.save_report(w.users["xa_ubnd_officer"], report, results=PLAIN_TEXTS[2])
    assert saved.results == PLAIN_TEXTS[2]


@pytest.mark.parametrize("field", ["title", "description", "deliverable", "authority"])
def test_task_fields_are_refused(world, field):
    task = world.tasks["hni"]
    before = (audit_count(), Task.objects.get(pk=task.pk).version)
    with pytest.raises(ValidationFailed) as info:
        task_services.update_task(
            world.users["hni_officer"], task, expected_version=task.version, **{field: "TỐI MẬT\nNội dung"}
        )
    refused(info, field)
    assert (audit_count(), Task.objects.get(pk=task.pk).version) == before


def test_task_description_through_the_api(world, bearer):
    task = world.tasks["hni"]
    response = bearer("hni_officer").patch(
        f"/api/v1/tasks/{task.pk}",
        json.dumps({"version": task.version, "description": "[MẬT]\nChi tiết"}),
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "classified" and TEXT in response.json()["detail"]
    assert Task.objects.get(pk=task.pk).description == ""


def test_directive_text_is_refused(world):
    from resmon.monitoring.directives.models import Directive
    from tests.monitoring.directives.helpers import TODAY as D_TODAY
    from tests.monitoring.directives.helpers import add_people, issue

    add_people(world)
    with time_machine.travel(D_TODAY, tick=False), pytest.raises(ValidationFailed) as info:
        issue(world, text="TUYỆT MẬT\nĐề nghị UBND xã khẩn trương hoàn thành nhiệm vụ.")
    refused(info, "text", code="classified")
    assert not Directive.objects.exists()


def test_a_form_that_collects_its_errors_answers_classified_when_a_mark_is_the_only_fault():
    mark, file = str(classified.TEXT_MESSAGE), str(classified.FILE_MESSAGE)
    assert classified.code_of({"text": [mark], "file": [file]}) == classified.CODE
    assert classified.code_of({"text": [mark], "due_date": ["Give the date."]}) is None
    assert classified.code_of({}) is None


def test_a_proposal_is_refused(rworld):
    w = rworld
    report = create(w)
    with pytest.raises(ValidationFailed) as info:
        proposals.raise_proposal(w.users["xa_ubnd_officer"], report, text="MẬT\nĐề nghị bổ sung kinh phí")
    refused(info, "text")
    assert not Proposal.objects.exists()


def test_an_alert_comment_is_refused(world):
    from resmon.monitoring.alerts.models import Alert
    from resmon.monitoring.alerts.services import acknowledge
    from tests.monitoring.alerts.matrix_helpers import matrix_objects

    alert = matrix_objects(world, "alert")[0]
    with pytest.raises(ValidationFailed) as info:
        acknowledge(world.users["hni_officer"], alert.pk, "Đã xử lý theo\nTỐI MẬT")
    refused(info, "comment")
    assert Alert.objects.get(pk=alert.pk).ack_comment == ""


def test_a_path_without_its_own_check_is_refused_by_the_audit_guard(world):
    """A milestone's name has no check of its own: the audit row every write records refuses it."""
    task = world.tasks["hni"]
    before = audit_count()
    with pytest.raises(ValidationFailed) as info:
        milestones.add_milestone(world.users["hni_officer"], task, name="MẬT", due_date=dt.date(2026, 5, 1))
    refused(info, "name", code="classified")
    assert not Milestone.objects.exists() and audit_count() == before


def test_the_account_form_refuses_a_marked_name(world):
    with pytest.raises(ValidationFailed) as info:
        accounts.create_user(
            world.users["hni_admin"],
            username="nguyen.van.a",
            full_name="TỐI MẬT",
            agency=world.hni,
            role="focal_officer",
        )
    assert info.value.code == "classified" and "full_name" in info.value.errors
    assert TEXT in " ".join(info.value.errors["full_name"])
    assert not User.objects.filter(username="nguyen.van.a").exists()


# --- imports -------------------------------------------------------------------------------------


def test_a_programme_file_stamped_above_the_table_is_refused(world):
    program = world.tasks["hni"].program
    wb = exported(world.users["hni_officer"], program)
    tasks_sheet(wb).cell(row=7, column=4).value = "MẬT"
    before = (audit_count(), Task.objects.count())
    with pytest.raises(excel.ImportRejected) as info:
        excel.import_program(world.users["hni_officer"], program, to_bytes(wb))
    assert [e.message for e in info.value.report] == [str(classified.FILE_MESSAGE)]
    assert info.value.code == "classified"
    assert (audit_count(), Task.objects.count()) == before


def test_a_marked_cell_of_a_programme_file_is_refused_by_row_and_column(world):
    program = world.tasks["hni"].program
    wb = exported(world.users["hni_officer"], program)
    row = set_cell(wb, "1.1", "description", "Độ mật: Tuyệt mật\nChi tiết")
    with pytest.raises(excel.ImportRejected) as info:
        excel.import_program(world.users["hni_officer"], program, to_bytes(wb))
    (problem,) = info.value.report
    assert problem.row == row and TEXT in problem.message
    assert info.value.code == "classified"  # the mark is the only fault
    assert Task.objects.get(pk=world.tasks["hni_so"].pk).description == ""
    set_cell(wb, "1.1", "weight", "nặng")
    with pytest.raises(excel.ImportRejected) as info:
        excel.import_program(world.users["hni_officer"], program, to_bytes(wb))
    assert len(info.value.report) == 2 and info.value.code == "import_rejected"


def account_file(first_row, rows):
    wb = Workbook()
    ws = wb.active
    if first_row:
        ws.append(first_row)
    ws.append(["Tên đăng nhập", "Họ tên", "Mã cơ quan", "Vai trò"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("tk.xlsx", buf.getvalue())


def test_an_account_file_with_a_marked_cell_or_stamp_is_refused(world):
    admin = world.users["hni_admin"]
    good = ["tran.van.b", "Trần Văn B", "HNI-SKHCN", "focal_officer"]
    marked = ["le.thi.c", "TUYỆT MẬT", "HNI-X1", "focal_officer"]
    result = accounts.bulk_import(admin, account_file(None, [good, marked]))
    assert [(e.row, e.field) for e in result.errors] == [(3, "full_name")]
    assert TEXT in result.errors[0].message
    stamped = accounts.bulk_import(admin, account_file(["MẬT"], [good]))
    assert [e.message for e in stamped.errors] == [str(classified.FILE_MESSAGE)]
    assert not User.objects.filter(username__in=["tran.van.b", "le.thi.c"]).exists()


def test_a_classified_resolution_text_is_refused(world):
    text = "BỘ CHÍNH TRỊ\nMẬT\nNGHỊ QUYẾT\nI. QUAN ĐIỂM\n1. Khoa học là động lực"
    with pytest.raises(ValidationFailed) as info:
        clauses.import_resolution_text(world.users["sysadmin"], world.res, text=text)
    refused(info, "text", code="classified")
    assert not Clause.objects.filter(resolution=world.res).exists()


def test_the_plain_resolution_text_is_imported(world):
    text = "BỘ CHÍNH TRỊ\nNGHỊ QUYẾT\nI. QUAN ĐIỂM\n1. Mật độ nghiên cứu tăng"
    assert clauses.import_resolution_text(world.users["sysadmin"], world.res, text=text)


def test_the_audit_guard_does_not_stop_the_system_itself(world):
    """Rows the system writes (no person acting) are not checked: the rule is about what people
    enter, and a refusal there would stop a background job."""
    from django.db import transaction

    from resmon.audit.services import record

    with transaction.atomic():
        entry = record(None, "test.system", after={"note": "MẬT"})
    assert entry.pk
    with transaction.atomic(), pytest.raises(ValidationFailed):
        record(world.users["hni_officer"], "test.person", after={"note": "MẬT"})


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


def test_a_page_shows_the_refusal(world):
    """The same refusal on a page: the task's page says why the milestone was not added."""
    from django.test import Client
    from django.urls import reverse

    task = world.tasks["hni_so"]
    client = Client()
    client.force_login(world.users["hni_so_officer"])
    response = client.post(
        reverse("planning:milestone_add", args=[task.pk]),
        {"name": "TỐI MẬT", "due_date": "2026-02-01"},
        follow=True,
    )
    assert response.status_code == 200 and TEXT in response.content.decode()
    assert not Milestone.objects.filter(task=task).exists()
