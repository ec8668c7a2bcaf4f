"""A report with KPIs to fill in (part C's tests): the commune People's Committee's 2026-Q1 report
on Thành ủy Hà Nội's programme, written with the ORM, and a small catalogue of indicators set as
KPIs of its task "hni_xa"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal as D

from resmon.audit.models import AuditEntry
from resmon.catalogue.models import Aggregation, Indicator
from resmon.planning.models import TargetPoint, Task, TaskIndicator
from resmon.reporting.models import Observation, PeriodReport, ReportLine, ReportState
from tests.catalogue.helpers import make_indicator
from tests.reporting.helpers import quarter


@dataclass
class Kpis:
    report: PeriodReport
    pct: Indicator  # %, 0–100, 2 decimals
    count: Indicator  # documents reviewed, whole numbers, ≥ 0
    part: Indicator  # documents amended: part of ``count``
    money: Indicator  # USD billion, 2 decimals, ≥ 0
    num: Indicator  # files digitised (numerator of a percentage)
    den: Indicator  # files received (its denominator)
    other: Indicator  # in the catalogue, but no KPI of the report's tasks


def make_report(world, period=None, *, state=ReportState.DRAFT, agency=None) -> PeriodReport:
    period = period or quarter()
    task = world.tasks["hni_xa"]
    report = PeriodReport.objects.create(
        program=task.program,
        resolution=task.resolution,
        period=period,
        agency=agency or world.hni_xa_ubnd,
        accepting_agency=world.hni,
        state=state,
        due_date=period.end + dt.timedelta(days=5),
        grace_until=period.end + dt.timedelta(days=5),
    )
    ReportLine.objects.create(report=report, task=task, position=1)
    return report


def attach(task: Task, indicator: Indicator, targets=()) -> TaskIndicator:
    kpi = TaskIndicator.objects.create(
        task=task,
        indicator=indicator,
        indicator_version=indicator.current,
        baseline_value=D(40),
        baseline_date=dt.date(2024, 12, 31),
    )
    for on, value in targets:
        TargetPoint.objects.create(kpi=kpi, on=on, value=value)
    return kpi


def build(world) -> Kpis:
    ind = make_indicator  # system administrator writes through the catalogue services
    pct = ind(world, code="T-PCT", min_value=0, max_value=100)
    count = ind(
        world, code="T-RS", unit="văn bản", aggregation=Aggregation.SUM, min_value=0, decimal_places=0
    )
    part = ind(
        world,
        code="T-SD",
        unit="văn bản",
        aggregation=Aggregation.SUM,
        min_value=0,
        decimal_places=0,
        part_of=count,
    )
    money = ind(world, code="T-FDI", unit="tỷ USD", aggregation=Aggregation.SUM, min_value=0)
    num = ind(world, code="T-HS-SO", unit="hồ sơ", aggregation=Aggregation.SUM, decimal_places=0)
    den = ind(world, code="T-HS-ALL", unit="hồ sơ", aggregation=Aggregation.SUM, decimal_places=0)
    ind(world, code="T-HS-TL", unit="%", aggregation=Aggregation.RATIO, numerator=num, denominator=den)
    other = ind(world, code="T-OTHER")
    task = world.tasks["hni_xa"]
    attach(task, pct, [(dt.date(2025, 12, 31), D(60)), (dt.date(2026, 12, 31), D(80))])
    for indicator in (count, part, money, num, den):
        attach(task, indicator)
    return Kpis(make_report(world), pct, count, part, money, num, den, other)


def history(world, indicator: Indicator, values: dict[str, D], agency=None) -> None:
    """Earlier quarters' values of the commune (each in its own, accepted, report)."""
    for code, value in values.items():
        agency_ = agency or world.hni_xa_ubnd
        report = PeriodReport.objects.filter(period=quarter(code), agency=agency_).first() or make_report(
            world, quarter(code), state=ReportState.ACCEPTED, agency=agency_
        )
        Observation.objects.create(
            indicator=indicator,
            indicator_version=indicator.current,
            agency=report.agency,
            period=report.period,
            report=report,
            value=value,
            entered_by=world.users["xa_ubnd_officer"],
        )


def state(report: PeriodReport):
    """What a refused write must leave untouched."""
    fresh = PeriodReport.objects.get(pk=report.pk)
    return (
        fresh.version,
        list(
            Observation.objects.order_by("pk").values_list(
                "pk", "indicator_id", "value", "explanation", "is_outlier"
            )
        ),
        AuditEntry.objects.count(),
    )
