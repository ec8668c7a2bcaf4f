"""Evidence (minh chứng): what is stored, what is refused (nothing left behind), who may add it."""

import hashlib
import json

import pytest
from django.test import override_settings

from resmon.audit.models import AuditEntry
from resmon.core import clock
from resmon.core.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from resmon.reporting.models import Classification, Evidence, PeriodReport
from resmon.reporting.services.evidence import add_evidence, open_evidence, remove_evidence
from tests.reporting.evidence_samples import (
    EXE,
    HTML,
    JPEG_HEAD,
    PNG_1x1,
    docx_bytes,
    macro_docx_bytes,
    make_report,
    ods_bytes,
    odt_bytes,
    pdf_bytes,
    pdf_unicode_bytes,
    pptx_bytes,
    upload,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

NORMAL = Classification.NORMAL
FILE, LINK, DOCUMENT = Evidence.Kind.FILE, Evidence.Kind.LINK, Evidence.Kind.DOCUMENT


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def report(rworld):
    return make_report(rworld)


@pytest.fixture
def officer(rworld):
    return rworld.users["xa_ubnd_officer"]


def stored_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file())


def evidence_audit():
    return AuditEntry.objects.filter(action__startswith="reporting.evidence")


def line_of(report):
    return report.lines.get()


def add_file(actor, report, name, content, **kw):
    kw.setdefault("classification", NORMAL)
    kw.setdefault("kind", FILE)
    kw.setdefault("title", "")
    return add_evidence(actor, line_of(report), upload=upload(name, content), **kw)


def assert_nothing_stored(report, media, version=1):
    assert not Evidence.objects.exists()
    assert stored_files(media) == []
    assert not evidence_audit().exists()
    assert PeriodReport.objects.get(pk=report.pk).version == version


# --- accepted -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("Báo cáo kết quả.pdf", pdf_bytes("Bao cao ket qua"), "application/pdf"),
        (
            "Báo cáo.docx",
            docx_bytes("BÁO CÁO", "Kết quả thực hiện Nghị quyết 57"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("Số liệu.xlsx", xlsx_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (
            "Trình bày.pptx",
            pptx_bytes(),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        ("Văn bản.odt", odt_bytes("Báo cáo"), "application/vnd.oasis.opendocument.text"),
        ("Bảng.ods", ods_bytes(), "application/vnd.oasis.opendocument.spreadsheet"),
        ("Ảnh công trình.png", PNG_1x1, "image/png"),
        ("anh.JPG", JPEG_HEAD, "image/jpeg"),
    ],
)
def test_each_allowed_type_is_stored_with_its_checksum(report, officer, media, name, content, content_type):
    ev = add_evidence(
        officer,
        line_of(report),
        classification=NORMAL,
        kind=FILE,
        title="",
        # the browser's content type is ignored: the content decides
        upload=upload(name, content, content_type="text/html"),
        expected_version=1,
    )
    ev.refresh_from_db()
    assert ev.content_type == content_type
    assert ev.sha256 == hashlib.sha256(content).hexdigest()
    assert ev.size == len(content)
    assert ev.original_name == name
    assert ev.title == name
    assert ev.uploaded_by == officer
    assert ev.file.name.startswith("evidence/2026/03/")
    assert ev.file.name.endswith("." + name.rsplit(".", 1)[-1].lower())
    [path] = stored_files(media)
    assert path.read_bytes() == content
    report.refresh_from_db()
    assert report.version == 2
    assert report.updated_by_name == "xa_ubnd_officer"


def test_the_audit_row_describes_the_file_without_its_bytes(report, officer, media):
    content = docx_bytes("BÁO CÁO", "Kết quả")
    ev = add_file(officer, report, "bao-cao.docx", content, title="Báo cáo quý I")
    [row] = evidence_audit()
    assert row.action == "reporting.evidence_added"
    assert row.object_id == str(ev.pk)
    assert row.agency_path == report.agency.path
    assert row.actor_name == "xa_ubnd_officer"
    assert row.after["sha256"] == hashlib.sha256(content).hexdigest()
    assert row.after["title"] == "Báo cáo quý I"
    assert row.after["size"] == len(content)
    dumped = json.dumps([row.before, row.after])
    assert "PK" not in dumped and len(dumped) < 1000


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("../../etc/bao-cao.pdf", "bao-cao.pdf"),
        ("C:\\Users\\cb\\Báo cáo\tquý I.pdf", "Báo cáo quý I.pdf"),
        ('a<b>:"c|?*.pdf', "abc.pdf"),
    ],
)
def test_the_original_name_is_sanitised(report, officer, media, name, kept):
    ev = add_file(officer, report, name, pdf_bytes("x"))
    assert ev.original_name == kept
    [path] = stored_files(media)
    assert path.parent == media / "evidence" / "2026" / "03"
    assert path.suffix == ".pdf" and len(path.stem) == 32


def test_a_link_is_recorded(report, officer, media):
    ev = add_evidence(
        officer,
        line_of(report),
        classification=NORMAL,
        kind=LINK,
        title="Cổng thông tin",
        url=" https://hanoi.gov.vn/van-ban/15 ",
    )
    assert ev.url == "https://hanoi.gov.vn/van-ban/15"
    assert not ev.file
    assert stored_files(media) == []
    assert evidence_audit().count() == 1


@pytest.mark.parametrize("classification", [Classification.CONFIDENTIAL, Classification.TOP_SECRET, NORMAL])
def test_a_document_is_recorded_by_number_and_date(report, officer, media, classification):
    ev = add_evidence(
        officer,
        line_of(report),
        classification=classification,
        kind=DOCUMENT,
        title="",
        doc_number="15-BC/TU",
        doc_date="10/03/2026",
    )
    ev.refresh_from_db()
    assert (ev.doc_number, ev.doc_date.isoformat(), ev.title) == ("15-BC/TU", "2026-03-10", "15-BC/TU")
    assert ev.classification == classification
    assert not ev.file and not ev.url
    assert stored_files(media) == []
    [row] = evidence_audit()
    assert row.after["doc_number"] == "15-BC/TU"


def test_the_same_request_key_stores_one_file(report, officer, media):
    content = pdf_bytes("Bao cao")
    first = add_file(officer, report, "a.pdf", content, idempotency_key="k-1")
    again = add_file(officer, report, "a.pdf", content, idempotency_key="k-1")
    assert again.pk == first.pk
    assert Evidence.objects.count() == 1
    assert len(stored_files(media)) == 1
    assert evidence_audit().count() == 1


def test_a_returned_report_takes_evidence(rworld, officer, media):
    report = make_report(rworld, state="returned")
    add_file(officer, report, "a.png", PNG_1x1)
    assert Evidence.objects.count() == 1


def test_the_head_and_the_communes_party_committee_may_add_evidence(rworld, report, media):
    # leaders of the agency, and officers above it that are not the accepting level (Đảng ủy xã)
    add_file(rworld.users["xa_ubnd_leader"], report, "a.png", PNG_1x1)
    add_file(rworld.users["xa_officer"], report, "b.png", PNG_1x1)
    assert Evidence.objects.count() == 2
    # the accepting level (Thành ủy Hà Nội) reviews the report; it does not write into it
    with pytest.raises(PermissionRefused):
        add_file(rworld.users["hni_officer"], report, "c.png", PNG_1x1)
    assert Evidence.objects.count() == 2


# --- refused, nothing left behind -----------------------------------------------------------------

CLASSIFIED_WORDS = "Record only the document's number and date"


@pytest.mark.parametrize(
    ("classification", "kind", "with_file", "url"),
    [
        (Classification.CONFIDENTIAL, FILE, True, ""),
        (Classification.SECRET, FILE, True, ""),
        (Classification.TOP_SECRET, FILE, True, ""),
        (Classification.CONFIDENTIAL, LINK, False, "https://example.gov.vn/mat.pdf"),
        (Classification.SECRET, LINK, False, "https://example.gov.vn/mat.pdf"),
        # a number-and-date record must not smuggle the file or the link along
        (Classification.CONFIDENTIAL, DOCUMENT, True, ""),
        (Classification.TOP_SECRET, DOCUMENT, False, "https://example.gov.vn/mat.pdf"),
    ],
)
def test_classified_content_is_never_stored(report, officer, media, classification, kind, with_file, url):
    with pytest.raises(ValidationFailed) as exc:
        add_evidence(
            officer,
            line_of(report),
            classification=classification,
            kind=kind,
            title="Báo cáo mật",
            upload=upload("mat.pdf", pdf_bytes("Bao cao")) if with_file else None,
            url=url,
            doc_number="01-BC/TU",
            doc_date="01/03/2026",
        )
    assert exc.value.field == "classification"
    assert CLASSIFIED_WORDS in str(exc.value)
    assert "Document number and date only" in str(exc.value)
    assert_nothing_stored(report, media)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bao-cao.docx", docx_bytes("MẬT", "BÁO CÁO", "Kết quả thực hiện")),
        ("bao-cao.docx", docx_bytes("ĐẢNG BỘ XÃ TÂN AN", "Tối mật", "BÁO CÁO")),
        ("bao-cao.docx", docx_bytes("BÁO CÁO", header="TUYỆT MẬT")),
        ("bao-cao.pdf", pdf_unicode_bytes("MẬT", "BÁO CÁO")),
        ("bao-cao.odt", odt_bytes("MẬT", "BÁO CÁO")),
    ],
)
def test_a_file_marked_normal_but_stamped_secret_is_refused(report, officer, media, name, content):
    with pytest.raises(ValidationFailed) as exc:
        add_file(officer, report, name, content)
    assert exc.value.field == "file"
    assert CLASSIFIED_WORDS in str(exc.value)
    assert_nothing_stored(report, media)


@override_settings(EVIDENCE_MAX_BYTES=2 * 1024 * 1024)
def test_an_oversized_file_is_refused_with_the_limit(report, officer, media):
    content = pdf_bytes("x") + b"%" * (2 * 1024 * 1024)
    with pytest.raises(ValidationFailed) as exc:
        add_file(officer, report, "lon.pdf", content)
    assert exc.value.field == "file"
    assert "2 MB" in str(exc.value)
    assert_nothing_stored(report, media)


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("chuong-trinh.pdf", EXE, "not accepted"),
        ("trang.pdf", HTML, "not accepted"),
        ("macro.docx", macro_docx_bytes(), "not accepted"),
        ("anh.pdf", PNG_1x1, "content is PNG"),
        ("bang.docx", xlsx_bytes(), "content is Excel"),
        ("rong.pdf", b"", "empty"),
    ],
)
def test_disguised_unknown_or_empty_files_are_refused(report, officer, media, name, content, words):
    with pytest.raises(ValidationFailed) as exc:
        add_file(officer, report, name, content)
    assert exc.value.field == "file"
    assert words in str(exc.value)
    assert_nothing_stored(report, media)


def test_a_file_kind_needs_a_file(report, officer, media):
    with pytest.raises(ValidationFailed) as exc:
        add_evidence(officer, line_of(report), classification=NORMAL, kind=FILE, title="x")
    assert exc.value.field == "file"
    assert_nothing_stored(report, media)


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://files.gov.vn/a.pdf", "file:///etc/passwd", "hanoi.gov.vn", ""]
)
def test_a_link_must_be_a_web_address(report, officer, media, url):
    with pytest.raises(ValidationFailed) as exc:
        add_evidence(officer, line_of(report), classification=NORMAL, kind=LINK, title="x", url=url)
    assert exc.value.field == "url"
    assert "http" in str(exc.value)
    assert_nothing_stored(report, media)


@pytest.mark.parametrize(
    ("number", "date", "field"),
    [
        ("", "01/03/2026", "doc_number"),
        ("15-BC/TU", None, "doc_date"),
        ("15-BC/TU", "18/03/2026", "doc_date"),  # tomorrow
        ("15-BC/TU", "31/02/2026", "doc_date"),
        ("x" * 101, "01/03/2026", "doc_number"),
    ],
)
def test_a_document_needs_a_number_and_a_past_date(report, officer, media, number, date, field):
    with pytest.raises(ValidationFailed) as exc:
        add_evidence(
            officer,
            line_of(report),
            classification=Classification.CONFIDENTIAL,
            kind=DOCUMENT,
            title="",
            doc_number=number,
            doc_date=date,
        )
    assert field in exc.value.errors
    assert_nothing_stored(report, media)


def test_future_date_message_names_the_date(report, officer, media):
    with pytest.raises(ValidationFailed) as exc:
        add_evidence(
            officer,
            line_of(report),
            classification=NORMAL,
            kind=DOCUMENT,
            title="",
            doc_number="1/BC",
            doc_date="20/03/2026",
        )
    assert "20/03/2026" in exc.value.errors["doc_date"][0]


@pytest.mark.parametrize("state", ["accepted", "sent", "awaiting_head"])
def test_a_report_out_of_editing_takes_no_evidence(rworld, officer, media, state):
    report = make_report(rworld, state=state)
    with pytest.raises(ValidationFailed) as exc:
        add_file(officer, report, "a.png", PNG_1x1)
    if state == "accepted":
        assert exc.value.code == "report_locked"
        assert "reopen" in str(exc.value)
    assert_nothing_stored(report, media)


def test_a_closed_period_takes_no_evidence(report, officer, media):
    period = report.period
    period.is_closed = True
    period.closed_at = clock.now()
    period.save()
    with pytest.raises(ValidationFailed) as exc:
        add_file(officer, report, "a.png", PNG_1x1)
    assert exc.value.code == "period_closed"
    assert "17/03/2026" in str(exc.value)
    assert_nothing_stored(report, media)


@pytest.mark.parametrize("who", ["xa2_officer", "hcm_officer", "hni_so_officer", "inspector", "hni_admin"])
def test_others_may_not_add_evidence(rworld, report, media, who):
    with pytest.raises(PermissionRefused):
        add_file(rworld.users[who], report, "a.png", PNG_1x1)
    assert_nothing_stored(report, media)


def test_a_stale_version_is_refused(report, officer, media):
    PeriodReport.objects.filter(pk=report.pk).update(version=3, updated_by_name="xa_ubnd_leader")
    with pytest.raises(Conflict) as exc:
        add_file(officer, report, "a.png", PNG_1x1, expected_version=2)
    assert "xa_ubnd_leader" in str(exc.value)
    assert_nothing_stored(report, media, version=3)


# --- remove, download -----------------------------------------------------------------------------


def test_remove_deletes_the_file_after_commit(report, officer, media, django_capture_on_commit_callbacks):
    ev = add_file(officer, report, "a.pdf", pdf_bytes("Bao cao"))
    [path] = stored_files(media)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        remove_evidence(officer, ev, expected_version=2)
        assert path.exists()  # still there until the removal is committed
    assert len(callbacks) == 1
    assert not path.exists()
    assert not Evidence.objects.exists()
    row = AuditEntry.objects.get(action="reporting.evidence_removed")
    assert row.before["sha256"] == ev.sha256
    assert PeriodReport.objects.get(pk=report.pk).version == 3


def test_remove_is_refused_once_accepted(rworld, report, officer, media, django_capture_on_commit_callbacks):
    ev = add_file(officer, report, "a.pdf", pdf_bytes("Bao cao"))
    PeriodReport.objects.filter(pk=report.pk).update(state="accepted", accepted_at=clock.now())
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed):
        remove_evidence(officer, ev)
    assert Evidence.objects.filter(pk=ev.pk).exists()
    assert len(stored_files(media)) == 1
    assert not AuditEntry.objects.filter(action="reporting.evidence_removed").exists()


def test_remove_by_another_agency_is_refused(rworld, report, officer, media):
    ev = add_file(officer, report, "a.pdf", pdf_bytes("Bao cao"))
    with pytest.raises(PermissionRefused):
        remove_evidence(rworld.users["xa2_officer"], ev)
    assert Evidence.objects.filter(pk=ev.pk).exists()


def test_open_evidence_is_scoped(rworld, report, officer, media):
    content = pdf_bytes("Bao cao")
    ev = add_file(officer, report, "a.pdf", content)
    for who in ("xa_ubnd_officer", "hni_officer", "inspector", "sysadmin"):
        got, handle = open_evidence(rworld.users[who], ev.pk)
        with handle:
            assert handle.read() == content
        assert got.pk == ev.pk
    for who in ("hcm_officer", "xa2_officer", "ministry_officer"):
        with pytest.raises(NotFound):
            open_evidence(rworld.users[who], ev.pk)
    with pytest.raises(NotFound):
        open_evidence(officer, "not-a-number")


def test_open_evidence_without_a_file_is_not_found(report, officer, media):
    ev = add_evidence(
        officer, line_of(report), classification=NORMAL, kind=LINK, title="x", url="https://a.gov.vn/"
    )
    with pytest.raises(NotFound):
        open_evidence(officer, ev.pk)
