"""Báo cáo tổng hợp: the city People's Committee drafts its report from the accepted reports of the
agencies it assigned sub-tasks to; each line links its sources; refused like any edit."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from resmon.accounts.models import Grant, User
from resmon.audit.models import AuditEntry
from resmon.core.access import Role
from resmon.core.errors import Conflict, PermissionRefused, ValidationFailed
from resmon.reporting.models import PeriodReport, ReportLine
from resmon.reporting.services import reports as svc
from resmon.reporting.services.consolidation import consolidate_report
from tests.factories import user
from tests.reporting.helpers import quarter
from tests.reporting.reports_helpers import program, sent

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(rworld):
    """The commune's report accepted by the city; the city People's Committee's own report, new."""
    w = rworld
    w.users["ubnd_officer"] = user("ubnd_officer", w.hni_ubnd, Role.FOCAL_OFFICER)
    follows_the_commune(w)
    commune = sent(w, percent="40")
    svc.accept_report(w.users["hni_leader"], commune, expected_version=commune.version)
    report = svc.create_report(
        w.users["ubnd_officer"], program=program(w), period=quarter(), agency=w.hni_ubnd
    )
    return report


def follows_the_commune(w) -> None:
    """The city People's Committee is not above the commune in the tree: its officer reads the
    commune's reports through a grant (a consolidation only copies what its author may read)."""
    Grant.objects.create(user=w.users["ubnd_officer"], kind=Grant.Kind.INSPECTION, agency=w.hni_xa)


def line_of(report, task) -> ReportLine:
    return ReportLine.objects.get(report=report, task=task)


def audits():
    return AuditEntry.objects.filter(action="reporting.report_consolidated")


def test_lines_are_drafted_from_the_accepted_reports_below_and_linked(rworld, city):
    w = rworld
    assert consolidate_report(w.users["ubnd_officer"], city, expected_version=city.version) == 1
    line = line_of(city, w.tasks["hni"])
    source = line_of(PeriodReport.objects.get(agency=w.hni_xa_ubnd), w.tasks["hni_xa"])
    assert list(line.sources.all()) == [source]
    assert line.results == "- UBND xã Tân An (1.2): Đã triển khai (40% done)"
    report = PeriodReport.objects.get(pk=city.pk)
    assert report.results == "Consolidated from the accepted report of 1 agency: UBND xã Tân An."
    assert report.version == city.version + 1
    row = audits().get()
    assert row.object_id == str(city.pk) and row.after[f"lines.{w.tasks['hni'].pk}.sources"] == [source.pk]

    # drafting again changes nothing: no new version, no new audit row
    assert consolidate_report(w.users["ubnd_officer"], report, expected_version=report.version) == 1
    assert PeriodReport.objects.get(pk=city.pk).version == report.version and audits().count() == 1


def test_what_the_officer_wrote_is_kept(rworld, city):
    w = rworld
    city = svc.save_report(
        w.users["ubnd_officer"],
        city,
        results="Tự viết",
        lines=[{"task": w.tasks["hni"].pk, "results": "Kết quả do cán bộ viết"}],
    )
    consolidate_report(w.users["ubnd_officer"], city, expected_version=city.version)
    line = line_of(city, w.tasks["hni"])
    assert line.results == "Kết quả do cán bộ viết" and line.sources.count() == 1
    assert PeriodReport.objects.get(pk=city.pk).results == "Tự viết"


def test_only_accepted_reports_are_sources(rworld):
    w = rworld
    w.users["ubnd_officer"] = user("ubnd_officer", w.hni_ubnd, Role.FOCAL_OFFICER)
    follows_the_commune(w)
    sent(w, percent="40")  # sent, not accepted yet
    report = svc.create_report(
        w.users["ubnd_officer"], program=program(w), period=quarter(), agency=w.hni_ubnd
    )
    with pytest.raises(ValidationFailed) as refused:
        consolidate_report(w.users["ubnd_officer"], report, expected_version=report.version)
    assert refused.value.code == "nothing_to_consolidate" and "nothing to consolidate" in str(refused.value)
    assert PeriodReport.objects.get(pk=report.pk).version == report.version
    assert not line_of(report, w.tasks["hni"]).sources.exists() and not audits().exists()


@pytest.mark.parametrize("who", ["xa_ubnd_officer", "hni_leader", "hcm_officer"])
def test_others_cannot_consolidate(rworld, city, who):
    with pytest.raises(PermissionRefused):
        consolidate_report(rworld.users[who], city, expected_version=city.version)
    assert not line_of(city, rworld.tasks["hni"]).sources.exists() and not audits().exists()


def test_a_stale_version_or_a_sent_report_is_refused(rworld, city):
    w = rworld
    with pytest.raises(Conflict):
        consolidate_report(w.users["ubnd_officer"], city, expected_version=city.version - 1)
    assert not audits().exists()
    PeriodReport.objects.filter(pk=city.pk).update(state="sent")
    with pytest.raises(ValidationFailed):
        consolidate_report(w.users["ubnd_officer"], city, expected_version=city.version)
    assert not line_of(city, w.tasks["hni"]).sources.exists()


def test_api_and_page(rworld, city, bearer, client):
    w = rworld
    c = bearer("ubnd_officer")
    url = f"/api/v1/reports/{city.pk}/consolidate"
    stale = c.post(url, json.dumps({"version": 0}), content_type="application/json")
    assert stale.status_code == 409
    done = c.post(url, json.dumps({"version": city.version}), content_type="application/json")
    assert done.status_code == 200, done.content
    line = next(x for x in done.json()["lines"] if x["task"]["id"] == w.tasks["hni"].pk)
    assert [s["agency"]["id"] for s in line["sources"]] == [w.hni_xa_ubnd.pk]
    # out of scope: 404
    assert (
        bearer("hcm_officer")
        .post(url, json.dumps({"version": 2}), content_type="application/json")
        .status_code
        == 404
    )

    # the page: a button while it can draft, a form post with the version, the sources shown
    client.force_login(w.users["ubnd_officer"])
    page = client.get(f"/reports/{city.pk}/").content.decode()
    assert 'data-testid="consolidate"' in page and "1 accepted report of the agencies below" in page
    assert 'data-testid="line-sources"' in page  # the API call above linked them
    commune = PeriodReport.objects.get(agency=w.hni_xa_ubnd)
    assert f'href="/reports/{commune.pk}/#line-' in page
    client.force_login(w.users["hni_leader"])  # the accepting level sees the report, not the button
    assert 'data-testid="consolidate"' not in client.get(f"/reports/{city.pk}/").content.decode()
    client.force_login(w.users["ubnd_officer"])
    report = PeriodReport.objects.get(pk=city.pk)
    answer = client.post(f"/reports/{city.pk}/consolidate/", {"version": report.version}, follow=True)
    assert answer.status_code == 200
    assert "lines have sources" in answer.content.decode()
    assert client.post(f"/reports/{city.pk}/consolidate/", {"version": "x"}).status_code == 302
    assert PeriodReport.objects.get(pk=city.pk).version == report.version  # nothing new to draft, or refused


def test_reports_the_author_may_not_read_are_never_copied(rworld, city):
    """Without the grant, the commune's accepted report is outside the officer's scope: nothing to
    consolidate, nothing copied, no button."""
    w = rworld
    Grant.objects.filter(user=w.users["ubnd_officer"]).delete()
    officer = User.objects.get(pk=w.users["ubnd_officer"].pk)  # the scope is cached per instance
    with pytest.raises(ValidationFailed) as refused:
        consolidate_report(officer, city, expected_version=city.version)
    assert refused.value.code == "nothing_to_consolidate"
    assert not line_of(city, w.tasks["hni"]).sources.exists() and not audits().exists()
    assert line_of(city, w.tasks["hni"]).results == ""
    client = Client()
    client.force_login(officer)
    assert 'data-testid="consolidate"' not in client.get(f"/reports/{city.pk}/").content.decode()
