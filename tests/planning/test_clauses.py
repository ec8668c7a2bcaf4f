"""Resolution text split into clauses (pasted or .docx), hand corrections, task links, coverage;
pages and API."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from resmon.audit.models import AuditEntry
from resmon.core.errors import PermissionRefused, ValidationFailed
from resmon.planning import selectors_clears
from resmon.planning.models import Clause
from resmon.planning.services import clauses as svc
from resmon.planning.services import programs as program_svc

SAMPLE = (Path(__file__).parent.parent / "fixtures" / "resolution_sample.txt").read_text(encoding="utf-8")
DOCX_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx_bytes(lines: list[str]) -> bytes:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def upload(data: bytes, name: str = "nghi-quyet.docx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=DOCX_CT)


# --- splitting ---------------------------------------------------------------------------------


def test_sample_text_is_split_into_parts_sections_points_and_paragraphs():
    parsed = svc.split_clauses(SAMPLE)
    kinds = [p.kind for p in parsed]
    assert (kinds.count("part"), kinds.count("section"), kinds.count("point"), kinds.count("paragraph")) == (
        4,
        11,
        9,
        2,
    )
    refs = [p.reference for p in parsed]
    assert refs[:3] == ["I", "I.1", "I.2"]
    assert {"II.2.a", "II.2.c", "III.1.b", "III.2.a.p1", "III.2.a.p2", "III.4", "IV.3"} <= set(refs)
    assert len(refs) == len(set(refs))
    by_ref = {p.reference: p for p in parsed}
    assert by_ref["III.2.a"].text.startswith("Đầu tư nâng cấp trung tâm dữ liệu")
    assert parsed[by_ref["III.2.a.p1"].parent].reference == "III.2.a"
    # continuation lines stay with their clause; the preamble is left out
    assert "Các cấp ủy đưa nội dung" in by_ref["III.4"].text
    assert not any("BỘ CHÍNH TRỊ\nSố" in p.text for p in parsed)


def test_part_in_words_and_sections_without_parts():
    parsed = svc.split_clauses("Phần thứ nhất. Mục tiêu\n1. Nội dung một\na) Điểm a\nPhần thứ hai\n1. Khác")
    assert [p.reference for p in parsed] == ["I", "I.1", "I.1.a", "II", "II.1"]
    assert [p.reference for p in svc.split_clauses("1. Một\n2. Hai\nb) điểm")] == ["1", "2", "2.b"]


# --- import ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_pasted_text_creates_the_clause_tree_and_audits(world):
    created = svc.import_resolution_text(world.users["sysadmin"], world.res, text=SAMPLE)
    assert len(created) == 26 == Clause.objects.filter(resolution=world.res).count()
    point = Clause.objects.get(resolution=world.res, reference="II.2.b")
    assert (
        point.parent.reference == "II.2" and point.parent.parent.reference == "II" and point.kind == "point"
    )
    entry = AuditEntry.objects.get(action="planning.clauses_imported")
    assert entry.after["clauses"] == 26 and entry.actor_name == "sysadmin"
    # a second import replaces the clauses
    svc.import_resolution_text(world.users["sysadmin"], world.res, text="I. Một\n1. Hai")
    assert list(Clause.objects.filter(resolution=world.res).values_list("reference", flat=True)) == [
        "I",
        "I.1",
    ]


@pytest.mark.django_db
def test_import_docx(world):
    data = docx_bytes(SAMPLE.splitlines())
    created = svc.import_resolution_text(world.users["sysadmin"], world.res, docx_file=upload(data))
    assert len(created) == 26


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"not a zip at all", "not a Word document"),
        (None, "not a Word document"),  # a zip without word/document.xml
        (b"PK\x03\x04broken", "not a Word document"),
        (b"x" * (5 * 1024 * 1024 + 1), "larger than 5 MB"),
    ],
)
def test_malformed_docx_refused_and_nothing_saved(world, data, words):
    svc.import_resolution_text(world.users["sysadmin"], world.res, text="I. Cũ\n1. Cũ")
    if data is None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("hello.txt", "hi")
        data = buf.getvalue()
    with pytest.raises(ValidationFailed) as exc:
        svc.import_resolution_text(world.users["sysadmin"], world.res, docx_file=upload(data, "hong.docx"))
    assert words in str(exc.value) and "hong.docx" in str(exc.value)
    assert exc.value.field == "docx_file"
    assert list(Clause.objects.filter(resolution=world.res).values_list("reference", flat=True)) == [
        "I",
        "I.1",
    ]
    assert AuditEntry.objects.filter(action="planning.clauses_imported").count() == 1


@pytest.mark.django_db
def test_damaged_docx_with_document_xml_refused(world):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<not-xml")
    with pytest.raises(ValidationFailed) as exc:
        svc.import_resolution_text(world.users["sysadmin"], world.res, docx_file=upload(buf.getvalue()))
    assert "damaged" in str(exc.value) or "not a Word document" in str(exc.value)
    assert not Clause.objects.exists()


@pytest.mark.django_db
def test_import_refusals(world):
    with pytest.raises(PermissionRefused):
        svc.import_resolution_text(world.users["national_leader"], world.res, text=SAMPLE)
    with pytest.raises(ValidationFailed) as exc:
        svc.import_resolution_text(world.users["sysadmin"], world.res, text="Không có số thứ tự nào ở đây.")
    assert "No numbered clause" in str(exc.value)
    with pytest.raises(ValidationFailed):
        svc.import_resolution_text(world.users["sysadmin"], world.res, text="")
    assert not Clause.objects.exists()
    svc.import_resolution_text(world.users["sysadmin"], world.res, text=SAMPLE)
    world.tasks["hni"].clauses.add(Clause.objects.get(reference="III.1.a"))
    with pytest.raises(ValidationFailed) as exc:
        svc.import_resolution_text(world.users["sysadmin"], world.res, text="I. Mới")
    assert exc.value.code == "clauses_in_use" and "1 tasks" in str(exc.value)
    assert Clause.objects.filter(resolution=world.res).count() == 26


# --- corrections and links ------------------------------------------------------------------------


@pytest.mark.django_db
def test_edit_clause_renumbers_its_children(world):
    svc.import_resolution_text(world.users["sysadmin"], world.res, text=SAMPLE)
    clause = Clause.objects.get(resolution=world.res, reference="III.4")
    svc.edit_clause(world.users["sysadmin"], clause, text="Tăng cường kiểm tra", label="5")
    clause.refresh_from_db()
    assert clause.reference == "III.5" and clause.text == "Tăng cường kiểm tra"
    section = Clause.objects.get(resolution=world.res, reference="III.2")
    svc.edit_clause(world.users["sysadmin"], section, text=section.text, label="6")
    assert Clause.objects.filter(resolution=world.res, reference="III.6.a.p2").exists()
    assert AuditEntry.objects.filter(action="planning.clause_edited").count() == 2
    with pytest.raises(ValidationFailed) as exc:
        svc.edit_clause(world.users["sysadmin"], clause, text="x", label="1")
    assert "III.1" in str(exc.value)
    with pytest.raises(ValidationFailed):
        svc.edit_clause(world.users["sysadmin"], clause, text="  ")
    with pytest.raises(PermissionRefused):
        svc.edit_clause(world.users["hni_officer"], clause, text="Sửa")
    clause.refresh_from_db()
    assert clause.reference == "III.5" and clause.text == "Tăng cường kiểm tra"


@pytest.mark.django_db
def test_set_task_clauses(world):
    svc.import_resolution_text(world.users["sysadmin"], world.res, text=SAMPLE)
    task = world.tasks["hni"]
    chosen = list(Clause.objects.filter(reference__in=["III.1.a", "III.1.b"]))
    svc.set_task_clauses(world.users["hni_officer"], task, chosen)
    assert set(task.clauses.values_list("reference", flat=True)) == {"III.1.a", "III.1.b"}
    assert AuditEntry.objects.get(action="planning.task_clauses_set").after["references"] == [
        "III.1.a",
        "III.1.b",
    ]
    with pytest.raises(PermissionRefused):
        svc.set_task_clauses(world.users["hcm_officer"], task, [])
    other = Clause.objects.create(
        resolution=world.res2, kind="section", label="1", reference="1", text="NQ 71"
    )
    with pytest.raises(ValidationFailed):
        svc.set_task_clauses(world.users["hni_officer"], task, [other])
    assert task.clauses.count() == 2


# --- coverage -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_coverage_counts_nationally_and_per_agency(world):
    svc.import_resolution_text(world.users["sysadmin"], world.res, text=SAMPLE)
    ref = {c.reference: c for c in Clause.objects.filter(resolution=world.res)}
    world.tasks["hni_so"].clauses.add(ref["III.1.a"])
    world.tasks["hcm"].clauses.add(ref["III.3.b"], ref["IV.1"])
    cov = selectors_clears.coverage(world.users["sysadmin"], world.res)
    # III.1.a, III.1, III, III.3.b, III.3, IV.1, IV
    assert (cov.total, cov.covered, cov.uncovered) == (26, 7, 19)
    rows = {r.program.agency_id: r for r in cov.programs}
    assert rows[world.hni.pk].covered == 3 and rows[world.hcm.pk].covered == 5
    assert rows[world.dang_uy_cp.pk].covered == 0
    # a Hà Nội officer sees only Hà Nội's programme
    cov = selectors_clears.coverage(world.users["hni_officer"], world.res)
    assert cov.covered == 3 and [r.program.agency_id for r in cov.programs] == [world.hni.pk]
    # nationally, for one agency
    cov = selectors_clears.coverage(world.users["sysadmin"], world.res, agency_path=world.hcm.path)
    assert cov.covered == 5
    assert "III.1.a" in {c.reference for c in cov.uncovered_clauses}


# --- pages and API ------------------------------------------------------------------------------


def login(world, name):
    c = Client()
    c.force_login(world.users[name])
    return c


@pytest.mark.django_db
def test_clause_pages(world):
    admin = login(world, "sysadmin")
    url = reverse("planning:clause_list", args=[world.res.pk])
    r = admin.post(url, {"text": "", "docx_file": upload(b"rubbish", "sai.docx")})
    assert r.status_code == 200 and "sai.docx" in r.content.decode() and not Clause.objects.exists()
    r = admin.post(url, {"docx_file": upload(docx_bytes(SAMPLE.splitlines()))})
    assert r.status_code == 302 and Clause.objects.count() == 26
    html = admin.get(url).content.decode()
    assert "III.2.a.p1" in html and "Import the text" in html
    officer = login(world, "hni_officer")
    html = officer.get(url).content.decode()
    assert "III.2.a.p1" in html and "Import the text" not in html
    assert officer.post(url, {"text": "I. X"}).status_code == 403
    clause = Clause.objects.get(reference="IV.3")
    assert officer.get(reverse("planning:clause_edit", args=[clause.pk])).status_code == 403
    r = admin.post(
        reverse("planning:clause_edit", args=[clause.pk]),
        {"label": "3", "text": "Văn phòng Trung ương Đảng theo dõi"},
    )
    assert r.status_code == 302
    clause.refresh_from_db()
    assert clause.text == "Văn phòng Trung ương Đảng theo dõi"


@pytest.mark.django_db
def test_coverage_page_and_task_clause_form(world):
    svc.import_resolution_text(world.users["sysadmin"], world.res, text=SAMPLE)
    c = login(world, "hni_officer")
    task = world.tasks["hni"]
    clause = Clause.objects.get(reference="III.1.a")
    html = c.get(reverse("web:task_detail", args=[task.pk])).content.decode()
    assert f'value="{clause.pk}"' in html
    r = c.post(reverse("planning:task_clauses", args=[task.pk]), {"clauses": [clause.pk]})
    assert r.status_code == 302 and list(task.clauses.all()) == [clause]
    html = c.get(reverse("planning:coverage", args=[world.res.pk])).content.decode()
    assert 'data-testid="uncovered">23<' in html
    assert (
        login(world, "hcm_officer").post(reverse("planning:task_clauses", args=[task.pk]), {}).status_code
        == 404
    )


@pytest.mark.django_db
def test_clause_api(world):
    admin = login(world, "sysadmin")
    url = f"/api/v1/resolutions/{world.res.pk}/clauses/import"
    r = admin.post(url, {"text": "không có số"}, content_type="application/json")
    assert r.status_code == 400 and r["Content-Type"].startswith("application/problem+json")
    r = admin.post(url, {"text": SAMPLE}, content_type="application/json")
    assert r.status_code == 200 and r.json()["count"] == 26
    officer = login(world, "hni_officer")
    assert officer.post(url, {"text": SAMPLE}, content_type="application/json").status_code == 403
    items = officer.get(f"/api/v1/resolutions/{world.res.pk}/clauses").json()
    assert [i["reference"] for i in items][:2] == ["I", "I.1"]
    world.tasks["hni"].clauses.add(Clause.objects.get(reference="II.2.a"))
    body = officer.get(f"/api/v1/resolutions/{world.res.pk}/coverage").json()
    assert (body["total"], body["covered"], body["uncovered"]) == (26, 3, 23)
    assert body["programs"][0]["agency_id"] == world.hni.pk
    body = admin.get(f"/api/v1/resolutions/{world.res.pk}/coverage?agency={world.hcm.pk}").json()
    assert body["covered"] == 0
    assert (
        officer.get(f"/api/v1/resolutions/{world.res.pk}/coverage?agency={world.hcm.pk}").status_code == 400
    )


@pytest.mark.django_db
def test_issued_programme_clause_links_need_an_amendment(world):
    svc.import_resolution_text(world.users["sysadmin"], world.res, text=SAMPLE)
    task = world.tasks["ministry"]
    program = task.program
    program.status = "issued"
    program.save()
    with pytest.raises(ValidationFailed):
        svc.set_task_clauses(world.users["ministry_officer"], task, list(Clause.objects.all()[:1]))
    program_svc.ProgramAmendment.objects.create(
        program=program,
        decided_on=program.created_at.date(),
        reason="Bổ sung",
        created_by=world.users["sysadmin"],
    )
    svc.set_task_clauses(world.users["ministry_officer"], task, list(Clause.objects.all()[:1]))
    assert task.clauses.count() == 1
