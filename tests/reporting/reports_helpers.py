"""Shared steps for the report workflow tests (part A): the commune's report on Thành ủy Hà Nội's
programme for 2026-Q1, filled in, sent, accepted."""

from __future__ import annotations

from resmon.audit.models import AuditEntry
from resmon.reporting.models import PeriodReport
from resmon.reporting.services import reports as svc
from tests.reporting.helpers import quarter


def program(world):
    return world.tasks["hni_xa"].program


def create(world, actor="xa_ubnd_officer", *, agency=None, period=None, **kw) -> PeriodReport:
    return svc.create_report(
        world.users[actor],
        program=program(world),
        period=period or quarter(),
        agency=agency or world.hni_xa_ubnd,
        **kw,
    )


def fill(world, report, actor="xa_ubnd_officer", percent="40") -> PeriodReport:
    """Give every leaf line a percent (what the completeness check needs)."""
    from resmon.planning.models import Task

    parents = set(Task.objects.filter(parent__isnull=False).values_list("parent_id", flat=True))
    lines = [
        {"task": line.task_id, "percent_done": percent, "results": "Đã triển khai"}
        for line in report.lines.all()
        if line.task_id not in parents
    ]
    report.refresh_from_db()
    return svc.save_report(world.users[actor], report, lines=lines, results="Kết quả chung")


def sent(world, report=None, *, percent="40") -> PeriodReport:
    """The commune's report, filled in, sent to the head and approved for sending."""
    report = report or create(world)
    report = fill(world, report, percent=percent)
    report = svc.submit_to_head(world.users["xa_ubnd_officer"], report)
    return svc.approve_and_send(world.users["xa_ubnd_leader"], report)


def audits(action: str, report=None):
    qs = AuditEntry.objects.filter(action=action)
    if report is not None:
        qs = qs.filter(object_type="reporting.periodreport", object_id=str(report.pk))
    return qs


def fresh(report) -> PeriodReport:
    return PeriodReport.objects.get(pk=report.pk)
