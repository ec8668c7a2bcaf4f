"""The quarterly documents: once a quarter of the calendar has ended, the overview of that quarter
(all resolutions) as PDF and Excel for the nation and for each province, each made by its own job
as the system; made once; visible to the province's people and not to another province's."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from resmon.agencies.models import AgencyKind, Level
from resmon.core.errors import NotFound
from resmon.exports.models import StoredDocument
from resmon.exports.overview.services import download_overview
from resmon.exports.stored import building, selectors
from resmon.exports.stored import services as stored
from resmon.exports.stored.reader import SYSTEM_NAME
from tests.exports.documents_helpers import docx_text, pdf_text
from tests.exports.overview_helpers import CHILDREN, PROVINCES, RESOLUTIONS, records, summary, workbook
from tests.exports.stored.helpers import audit, made, read
from tests.factories import agency
from tests.reporting.helpers import quarter

pytestmark = pytest.mark.django_db
Status = StoredDocument.Status

# Decree 09 cut-off: 2026-Q1 runs 15/12/2025–14/03/2026
Q1_LAST_DAY = dt.date(2026, 3, 14)


def scheduled():
    return StoredDocument.objects.filter(requested_by__isnull=True)


def test_the_quarter_is_made_once_it_has_ended_and_only_once(dworld, django_capture_on_commit_callbacks):
    # on the quarter's last day its documents are not made: the previous quarter's are
    done = stored.generate_period_documents(Q1_LAST_DAY)
    assert done["period"] == "2025-Q4"
    StoredDocument.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        done = stored.generate_period_documents(Q1_LAST_DAY + dt.timedelta(days=1))
    # the nation and the test world's two provinces, PDF and Excel
    assert done == {"period": "2026-Q1", "created": 6, "requeued": 0, "existing": 0, "stale_failed": 0}
    rows = list(scheduled().order_by("agency__path", "format"))
    assert [(d.agency, d.format) for d in rows] == [
        (dworld.root, "pdf"),
        (dworld.root, "xlsx"),
        (dworld.hni, "pdf"),
        (dworld.hni, "xlsx"),
        (dworld.hcm, "pdf"),
        (dworld.hcm, "xlsx"),
    ]
    assert all(
        d.period == quarter("2026-Q1") and d.resolution is None and d.status == Status.QUEUED for d in rows
    )
    assert rows[0].title == "Tổng quan – Toàn quốc – Tất cả các nghị quyết – " + quarter("2026-Q1").label
    # each document its own job
    assert sorted(j.args_kwargs["args"][0] for j in DBTaskResult.objects.all()) == sorted(d.pk for d in rows)
    entries = audit("exports.document_scheduled").filter(object_id__in=[str(d.pk) for d in rows])
    assert entries.count() == 6
    assert all(e.actor_id is None and e.actor_name == "system" for e in entries)

    # the next days: nothing more
    for day in (dt.date(2026, 3, 16), dt.date(2026, 6, 14)):
        again = stored.generate_period_documents(day)
        assert (again["created"], again["existing"]) == (0, 6)
    assert scheduled().count() == 6 and DBTaskResult.objects.count() == 6


def test_before_the_first_quarter_ends_nothing_is_made(dworld):
    assert stored.generate_period_documents(dt.date(2025, 1, 1))["period"] is None
    assert not StoredDocument.objects.exists()


def test_a_failed_quarterly_document_is_queued_again_the_next_day(dworld, monkeypatch):
    stored.generate_period_documents()
    doc = scheduled().get(agency=dworld.hni, format="pdf")
    monkeypatch.setattr(building, "render_file", lambda *a: 1 / 0)
    assert made(doc).status == Status.FAILED
    monkeypatch.undo()
    done = stored.generate_period_documents()
    assert (done["created"], done["requeued"], done["existing"]) == (0, 1, 5)
    doc.refresh_from_db()
    assert (doc.status, doc.error) == (Status.QUEUED, "")
    assert made(doc).status == Status.DONE


def test_the_system_makes_the_national_document_with_the_national_numbers(dworld, tmp_path):
    stored.generate_period_documents()
    national = scheduled().get(agency=dworld.root, format="xlsx")
    national = made(national)
    assert national.status == Status.DONE, national.error
    content = read(dworld, "sysadmin", national)
    # a national leader's own download of the same quarter reads the same numbers
    sync = workbook(
        download_overview(dworld.users["national_leader"], "xlsx", period=quarter("2026-Q1").pk).content
    )
    made_by_system = workbook(content)
    assert made_by_system.sheetnames == sync.sheetnames
    assert summary(made_by_system["Tổng hợp"]) == summary(sync["Tổng hợp"])
    for sheet in (RESOLUTIONS, CHILDREN, PROVINCES):
        assert records(made_by_system[sheet]) == records(sync[sheet]) != []

    pdf = made(scheduled().get(agency=dworld.root, format="pdf"))
    words = " ".join(pdf_text(read(dworld, "sysadmin", pdf), tmp_path).split())
    assert f"Người lập: {SYSTEM_NAME}" in words
    assert "Số -BC/TW" in words  # issued in the name of the agency it is about (Trung ương)


def test_a_provinces_document_is_issued_in_its_name_by_the_system(dworld):
    stored.generate_period_documents()
    doc = scheduled().get(agency=dworld.hni, format="pdf")
    doc.format = "docx"  # the same job renders Word too: read its words
    doc.save(update_fields=["format"])
    content = read(dworld, "hni_leader", made(doc))
    words = docx_text(content)
    assert "THÀNH ỦY HÀ NỘI" in words
    assert "tại Thành ủy Hà Nội và các cơ quan trực thuộc" in words
    footer = docx.Document(io.BytesIO(content)).sections[0].footer.paragraphs[0].text
    assert footer.endswith(f"Người lập: {SYSTEM_NAME}")


def test_a_provinces_document_is_for_its_people_only(dworld):
    stored.generate_period_documents()
    hni = scheduled().filter(agency=dworld.hni)
    hcm = scheduled().filter(agency=dworld.hcm)
    national = scheduled().filter(agency=dworld.root)
    for username in ("hni_leader", "hni_officer", "inspector"):  # Hà Nội, and its inspection grant
        seen = set(selectors.documents_for(dworld.users[username]))
        assert seen == set(hni), username
    for username in ("xa_officer", "hni_so_officer"):  # below the province: not the province's file
        assert not selectors.documents_for(dworld.users[username]).exists(), username
    assert set(selectors.documents_for(dworld.users["hcm_officer"])) == set(hcm)
    for doc in hni:
        with pytest.raises(NotFound):
            selectors.get_document(dworld.users["hcm_officer"], doc.pk)
    everything = set(hni) | set(hcm) | set(national)
    assert set(selectors.documents_for(dworld.users["national_leader"])) == everything
    assert set(selectors.documents_for(dworld.users["sysadmin"])) == everything
    # a steering-committee member sees a resolution nationwide: these cover all resolutions, so not
    steering = dworld.users["steering"]
    assert set(selectors.documents_for(steering)) == {
        d for d in everything if steering.scope.reads(d.agency.path)
    }


def test_at_national_scale_the_schedule_is_70_small_writes(dworld, django_capture_on_commit_callbacks):
    """34 provinces: 35 places × PDF and Excel = 70 documents and 70 jobs, a bounded number of
    queries (a few per document), nothing rendered in the command itself."""
    for n in range(32):
        agency(
            dworld.root, f"Tỉnh ủy thử nghiệm {n}", AgencyKind.PROVINCIAL_PARTY, Level.PROVINCE, code=f"T{n}"
        )
    with django_capture_on_commit_callbacks(execute=True), CaptureQueriesContext(connection) as queries:
        done = stored.generate_period_documents()
    assert done["created"] == 70 and scheduled().count() == 70
    assert DBTaskResult.objects.count() == 70
    assert len(queries) < 70 * 8, len(queries)


def test_the_command(dworld):
    out = io.StringIO()
    call_command("generate_period_documents", "--as-of", "2026-03-17", stdout=out)
    assert "2026-Q1: 6 documents queued" in out.getvalue()
    out = io.StringIO()
    call_command("generate_period_documents", "--as-of", "2026-03-18", stdout=out)
    assert "0 documents queued" in out.getvalue() and "6 already made" in out.getvalue()
    out = io.StringIO()
    call_command("generate_period_documents", "--as-of", "2025-01-01", stdout=out)
    assert "nothing to make" in out.getvalue()
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("generate_period_documents", "--as-of", "17/03/2026")
    call_command("generate_period_documents")  # today (17/03/2026): already made
    assert scheduled().count() == 6
