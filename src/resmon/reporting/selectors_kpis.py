"""Reads of the KPI values of a period report: one row per indicator of the report's tasks, with
its target for the period, last period's value and this period's value.

The report passed in was read through ``selectors.get_report`` (scoped); these functions read
only what belongs to it. A handful of queries whatever the number of KPIs.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from resmon.catalogue.models import Indicator, IndicatorVersion, ReportingPeriod
from resmon.planning.models import Task, TaskIndicator
from resmon.planning.trajectory import expected_value, points_of

from .models import Observation, PeriodReport
from .outliers import unusual
from .services.observations import HISTORY_SIZE


@dataclass
class KpiRow:
    indicator: Indicator
    version: IndicatorVersion | None  # the current definition: unit, valid range, decimal places
    tasks: list[Task] = field(default_factory=list)  # the report's tasks that carry this KPI
    target: Decimal | None = None  # the trajectory's value at the end of the period
    target_on: dt.date | None = None
    last_value: Decimal | None = None  # this agency's value in the previous period of the same kind
    last_period: ReportingPeriod | None = None
    observation: Observation | None = None  # this period's value for this agency
    outlier_reason: str | None = None  # why the value looks unusual (when it is flagged)
    report_id: int | None = None

    @property
    def reported_elsewhere(self) -> bool:
        """This period's value was entered in another report of the agency (read-only here)."""
        return self.observation is not None and self.observation.report_id != self.report_id


def previous_period(period: ReportingPeriod) -> ReportingPeriod | None:
    """The period of the same kind (and calendar) just before ``period``."""
    return (
        ReportingPeriod.objects.filter(kind=period.kind, cutoff=period.cutoff, start__lt=period.start)
        .order_by("-start")
        .first()
    )


def _kpis(report: PeriodReport) -> list[TaskIndicator]:
    return list(
        TaskIndicator.objects.filter(task__report_lines__report=report)
        .select_related("indicator__current", "task")
        .prefetch_related("targets")
        .order_by("task__report_lines__position", "task_id", "indicator__code")
    )


def _values(agency_id: int, period: ReportingPeriod | None, indicator_ids) -> dict[int, Decimal]:
    if period is None:
        return {}
    rows = Observation.objects.filter(
        agency_id=agency_id, period=period, indicator_id__in=list(indicator_ids)
    )
    return dict(rows.values_list("indicator_id", "value"))


def last_values(report: PeriodReport) -> dict[int, Decimal]:
    """indicator id -> the reporting agency's value in the previous period of the same kind,
    for the KPIs of the report's tasks."""
    ids = TaskIndicator.objects.filter(task__report_lines__report=report).values_list(
        "indicator_id", flat=True
    )
    return _values(report.agency_id, previous_period(report.period), set(ids))


def _reasons(report: PeriodReport, flagged: list[Observation]) -> dict[int, str | None]:
    """Why each flagged value is unusual, against the same history the save used."""
    if not flagged:
        return {}
    period = report.period
    history: dict[int, list[Decimal]] = defaultdict(list)
    rows = (
        Observation.objects.filter(
            agency_id=report.agency_id,
            indicator_id__in=[o.indicator_id for o in flagged],
            period__kind=period.kind,
            period__cutoff=period.cutoff,
            period__start__lt=period.start,
        )
        .order_by("period__start")
        .values_list("indicator_id", "value")
    )
    for indicator_id, value in rows:
        history[indicator_id].append(value)
    return {o.indicator_id: unusual(o.value, history[o.indicator_id][-HISTORY_SIZE:]) for o in flagged}


def report_kpis(report: PeriodReport) -> list[KpiRow]:
    """One row per indicator of the report's tasks' KPIs, in the order of the report's lines."""
    period = report.period
    rows: dict[int, KpiRow] = {}
    for kpi in _kpis(report):
        row = rows.get(kpi.indicator_id)
        if row is None:
            row = rows[kpi.indicator_id] = KpiRow(
                indicator=kpi.indicator,
                version=kpi.indicator.current,
                target=expected_value(points_of(kpi), period.end),
                target_on=period.end,
                report_id=report.pk,
            )
        elif row.target is None:
            row.target = expected_value(points_of(kpi), period.end)
        if kpi.task not in row.tasks:
            row.tasks.append(kpi.task)
    if not rows:
        return []
    before = previous_period(period)
    last = _values(report.agency_id, before, rows)
    current = {
        o.indicator_id: o
        for o in Observation.objects.filter(
            agency_id=report.agency_id, period=period, indicator_id__in=list(rows)
        )
    }
    reasons = _reasons(report, [o for o in current.values() if o.is_outlier])
    for indicator_id, row in rows.items():
        row.last_period = before
        row.last_value = last.get(indicator_id)
        row.observation = current.get(indicator_id)
        row.outlier_reason = reasons.get(indicator_id)
    return list(rows.values())
