"""The report page: the form for those who prepare it, read-only for the others, saving by hand
and by the autosave, and nothing typed lost on an error or a conflict."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from resmon.audit.models import AuditEntry
from resmon.reporting.models import Observation, PeriodReport, ReportLine
from resmon.reporting.services import reports as svc
from tests.reporting import kpi_helpers
from tests.reporting.page_helpers import client_for, open_form, report_url
from tests.reporting.reports_helpers import create, fill, fresh, sent
from tests.web.helpers import assert_safe_page

pytestmark = pytest.mark.django_db


def key(task, field):
    return f"line-{task.pk}-{field}"


def test_the_preparer_gets_the_form_the_others_read_it_and_strangers_get_a_404(rworld):
    w = rworld
    report = create(w)
    html = assert_safe_page(client_for(w, "xa_ubnd_officer").get(report_url(report)))
    assert 'id="report-form"' in html and f'hx-post="{report_url(report, "reporting:autosave")}"' in html
    assert 'id="report-version" value="1"' in html
    assert "Send to the head for approval" in html and "Approve and send" not in html
    assert "1. Classification" in html  # the evidence form starts with the classification
    leader = assert_safe_page(client_for(w, "xa_ubnd_leader").get(report_url(report)))
    assert "Approve and send" in leader  # the head may send it directly
    for reader in ("inspector", "steering"):
        html = assert_safe_page(client_for(w, reader).get(report_url(report)))
        assert 'id="report-form"' not in html and "Send to the head" not in html
        assert "Nhiệm vụ của UBND xã Tân An" in html
    for stranger in ("hcm_officer", "xa2_officer", "hni_so_officer"):
        assert client_for(w, stranger).get(report_url(report)).status_code == 404
    assert client_for(w, "xa_ubnd_officer").get(reverse("reporting:detail", args=[10**9])).status_code == 404


def test_saving_the_form_records_what_was_typed(rworld):
    w = rworld
    report = create(w)
    leaf = w.tasks["hni_xa"]
    c, data = open_form(w, "xa_ubnd_officer", report)
    data.update(
        {
            "results": "Đã ban hành kế hoạch",
            key(leaf, "percent_done"): "45,5",
            key(leaf, "results"): "Xong khảo sát",
        }
    )
    response = c.post(report_url(report), data)
    assert response.status_code == 302 and response["Location"] == report_url(report)
    report = fresh(report)
    assert report.results == "Đã ban hành kế hoạch" and report.version == 2
    line = ReportLine.objects.get(report=report, task=leaf)
    assert line.percent_done == Decimal("45.5") and line.results == "Xong khảo sát"
    assert AuditEntry.objects.filter(action="reporting.report_saved").count() == 1
    page = c.get(report_url(report)).content.decode()
    assert "The report has been saved." in page
    assert f'name="{key(leaf, "percent_done")}" value="45.5"' in page  # as typed back (en: a point)


def test_a_bad_value_is_shown_by_its_field_and_nothing_is_saved_or_lost(rworld):
    w = rworld
    report = create(w)
    leaf = w.tasks["hni_xa"]
    c, data = open_form(w, "xa_ubnd_officer", report)
    audits = AuditEntry.objects.count()
    data.update({"results": "Văn bản tôi vừa gõ", key(leaf, "percent_done"): "150"})
    response = c.post(report_url(report), data)
    assert response.status_code == 200
    html = assert_safe_page(response)
    errors = response.context["form"].errors
    assert key(leaf, "percent_done") in errors  # next to the percent field
    assert "Văn bản tôi vừa gõ" in html and 'value="150"' in html  # what was typed is still there
    assert "Nothing was saved" in html
    assert fresh(report).version == 1 and fresh(report).results == ""
    assert AuditEntry.objects.count() == audits
    # a date that is not a date: the form says how to write it, the service is not even asked
    data[key(leaf, "percent_done")] = "40"
    data[key(leaf, "completed_on")] = "31/02/2026"
    response = c.post(report_url(report), data)
    assert "Write the date as dd/mm/yyyy" in response.content.decode()
    assert fresh(report).version == 1


def test_a_stale_copy_names_who_changed_it_and_keeps_the_typed_text(rworld):
    w = rworld
    report = create(w)
    c, data = open_form(w, "xa_ubnd_officer", report)
    svc.save_report(w.users["xa_ubnd_leader"], fresh(report), expected_version=1, results="Bản của lãnh đạo")
    data["results"] = "Bản của cán bộ"
    response = c.post(report_url(report), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "xa_ubnd_leader" in html and "Bản của cán bộ" in html
    assert "Someone else changed this report" in html
    assert fresh(report).results == "Bản của lãnh đạo"
    assert 'id="report-version" value="1"' in html  # pressing Save again cannot overwrite blindly


def test_a_parent_task_shows_its_rolled_up_progress_instead_of_an_input(rworld):
    w = rworld
    report = create(w, actor="sysadmin", agency=w.hni_ubnd)  # the city's People's Committee
    parent = w.tasks["hni"]
    response = client_for(w, "sysadmin").get(report_url(report))
    html = assert_safe_page(response)
    assert f'name="{key(parent, "percent_done")}"' not in html
    assert "Calculated from its sub-tasks by weight" in html
    assert f'name="{key(parent, "results")}"' in html


# --- the autosave (htmx) -------------------------------------------------------------------------


def test_the_autosave_answers_the_status_and_the_new_version(rworld):
    w = rworld
    report = create(w)
    c, data = open_form(w, "xa_ubnd_officer", report)
    data["obstacles"] = "Thiếu kinh phí"
    response = c.post(report_url(report, "reporting:autosave"), data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Draft saved at 10:00" in html
    assert 'id="report-version" value="2" hx-swap-oob="true"' in html
    assert fresh(report).obstacles == "Thiếu kinh phí"
    # the next autosave carries the new version: no conflict with one's own save
    data["version"] = "2"
    data["obstacles"] = "Thiếu kinh phí và nhân lực"
    html = c.post(report_url(report, "reporting:autosave"), data).content.decode()
    assert "Draft saved" in html and fresh(report).version == 3


def test_the_autosave_reports_a_conflict_and_saves_nothing(rworld):
    w = rworld
    report = create(w)
    c, data = open_form(w, "xa_ubnd_officer", report)
    svc.save_report(w.users["xa_ubnd_leader"], fresh(report), results="Bản của lãnh đạo")
    data["results"] = "Bản của cán bộ"
    html = c.post(report_url(report, "reporting:autosave"), data).content.decode()
    assert "xa_ubnd_leader" in html and "still on this page" in html
    assert "hx-swap-oob" not in html
    assert fresh(report).results == "Bản của lãnh đạo"


def test_the_autosave_says_when_the_report_can_no_longer_be_edited(rworld):
    w = rworld
    report = fill(w, create(w))
    c, data = open_form(w, "xa_ubnd_officer", report)
    svc.submit_to_head(w.users["xa_ubnd_officer"], fresh(report))
    data["results"] = "Muộn rồi"
    html = c.post(report_url(report, "reporting:autosave"), data).content.decode()
    assert "can no longer be edited" in html
    assert fresh(report).results != "Muộn rồi"


def test_pages_of_a_report_outside_the_scope_are_404(rworld):
    w = rworld
    report = sent(w)
    c = client_for(w, "hcm_officer")
    assert c.post(report_url(report, "reporting:autosave"), {"results": "x"}).status_code == 404
    assert c.post(report_url(report), {"results": "x"}).status_code == 404
    assert c.post(report_url(report, "reporting:act"), {"action": "accept"}).status_code == 404
    assert fresh(report).state == "sent"


# --- KPI values -----------------------------------------------------------------------------------


def test_kpi_values_are_saved_with_the_form_and_last_period_is_shown(rworld):
    w = rworld
    k = kpi_helpers.build(w)
    kpi_helpers.history(w, k.count, {"2025-Q4": Decimal(12)})
    c, data = open_form(w, "xa_ubnd_officer", k.report)
    page = c.get(report_url(k.report)).content.decode()
    assert 'data-kpi="T-RS"' in page and ">12<" in page  # last period's value beside the input
    data[f"kpi-{k.pct.pk}-value"] = "45,5"
    data[f"kpi-{k.count.pk}-value"] = "12,5"  # a count is a whole number
    response = c.post(report_url(k.report), data)
    assert response.status_code == 200
    assert f"kpi-{k.count.pk}-value" in response.context["form"].errors
    assert Observation.objects.get(indicator=k.pct, report=k.report).value == Decimal("45.5")
    assert not Observation.objects.filter(indicator=k.count, report=k.report).exists()
    assert "Some changes were saved, others were not" in response.content.decode()
    assert 'value="12,5"' in response.content.decode()  # the refused value is still in its box


def test_an_unusual_kpi_value_asks_for_an_explanation(rworld):
    w = rworld
    k = kpi_helpers.build(w)
    kpi_helpers.history(w, k.money, {"2025-Q2": Decimal(50), "2025-Q3": Decimal(52), "2025-Q4": Decimal(51)})
    c, data = open_form(w, "xa_ubnd_officer", k.report)
    data[f"kpi-{k.money.pk}-value"] = "500"
    assert c.post(report_url(k.report), data).status_code == 302
    obs = Observation.objects.get(indicator=k.money, report=k.report)
    assert obs.is_outlier
    html = c.get(report_url(k.report)).content.decode()
    assert "data-outlier" in html and "Explain it below before sending the report." in html
    data = open_form(w, "xa_ubnd_officer", PeriodReport.objects.get(pk=k.report.pk))[1]
    data[f"kpi-{k.money.pk}-explanation"] = "Một dự án lớn giải ngân trong quý"
    assert c.post(report_url(k.report), data).status_code == 302
    obs.refresh_from_db()
    assert obs.value == Decimal(500) and obs.explanation == "Một dự án lớn giải ngân trong quý"


def test_the_report_page_reads_the_same_few_queries_whatever_the_number_of_lines(rworld):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import task as make_task
    from tests.reporting.helpers import quarter

    w = rworld

    def queries(report) -> int:
        c = client_for(w, "xa_ubnd_officer")
        c.get(report_url(report))
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(report_url(report)).status_code == 200
        return len(ctx.captured_queries)

    small = create(w, period=quarter("2025-Q4"))
    for i in range(10):
        make_task(w.tasks["hni_xa"].program, w.hni_xa_ubnd, assigned_by=w.hni, code=f"1.{i + 3}")
    large = create(w)
    assert large.lines.count() == 11
    assert queries(large) == queries(small)
