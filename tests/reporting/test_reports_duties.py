"""Separation of duties: the level that accepts a report never prepares or approves it."""

import pytest

from resmon.core.errors import PermissionRefused
from resmon.reporting.models import PeriodReport
from resmon.reporting.services import reports as svc
from tests.reporting.helpers import quarter
from tests.reporting.reports_helpers import audits, create, fresh, program


def test_the_accepting_level_cannot_create_the_communes_report(rworld):
    with pytest.raises(PermissionRefused, match="cannot also prepare or approve"):
        svc.create_report(
            rworld.users["hni_officer"], program=program(rworld), period=quarter(), agency=rworld.hni_xa_ubnd
        )
    assert not PeriodReport.objects.exists()


def test_the_accepting_level_cannot_edit_or_send_the_communes_report(rworld):
    report = create(rworld)
    version = report.version
    with pytest.raises(PermissionRefused, match="cannot also prepare or approve"):
        svc.save_report(rworld.users["hni_officer"], report, results="Viết hộ xã")
    with pytest.raises(PermissionRefused):
        svc.approve_and_send(rworld.users["hni_leader"], fresh(report))
    report = fresh(report)
    assert (report.results, report.version, report.state) == ("", version, "draft")
    assert not audits("reporting.report_saved", report).exists()
    assert not svc.may(rworld.users["hni_officer"], "edit", report)
    assert svc.may(rworld.users["xa_ubnd_officer"], "edit", report)
