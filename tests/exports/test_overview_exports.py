"""The overview exported as Excel, Word and PDF (issue 6): for the same filters the page, the API
JSON, the Excel cells and the Word tables carry the same numbers; the downloads are scoped like
the page, explain a bad filter, refuse a selection too large for one file, and are audited."""

from __future__ import annotations

import io
import subprocess

import docx
import pytest
from django.urls import reverse

from resmon.audit.models import AuditEntry
from resmon.exports.documents.model import DRAFT_MARK, RECIPIENTS_LABEL
from resmon.rollups.models import STATUS_FIELDS
from tests.dashboards.helpers import (
    children_table,
    client_for,
    doc,
    headline,
    page,
    progress_table,
    ranking_table,
    shown,
    status_table,
    text,
)
from tests.exports.documents_helpers import artifacts_dir, docx_text, pdf_text
from tests.exports.overview_helpers import (
    CHILDREN,
    PROVINCES,
    RANKING,
    RESOLUTIONS,
    STATUS_HEADERS,
    SUMMARY,
    dec,
    printed,
    records,
    summary,
    word_table,
    workbook,
)
from tests.reporting.helpers import quarter

pytestmark = pytest.mark.django_db
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def downloads():
    return AuditEntry.objects.filter(action="exports.overview_downloaded")


def export_links(d) -> dict[str, str]:
    return {a.get("data-export"): a.get("href") for a in d.xpath("//*[@data-exports]//a[@data-export]")}


def fetch(client, url: str, content_type: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith('attachment; filename="tong-quan-')
    return response.content


def check_same_numbers(client, params: dict, tmp_path) -> dict:
    """Everything the four readings show for ``params``, compared; returns the API's JSON."""
    data = client.get("/api/v1/dashboard", {**params, "limit": 500}).json()
    d = doc(page(client, **params))
    links = export_links(d)
    assert set(links) == {"xlsx", "docx", "pdf"}
    # the buttons keep the page's filters: the files are those of the JSON's agency/resolution/period
    query = {"agency": data["agency"]["id"]}
    if data["resolution"]:
        query["resolution"] = data["resolution"]["id"]
    if data["period"]:
        query["period"] = data["period"]["id"]
    for fmt, url in links.items():
        assert url == reverse(f"exports:overview_{fmt}") + "?" + "&".join(
            f"{k}={v}" for k, v in query.items()
        )
    xlsx = workbook(fetch(client, links["xlsx"], XLSX_TYPE))
    word = fetch(client, links["docx"], DOCX_TYPE)
    pdf = fetch(client, links["pdf"], "application/pdf")

    # --- the key numbers
    h = data["headline"]
    assert headline(d)["tasks"] == shown(h["tasks"])
    assert headline(d)["overdue"] == shown(h["overdue"])
    assert headline(d)["on_time_rate"] == shown(h["on_time_rate"], percent=True)
    top = summary(xlsx[SUMMARY])
    assert top["Tổng số nhiệm vụ"] == h["tasks"]
    assert top["Quá hạn – chưa hoàn thành"] == h["overdue"]
    assert dec(top["Tỷ lệ hoàn thành đúng hạn (%)"]) == dec(h["on_time_rate"])
    assert top["Báo cáo chưa gửi trong kỳ"] == h["reports_missing"]
    assert top["Số đơn vị trực thuộc"] == data["children_count"]
    assert top["Kỳ báo cáo"] == data["period"]["label"]
    assert top["Nghị quyết"] == (
        data["resolution"]["number"] if data["resolution"] else "Tất cả các nghị quyết"
    )
    words = docx_text(word)
    assert f"Tổng số nhiệm vụ do các cơ quan trong phạm vi chủ trì: {printed(h['tasks'])}." in words
    assert f"Số nhiệm vụ quá hạn chưa hoàn thành: {printed(h['overdue'])}." in words

    # --- per resolution: status counts, tasks, progress, on-time rate
    figures = {str(f["resolution"]["id"]): f for f in data["by_resolution"]}
    numbers = {f["resolution"]["number"]: f for f in data["by_resolution"]}
    assert status_table(d) == {
        k: {**{s: shown(v) for s, v in f["counts"].items()}, "total": shown(f["tasks"])}
        for k, f in figures.items()
    }
    assert progress_table(d) == {k: shown(f["progress"], percent=True) for k, f in figures.items()}
    sheet = {r["Số nghị quyết"]: r for r in records(xlsx[RESOLUTIONS])}
    assert set(sheet) == set(numbers)
    word_status = {r["Nghị quyết"]: r for r in word_table(word, has="Tổng số")}
    word_progress = {r["Nghị quyết"]: r for r in word_table(word, has="Trích yếu")}
    assert set(word_status) == set(word_progress) == set(numbers)
    for number, f in numbers.items():
        row = sheet[number]
        assert row["Số nhiệm vụ"] == f["tasks"] == sum(f["counts"].values())
        assert {s: row[STATUS_HEADERS[s]] for s in STATUS_FIELDS} == f["counts"]
        assert dec(row["Tiến độ (%)"]) == dec(f["progress"])
        assert dec(row["Tỷ lệ hoàn thành đúng hạn (%)"]) == dec(f["on_time_rate"])
        assert {s: word_status[number][STATUS_HEADERS[s]] for s in STATUS_FIELDS} == {
            s: printed(v) for s, v in f["counts"].items()
        }
        assert word_status[number]["Tổng số"] == printed(f["tasks"])
        assert word_progress[number]["Tiến độ (%)"] == printed(f["progress"])
        assert word_progress[number]["Tỷ lệ hoàn thành đúng hạn (%)"] == printed(f["on_time_rate"])

    # --- the agencies under this one: every one, the same figures
    children = data["children"]
    assert len(children) == data["children_count"] > 0
    on_page = children_table(d)
    sheet_rows = records(xlsx[CHILDREN])
    word_rows = word_table(word, has="Quá hạn")
    assert len(on_page) == len(sheet_rows) == len(word_rows) == data["children_count"]
    assert [r["Mã đơn vị"] for r in sheet_rows] == [c["agency"]["code"] for c in children]
    for c, row, wrow in zip(children, sheet_rows, word_rows, strict=True):
        cells = on_page[str(c["agency"]["id"])]
        assert cells["tasks"] == shown(c["tasks"]) and row["Số nhiệm vụ"] == c["tasks"]
        assert wrow["Số nhiệm vụ"] == printed(c["tasks"])
        assert cells["overdue"] == shown(c["overdue"]) and row["Quá hạn"] == c["overdue"]
        assert wrow["Quá hạn"] == printed(c["overdue"])
        assert cells["on_time_rate"] == shown(c["on_time_rate"], percent=True)
        assert dec(row["Tỷ lệ hoàn thành đúng hạn (%)"]) == dec(c["on_time_rate"])
        assert wrow["Tỷ lệ hoàn thành đúng hạn (%)"] == printed(c["on_time_rate"])
        assert cells["completeness_rate"] == shown(c["completeness_rate"], percent=True)
        assert dec(row["Tỷ lệ báo cáo đã nhận (%)"]) == dec(c["completeness_rate"])
        assert wrow["Tỷ lệ báo cáo đã nhận (%)"] == printed(c["completeness_rate"])
        assert cells["small_sample"] == c["small_sample"] == (row["Mẫu nhỏ"] == "Mẫu nhỏ")
        assert wrow["Cơ quan, đơn vị"].endswith("(mẫu nhỏ)") == c["small_sample"]
        if data["resolution"]:
            number = data["resolution"]["number"]
            assert cells["progress"] == [shown(c["progress"], percent=True)]
            assert dec(row[f"Tiến độ {number} (%)"]) == dec(c["progress"])
            assert wrow["Tiến độ (%)"] == printed(c["progress"])
        else:
            by_id = {r["id"]: r["number"] for r in (f["resolution"] for f in data["by_resolution"])}
            for p in c["progress_by_resolution"]:
                assert dec(row[f"Tiến độ {by_id[p['resolution']]} (%)"]) == dec(p["progress"])
            assert cells["progress"] == [
                shown(p["progress"], percent=True) for p in c["progress_by_resolution"]
            ]

    # --- the ranking (one resolution) and the provinces (national level)
    if data["ranking"] is None:
        assert RANKING not in xlsx.sheetnames
    else:
        sheet_rows = records(xlsx[RANKING])
        word_rows = word_table(word, has="Hạng")
        assert [(r["Mã đơn vị"], r["Hạng"]) for r in sheet_rows] == [
            (r["agency"]["code"], r["rank"]) for r in data["ranking"]
        ]
        assert [dec(r[f"Tiến độ {data['resolution']['number']} (%)"]) for r in sheet_rows] == [
            dec(r["progress"]) for r in data["ranking"]
        ]
        assert [(r["Hạng"], r["Tiến độ (%)"], r["Số nhiệm vụ"]) for r in word_rows] == [
            ("–" if r["rank"] is None else str(r["rank"]), printed(r["progress"]), printed(r["tasks"]))
            for r in data["ranking"]
        ]
        assert ranking_table(d) == [
            (str(r["agency"]["id"]), "–" if r["rank"] is None else str(r["rank"]), r["small_sample"])
            for r in data["ranking"]
        ]
    if data["provinces"] is None:
        assert PROVINCES not in xlsx.sheetnames
    else:
        assert [
            (r["Mã đơn vị"], r["Số nhiệm vụ"], dec(r["Tỷ lệ hoàn thành đúng hạn (%)"]))
            for r in records(xlsx[PROVINCES])
        ] == [(t["agency"]["code"], t["tasks"], dec(t["on_time_rate"])) for t in data["provinces"]]

    # --- the PDF is the Word document's model: the same key number, the draft mark
    pdf_words = " ".join(pdf_text(pdf, tmp_path).split())
    assert f"Tổng số nhiệm vụ do các cơ quan trong phạm vi chủ trì: {printed(h['tasks'])}." in pdf_words
    assert DRAFT_MARK in pdf_words
    # the pages as pictures to look at (artefacts, not a pixel assert)
    path = tmp_path / "overview.pdf"
    path.write_bytes(pdf)
    prefix = artifacts_dir() / f"tong-quan-{data['agency']['code']}"
    subprocess.run(["/usr/bin/pdftoppm", "-png", "-r", "60", str(path), str(prefix)], check=True)
    return data


def test_the_page_the_api_the_excel_and_the_word_file_show_the_same_numbers(dworld, tmp_path):
    national = client_for(dworld, "national_leader")
    data = check_same_numbers(national, {}, tmp_path)
    assert data["provinces"] and data["ranking"] is None
    params = {"agency": dworld.hni.pk, "resolution": dworld.res.pk, "period": quarter("2026-Q1").pk}
    data = check_same_numbers(client_for(dworld, "hni_leader"), params, tmp_path)
    assert data["ranking"] and data["provinces"] is None
    assert downloads().count() == 6  # three files for each


def test_the_api_files_are_the_pages_files(dworld):
    client = client_for(dworld, "hni_leader")
    params = {"agency": dworld.hni.pk, "resolution": dworld.res.pk}
    from_page = workbook(client.get(reverse("exports:overview_xlsx"), params).content)
    response = client.get("/api/v1/dashboard/export.xlsx", params)
    assert response.status_code == 200 and response["Content-Type"] == XLSX_TYPE
    from_api = workbook(response.content)
    assert from_api.sheetnames == from_page.sheetnames == [SUMMARY, RESOLUTIONS, CHILDREN, RANKING]
    for name in (RESOLUTIONS, CHILDREN, RANKING):
        assert records(from_api[name]) == records(from_page[name])
    period = client.get("/api/v1/dashboard", params).json()["period"]["code"]  # the current quarter
    for fmt, content_type in (("docx", DOCX_TYPE), ("pdf", "application/pdf")):
        response = client.get(f"/api/v1/dashboard/export.{fmt}", params)
        assert response.status_code == 200 and response["Content-Type"] == content_type
        assert (
            response["Content-Disposition"] == f'attachment; filename="tong-quan-HNI-57-NQ-TW-{period}.{fmt}"'
        )


def test_the_workbook_is_a_table_per_sheet(dworld):
    client = client_for(dworld, "national_leader")
    wb = workbook(client.get(reverse("exports:overview_xlsx")).content)
    assert wb.sheetnames == [SUMMARY, RESOLUTIONS, CHILDREN, PROVINCES]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        assert all(cell.font.bold for cell in ws[1] if cell.value), ws.title
        assert all(ws.column_dimensions[c.column_letter].width >= 8 for c in ws[1]), ws.title
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                assert not (isinstance(cell.value, str) and cell.value.startswith("=")), (ws.title, cell)
    row = next(r for r in wb[RESOLUTIONS].iter_rows(min_row=2) if r[0].value == dworld.res.number)
    header = [c.value for c in wb[RESOLUTIONS][1]]
    progress = row[header.index("Tiến độ (%)")]
    assert isinstance(progress.value, float | int) and progress.number_format == "0.00"
    assert isinstance(row[header.index("Số nhiệm vụ")].value, int)
    top = summary(wb[SUMMARY])
    assert top["Đơn vị"].startswith("Toàn quốc")
    assert top["Số liệu tính đến"] is not None


def test_the_word_report_is_a_draft_of_the_users_agency(dworld):
    leader = dworld.users["hni_leader"]
    leader.full_name = "Trần Văn Lãnh"
    leader.save(update_fields=["full_name"])
    client = client_for(dworld, "hni_leader")
    content = client.get(reverse("exports:overview_docx"), {"resolution": dworld.res.pk}).content
    words = docx_text(content)
    assert DRAFT_MARK in words
    assert "THÀNH ỦY HÀ NỘI" in words  # the issuer: the user's agency
    assert "Số \u00a0\u00a0\u00a0\u00a0\u00a0\u00a0-BC/HNI" in words  # not numbered yet
    assert "Tình hình thực hiện Nghị quyết số 57-NQ/TW tại Thành ủy Hà Nội" in words
    assert RECIPIENTS_LABEL in words and "- Lưu VT." in words
    assert "Trần Văn Lãnh" not in words  # a draft: no signer's name
    pictures = docx.Document(io.BytesIO(content)).inline_shapes
    assert len(pictures) == 2  # the stacked status chart and the progress chart


def test_a_download_is_audited_with_its_filters(dworld):
    client = client_for(dworld, "hni_leader")
    period = quarter("2026-Q1")
    params = {"agency": dworld.hni_xa.pk, "resolution": dworld.res.pk, "period": period.pk}
    assert client.get(reverse("exports:overview_pdf"), params).status_code == 200
    [entry] = downloads()
    assert entry.actor_id == dworld.users["hni_leader"].pk
    assert (entry.object_type, entry.object_id) == ("agencies.agency", str(dworld.hni_xa.pk))
    assert entry.agency_path == dworld.hni_xa.path
    assert entry.after == {
        "format": "pdf",
        "agency": dworld.hni_xa.pk,
        "resolution": dworld.res.pk,
        "period": period.pk,
        "children": 1,
    }
    assert client.get("/api/v1/dashboard/export.xlsx", {"agency": dworld.hni.pk}).status_code == 200
    latest = downloads().order_by("-id").first()
    assert latest.after["format"] == "xlsx" and latest.after["resolution"] is None


def test_an_agency_outside_the_scope_is_not_found(dworld):
    client = client_for(dworld, "hni_leader")
    for agency in (dworld.hcm.pk, dworld.root.pk, 2**40):
        for fmt in ("xlsx", "docx", "pdf"):
            assert client.get(reverse(f"exports:overview_{fmt}"), {"agency": agency}).status_code == 404
            response = client.get(f"/api/v1/dashboard/export.{fmt}", {"agency": agency})
            assert response.status_code == 404, (agency, fmt)
            assert response["Content-Type"].startswith("application/problem+json")
    assert client.get(reverse("exports:overview_xlsx"), {"agency": "abc"}).status_code == 404
    assert not downloads().exists()


def test_an_unknown_period_or_resolution_is_explained(dworld):
    client = client_for(dworld, "national_leader")
    for field in ("period", "resolution"):
        params = {"agency": dworld.hni.pk, field: 999999}
        response = client.get(reverse("exports:overview_docx"), params)
        assert response.status_code == 302
        # back to the overview, the filter that stands kept, the unknown one dropped
        assert response["Location"] == reverse("dashboards:overview") + f"?agency={dworld.hni.pk}"
        d = doc(client.get(response["Location"]))
        shown_messages = [
            text(m) for m in d.xpath("//*[contains(@class, 'messages')]//*[contains(@class, 'alert')]")
        ]
        assert any("does not exist" in m and "Nothing was downloaded" in m for m in shown_messages), (
            shown_messages
        )
        response = client.get("/api/v1/dashboard/export.xlsx", params)
        assert response.status_code == 400
        assert response["Content-Type"].startswith("application/problem+json")
        assert field in response.json()["errors"]
    assert client.get("/api/v1/dashboard/export.pdf", {"period": "abc"}).status_code == 400
    assert not downloads().exists()


def test_a_selection_too_large_for_one_file_is_refused(dworld, settings):
    settings.RESMON_EXPORT_MAX_CHILDREN = 3  # the national level has more children than that
    client = client_for(dworld, "national_leader")
    response = client.get(reverse("exports:overview_xlsx"))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboards:overview")  # no filter was given
    d = doc(client.get(response["Location"]))
    assert "Narrow the filter" in d.text_content()
    response = client.get("/api/v1/dashboard/export.docx")
    assert response.status_code == 400
    body = response.json()
    assert "Narrow the filter" in body["detail"] and "agency" in body["errors"]
    assert not downloads().exists()
    # a narrower selection is fine: Hà Nội's children are within the limit
    assert client.get(reverse("exports:overview_xlsx"), {"agency": dworld.hni_xa.pk}).status_code == 200
    assert downloads().count() == 1
