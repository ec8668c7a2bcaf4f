"""Reporting objects for the permission matrix (tests/test_permission_matrix.py): sent period reports
of three agencies in different scopes, each with a line, an evidence file, a proposal to the
accepting level and an explanation request. Made with the ORM (no clock, no services), once per
world; the matrix only sends refused or invalid writes, so they stay as they are."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile

from resmon.catalogue import services_periods
from resmon.catalogue.models import ReportingPeriod
from resmon.core.access import visible_to
from resmon.reporting import selectors, selectors_explanations, selectors_proposals
from resmon.reporting.models import (
    Evidence,
    ExplanationRequest,
    PeriodReport,
    Proposal,
    ReportLine,
    ReportState,
)

KINDS = ("report", "evidence", "proposal", "explanation")


def _period() -> ReportingPeriod:
    cutoff = services_periods.configured_cutoff()
    found = ReportingPeriod.objects.filter(code="2026-Q1", kind="quarter", cutoff=cutoff).first()
    if found:
        return found
    services_periods.generate_periods(years_ahead=0, first_year=2026)
    return ReportingPeriod.objects.get(code="2026-Q1", kind="quarter", cutoff=cutoff)


def _make(world) -> None:
    period = _period()
    sent_at = dt.datetime(2026, 3, 17, 3, 0, tzinfo=dt.UTC)
    # (task, reporting agency, accepting level, who prepared it)
    cases = (
        ("hni_xa", world.hni_xa_ubnd, world.hni, world.hni, "xa_officer"),
        ("hcm_xa", world.hcm_xa, world.hcm, world.hcm, "hcm_officer"),
        ("ministry", world.bo_khcn, world.dang_uy_cp, world.dang_uy_cp, "ministry_officer"),
    )
    for key, agency, accepting, asking, preparer in cases:
        task = world.tasks[key]
        user = world.users[preparer]
        report = PeriodReport.objects.create(
            program=task.program,
            resolution=task.resolution,
            period=period,
            agency=agency,
            accepting_agency=accepting,
            state=ReportState.SENT,
            due_date=period.end + dt.timedelta(days=5),
            grace_until=period.end + dt.timedelta(days=5),
            first_sent_at=sent_at,
            sent_at=sent_at,
        )
        line = ReportLine.objects.create(report=report, task=task, percent_done=40)
        evidence = Evidence(
            line=line,
            kind=Evidence.Kind.FILE,
            title="Biên bản kiểm thử",
            original_name="bien-ban.pdf",
            content_type="application/pdf",
            uploaded_by=user,
        )
        content = b"%PDF-1.4\n% matrix\n"
        evidence.file.save("matrix.pdf", ContentFile(content), save=False)
        evidence.size = len(content)
        evidence.save()
        Proposal.objects.create(
            report=report,
            line=line,
            text="Đề nghị hướng dẫn thực hiện",
            raised_by_agency=agency,
            addressed_to=accepting,
            created_by=user,
        )
        ExplanationRequest.objects.create(
            agency=agency,
            requesting_agency=asking,
            requested_by=world.users["sysadmin"],
            report=report,
            question="Vì sao tiến độ chậm so với kế hoạch?",
            due_date=dt.date(2026, 4, 30),
        )


def matrix_objects(world, kind: str) -> list:
    if not PeriodReport.objects.exists():
        _make(world)
    model = {
        "report": PeriodReport,
        "evidence": Evidence,
        "proposal": Proposal,
        "explanation": ExplanationRequest,
    }[kind]
    return list(model.objects.order_by("pk"))


def matrix_visible_ids(user, kind: str) -> set[int]:
    if kind == "report":
        qs = selectors.reports_for(user)
    elif kind == "evidence":
        qs = visible_to(user, Evidence.objects.all())
    elif kind == "proposal":
        qs = selectors_proposals.visible_proposals(user)
    elif kind == "explanation":
        qs = selectors_explanations.explanations_for(user, box="all")
    else:
        raise AssertionError(kind)
    return set(qs.values_list("pk", flat=True))
