"""Báo cáo tổng hợp: a level's period report drafted from the accepted reports of the agencies
below it.

For each line of the report (a task the agency leads), the sources are the lines of ACCEPTED
reports on the same programme and period, of other agencies, whose task lies under that task in
the programme's tree (the sub-tasks the agency assigned down), and only those the user may read.
Each source goes to the nearest line above it. Empty results and obstacles are drafted from the
sources, one paragraph per source ("Agency (task code): text"); what the user already wrote is
kept, so drafting again after more reports were accepted only fills what is still empty. The links
to the sources are stored on the lines (``ReportLine.sources``) and shown with them; the report is
then edited and sent as usual.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from resmon.audit.services import record
from resmon.core.access import visible_to
from resmon.core.errors import ValidationFailed
from resmon.core.models import check_version
from resmon.planning.models import Task

from ..models import PeriodReport, ReportLine, ReportState
from .reports import TEXT_MAX, ensure_editable, lock_report, touch


def _nearest_line(task_id: int, parent_of: dict[int, int | None], line_tasks: set[int]) -> int | None:
    """The nearest task above ``task_id`` (itself excluded) that is a line of the report."""
    seen: set[int] = set()
    current = parent_of.get(task_id)
    while current is not None and current not in seen:
        if current in line_tasks:
            return current
        seen.add(current)
        current = parent_of.get(current)
    return None


def source_lines(user: Any, report: PeriodReport) -> dict[int, list[ReportLine]]:
    """{task id of a line of ``report``: the accepted lines below it that ``user`` may read}, in
    tree order of agencies (a report outside the user's scope is never copied from)."""
    parent_of = dict(Task.objects.filter(program_id=report.program_id).values_list("id", "parent_id"))
    line_tasks = set(report.lines.values_list("task_id", flat=True))
    candidates = (
        visible_to(
            user,
            ReportLine.objects.filter(
                report__program_id=report.program_id,
                report__period_id=report.period_id,
                report__state=ReportState.ACCEPTED,
            )
            .exclude(report__agency_id=report.agency_id)
            .exclude(task_id__in=line_tasks),
        )
        .select_related("report__agency", "task")
        .order_by("report__agency__path", "position", "id")
    )
    out: dict[int, list[ReportLine]] = defaultdict(list)
    for line in candidates:
        target = _nearest_line(line.task_id, parent_of, line_tasks)
        if target is not None:
            out[target].append(line)
    return dict(out)


def source_reports(user: Any, report: PeriodReport) -> int:
    """How many accepted reports below the report ``user`` could draft it from (the page's button)."""
    return len({src.report_id for group in source_lines(user, report).values() for src in group})


def _percent(value: Any) -> str:
    if value is None:
        return ""
    text = f"{value.normalize():f}".replace(".", ",")
    return " " + _("(%(percent)s%% done)") % {"percent": text}


def _draft(sources: list[ReportLine], field: str) -> str:
    paragraphs = []
    for src in sources:
        text = getattr(src, field).strip()
        if not text and field == "obstacles":
            continue
        label = f"{src.report.agency.name} ({src.task.code or '#' + str(src.task_id)})"
        suffix = _percent(src.percent_done) if field == "results" else ""
        paragraphs.append(f"- {label}: {text or _('no results written')}{suffix}")
    return "\n".join(paragraphs)[:TEXT_MAX]


@transaction.atomic
def consolidate_report(actor: Any, report: PeriodReport, *, expected_version: int | None = None) -> int:
    """Draft the report's empty texts from the accepted reports below it and link the sources.
    Returns how many lines received sources. Refused like any edit (rights, state, closed period,
    stale version); with no accepted report below, a message saying so and nothing changed."""
    report = lock_report(report)
    ensure_editable(actor, report)
    check_version(report, expected_version)
    found = source_lines(actor, report)
    if not found:
        raise ValidationFailed(
            _(
                "No report of an agency below %(agency)s on this programme has been accepted for "
                "%(period)s yet, so there is nothing to consolidate."
            )
            % {"agency": report.agency.name, "period": report.period.label},
            code="nothing_to_consolidate",
        )
    lines = {line.task_id: line for line in report.lines.prefetch_related("sources")}
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for task_id, sources in found.items():
        line = lines[task_id]
        fields = []
        for field in ("results", "obstacles"):
            drafted = _draft(sources, field)
            if drafted and not getattr(line, field).strip():
                before[f"lines.{task_id}.{field}"] = getattr(line, field)
                setattr(line, field, drafted)
                after[f"lines.{task_id}.{field}"] = drafted
                fields.append(field)
        if fields:
            line.save(update_fields=[*fields, "updated_at"])
        wanted = {s.pk for s in sources}
        current = {s.pk for s in line.sources.all()}
        if wanted != current:
            before[f"lines.{task_id}.sources"] = sorted(current)
            after[f"lines.{task_id}.sources"] = sorted(wanted)
            line.sources.set(wanted)
    agencies = sorted({s.report.agency.name for group in found.values() for s in group})
    if not report.results.strip():
        summary = ngettext(
            "Consolidated from the accepted report of %(n)s agency: %(names)s.",
            "Consolidated from the accepted reports of %(n)s agencies: %(names)s.",
            len(agencies),
        ) % {
            "n": len(agencies),
            "names": ", ".join(agencies),
        }
        before["results"], after["results"] = report.results, summary[:TEXT_MAX]
        report.results = after["results"]
        report.save(update_fields=["results", "updated_at"])
    if not after:
        return len(found)
    touch(actor, report, expected_version)
    record(
        actor,
        "reporting.report_consolidated",
        report,
        before=before,
        after=after,
        agency_path=report.agency.path,
    )
    return len(found)
