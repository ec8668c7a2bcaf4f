"""The pages: "Create in the background" on the overview, the list "Documents created" (filters,
status in words, progress, polling only while something runs, pagination), a document's page,
its download and its deletion with confirmation."""

from __future__ import annotations

import lxml.html
import pytest
from django.urls import reverse

from resmon.exports.models import StoredDocument
from resmon.exports.stored import services as stored
from tests.dashboards.helpers import client_for, doc, text
from tests.exports.stored.helpers import ask, audit, made, parts
from tests.reporting.helpers import quarter

pytestmark = pytest.mark.django_db
Status = StoredDocument.Status
LIST = reverse("exports:stored_list")


def shown_messages(d) -> list[str]:
    return [text(m) for m in d.xpath("//*[contains(@class, 'messages')]//*[contains(@class, 'alert')]")]


def rows(d) -> dict[str, dict]:
    out = {}
    for tr in d.xpath("//table[@data-stored-table]//tbody/tr"):
        out[tr.get("data-document")] = {
            "status": tr.get("data-status"),
            "title": text(tr.xpath("./td[1]")[0]),
            "chip": text(tr.xpath(".//*[contains(@class, 'status-chip')]")[0]),
            "download": bool(tr.xpath(".//a[@data-download]")),
            "delete": bool(tr.xpath(".//a[@data-delete]")),
            "progress": [p.get("data-progress") for p in tr.xpath(".//*[@data-progress]")],
        }
    return out


def polling(d) -> bool:
    return bool(d.xpath("//*[@id='stored-documents'][@hx-trigger]"))


def test_the_overview_offers_to_create_it_in_the_background_with_its_filters(dworld):
    client = client_for(dworld, "hni_leader")
    params = {"agency": dworld.hni_xa.pk, "resolution": dworld.res.pk, "period": quarter("2026-Q1").pk}
    d = doc(client.get(reverse("dashboards:overview"), params))
    [form] = d.xpath("//form[@data-stored-request]")
    assert form.get("method") == "post" and form.get("action") == reverse("exports:stored_request")
    hidden = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    assert {k: hidden[k] for k in params} == {k: str(v) for k, v in params.items()}
    assert [o.get("value") for o in form.xpath(".//select[@name='format']/option")] == ["pdf", "docx", "xlsx"]
    assert "Create in the background" in text(form.xpath(".//button[@data-stored-create]")[0])
    assert form.xpath(".//a[@data-stored-list]")[0].get("href") == LIST

    response = client.post(reverse("exports:stored_request"), {**params, "format": "docx"})
    assert response.status_code == 302 and response["Location"] == LIST
    created = StoredDocument.objects.get()
    assert (created.agency, created.resolution, created.period, created.format) == (
        dworld.hni_xa,
        dworld.res,
        quarter("2026-Q1"),
        "docx",
    )
    d = doc(client.get(LIST))
    assert any("is being prepared in the background" in m for m in shown_messages(d))
    row = rows(d)[str(created.pk)]
    assert row["status"] == "queued" and row["chip"] == "Waiting to start" and not row["download"]
    assert polling(d)  # something is waiting: the list refreshes itself


def test_the_list_stops_polling_once_everything_is_done_and_offers_the_download(dworld):
    client = client_for(dworld, "hni_leader")
    queued = ask(dworld, "hni_leader", "xlsx")
    # htmx asks for the table only
    partial = client.get(LIST, HTTP_HX_REQUEST="true")
    fragment = lxml.html.fromstring(partial.content.decode())
    assert fragment.get("id") == "stored-documents" and fragment.get("hx-trigger") == "every 3s"
    assert b"<html" not in partial.content
    made(queued)
    partial = client.get(LIST, HTTP_HX_REQUEST="true")
    fragment = lxml.html.fromstring(partial.content.decode())
    assert fragment.get("hx-trigger") is None  # done: the next swap ends the polling
    d = doc(client.get(LIST))
    row = rows(d)[str(queued.pk)]
    assert row["status"] == "done" and row["chip"] == "Ready" and row["download"] and row["delete"]
    assert not polling(d)


def test_a_running_document_shows_its_progress(dworld):
    queued = ask(dworld, "hni_leader", "pdf")
    StoredDocument.objects.filter(pk=queued.pk).update(
        status=Status.RUNNING, progress=60, progress_note="Saving the file"
    )
    d = doc(client_for(dworld, "hni_leader").get(LIST))
    row = rows(d)[str(queued.pk)]
    assert row["chip"] == "Being prepared" and row["progress"] == ["60"]
    assert "60% · Saving the file" in text(d.xpath("//*[@data-progress]")[0])


def test_a_failed_document_says_why(dworld, monkeypatch):
    from resmon.exports.stored import building

    monkeypatch.setattr(building, "render_file", lambda *a: 1 / 0)
    failed = made(ask(dworld, "hni_leader", "pdf"))
    client = client_for(dworld, "hni_leader")
    d = doc(client.get(LIST))
    assert rows(d)[str(failed.pk)]["chip"] == "Failed"
    assert "internal error" in text(d.xpath("//*[@data-error]")[0])
    d = doc(client.get(reverse("exports:stored_detail", args=[failed.pk])))
    assert "internal error" in text(d.xpath("//*[@data-error]")[0])
    response = client.get(reverse("exports:stored_file", args=[failed.pk]))
    assert response.status_code == 302  # no file: back to its page with the reason
    d = doc(client.get(response["Location"]))
    assert any("could not be made, so there is no file" in m for m in shown_messages(d))


def test_a_bad_filter_goes_back_to_the_overview_with_the_message(dworld):
    client = client_for(dworld, "hni_leader")
    for field in ("period", "resolution"):
        response = client.post(
            reverse("exports:stored_request"), {"agency": dworld.hni.pk, field: 999999, "format": "pdf"}
        )
        assert response["Location"] == reverse("dashboards:overview") + f"?agency={dworld.hni.pk}"
        d = doc(client.get(response["Location"]))
        assert any("does not exist" in m and "Nothing was created" in m for m in shown_messages(d))
    response = client.post(reverse("exports:stored_request"), {"agency": dworld.hni.pk, "format": "exe"})
    d = doc(client.get(response["Location"]))
    assert any("Choose the file format" in m for m in shown_messages(d))
    assert (
        client.post(reverse("exports:stored_request"), {"agency": dworld.hcm.pk, "format": "pdf"}).status_code
        == 404
    )
    assert client.get(reverse("exports:stored_request")).status_code == 302
    assert not StoredDocument.objects.exists()


def test_asking_twice_points_to_the_document_being_prepared(dworld):
    client = client_for(dworld, "hni_leader")
    first = ask(dworld, "hni_leader", "pdf")
    response = client.post(reverse("exports:stored_request"), {"agency": dworld.hni.pk, "format": "pdf"})
    d = doc(client.get(response["Location"]))
    [link] = d.xpath("//*[contains(@class, 'messages')]//a")
    assert link.get("href") == reverse("exports:stored_detail", args=[first.pk])
    assert StoredDocument.objects.count() == 1


def test_the_synchronous_refusal_for_size_points_to_the_background(dworld, settings):
    settings.RESMON_EXPORT_MAX_CHILDREN = 3
    client = client_for(dworld, "national_leader")
    response = client.get(reverse("exports:overview_pdf"))
    d = doc(client.get(response["Location"]))
    [message] = [m for m in d.xpath("//*[contains(@class, 'messages')]//*[contains(@class, 'alert')]")]
    assert "Narrow the filter" in text(message) and "Create in the background" in text(message)
    assert message.xpath(".//a")[0].get("href") == LIST
    # and in the background it is made
    response = client.post(reverse("exports:stored_request"), {"format": "xlsx"})
    assert response["Location"] == LIST
    assert made(StoredDocument.objects.get()).status == Status.DONE


def test_the_document_page_and_its_download(dworld):
    client = client_for(dworld, "hni_leader")
    queued = ask(dworld, "hni_leader", "xlsx", agency=dworld.hni.pk)
    url = reverse("exports:stored_detail", args=[queued.pk])
    d = doc(client.get(url))
    assert d.xpath("//*[@id='stored-status'][@hx-trigger]")  # polls while waiting
    assert not d.xpath("//a[@data-download]")
    response = client.get(reverse("exports:stored_file", args=[queued.pk]))
    assert response.status_code == 302 and response["Location"] == url
    assert any("not ready yet" in m for m in shown_messages(doc(client.get(url))))

    ready = made(queued)
    d = doc(client.get(url))
    assert not d.xpath("//*[@id='stored-status'][@hx-trigger]")
    assert text(d.xpath("//*[@data-sha256]")[0]) == ready.sha256
    assert "17/03/2026" in text(d.xpath("//dl")[0])  # dates as dd/mm/yyyy
    response = client.get(d.xpath("//a[@data-download]")[0].get("href"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{ready.filename}"'
    assert response["X-Content-Type-Options"] == "nosniff" and "no-store" in response["Cache-Control"]
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    body = b"".join(response.streaming_content)
    assert parts(body) == parts(stored.download_stored(dworld.users["hni_leader"], ready.pk)[1].read())
    assert audit("exports.document_downloaded").count() == 2


def test_other_peoples_documents_are_not_found(dworld):
    ready = made(ask(dworld, "hni_leader", "xlsx"))
    client = client_for(dworld, "hni_officer")  # same agency, someone else's request
    for name in ("exports:stored_detail", "exports:stored_file", "exports:stored_delete"):
        assert client.get(reverse(name, args=[ready.pk])).status_code == 404
    assert client.post(reverse("exports:stored_delete", args=[ready.pk])).status_code == 404
    assert str(ready.pk) not in rows(doc(client.get(LIST)))
    assert StoredDocument.objects.filter(pk=ready.pk).exists()


def test_deleting_asks_first(dworld):
    client = client_for(dworld, "hni_leader")
    ready = made(ask(dworld, "hni_leader", "xlsx"))
    url = reverse("exports:stored_delete", args=[ready.pk])
    d = doc(client.get(url))
    assert "cannot be downloaded again" in text(d.xpath("//main")[0])
    assert d.xpath("//form[@data-confirm-delete][@method='post']")
    assert StoredDocument.objects.filter(pk=ready.pk).exists()  # asking changed nothing
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == LIST
    assert not StoredDocument.objects.filter(pk=ready.pk).exists()
    assert any("has been deleted" in m for m in shown_messages(doc(client.get(LIST))))
    assert audit("exports.document_deleted").count() == 1


def test_a_scheduled_document_is_deleted_by_a_system_administrator_only(dworld):
    stored.generate_period_documents()
    scheduled = StoredDocument.objects.filter(agency=dworld.hni).first()
    client = client_for(dworld, "hni_leader")
    d = doc(client.get(LIST))
    row = rows(d)[str(scheduled.pk)]
    assert not row["delete"]
    assert "Schedule (automatic)" in text(d.xpath(f"//tr[@data-document='{scheduled.pk}']")[0])
    d = doc(client.get(reverse("exports:stored_delete", args=[scheduled.pk])))
    assert "Only a system administrator" in text(d.xpath("//main")[0]) and not d.xpath(
        "//form[@data-confirm-delete]"
    )
    response = client.post(reverse("exports:stored_delete", args=[scheduled.pk]))
    assert response.status_code == 302
    assert StoredDocument.objects.filter(pk=scheduled.pk).exists()
    admin = client_for(dworld, "sysadmin")
    assert rows(doc(admin.get(LIST)))[str(scheduled.pk)]["delete"]
    admin.post(reverse("exports:stored_delete", args=[scheduled.pk]))
    assert not StoredDocument.objects.filter(pk=scheduled.pk).exists()


def test_the_filters_and_the_pages(dworld):
    stored.generate_period_documents()  # 2026-Q1: Hà Nội's PDF and Excel
    mine = made(ask(dworld, "hni_leader", "docx", agency=dworld.hni_xa.pk))
    client = client_for(dworld, "hni_leader")
    d = doc(client.get(LIST))
    assert len(rows(d)) == 3
    assert [o.text_content().strip() for o in d.xpath("//select[@name='agency']/option")][1:] == [
        dworld.hni.name,
        dworld.hni_xa.name,
    ]
    assert set(rows(doc(client.get(LIST, {"agency": dworld.hni_xa.pk})))) == {str(mine.pk)}
    assert len(rows(doc(client.get(LIST, {"agency": dworld.hni.pk})))) == 3  # the subtree
    assert len(rows(doc(client.get(LIST, {"format": "pdf"})))) == 1
    assert set(rows(doc(client.get(LIST, {"status": "done"})))) == {str(mine.pk)}
    assert len(rows(doc(client.get(LIST, {"period": quarter("2026-Q1").pk})))) == 2
    assert len(rows(doc(client.get(LIST, {"kind": "overview"})))) == 3
    # nonsense in the query string is ignored, never an error
    bad = {"agency": "x", "period": "99999999999999999999", "status": "<b>", "kind": "?", "format": "exe"}
    assert len(rows(doc(client.get(LIST, bad)))) == 3
    empty = doc(client.get(LIST, {"status": "failed"}))
    assert "No document matches these filters" in text(empty.xpath("//*[@data-empty]")[0])


def test_fifty_a_page(dworld):
    leader = dworld.users["hni_leader"]
    StoredDocument.objects.bulk_create(
        StoredDocument(
            format="pdf", agency=dworld.hni, title=f"Tài liệu {i}", status=Status.DONE, requested_by=leader
        )
        for i in range(51)
    )
    client = client_for(dworld, "hni_leader")
    d = doc(client.get(LIST))
    assert len(rows(d)) == 50 and "1–50 of 51" in text(d.xpath("//nav[@aria-label='Pages']")[0])
    assert len(rows(doc(client.get(LIST, {"page": 2})))) == 1


def test_nothing_yet(dworld):
    d = doc(client_for(dworld, "xa_officer").get(LIST))
    assert "No document has been created yet" in text(d.xpath("//*[@data-empty]")[0])
    assert not polling(d)
