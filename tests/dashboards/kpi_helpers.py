"""The KPIs of the KPI-band tests (tests/dashboards/test_kpis.py, tests/browser/test_kpis_page.py):
see the first for what each one is. Flat trajectories: the planned value is the baseline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from resmon.catalogue.models import Direction
from resmon.reporting.models import Observation, PeriodReport, ReportLine, ReportState
from tests.planning.kpi_helpers import indicator, kpi
from tests.reporting.helpers import quarter

BASE = dt.date(2025, 1, 1)
END = dt.date(2026, 12, 31)


def _report(world, task, agency, state):
    period = quarter()
    report, _created = PeriodReport.objects.get_or_create(
        program=task.program,
        period=period,
        agency=agency,
        defaults={
            "resolution": task.resolution,
            "accepting_agency": task.assigned_by,
            "state": state,
            "due_date": period.end + dt.timedelta(days=5),
            "grace_until": period.end + dt.timedelta(days=5),
        },
    )
    ReportLine.objects.get_or_create(report=report, task=task, defaults={"position": 1})
    return report


def _kpi(world, key, code, plan, actual, *, direction=Direction.HIGHER, state=ReportState.ACCEPTED):
    task = world.tasks[key]
    ind = indicator(world.bo_khcn, code, direction=direction, name=f"Chỉ tiêu {code}", unit="hồ sơ")
    k = kpi(task, ind, targets=((END, str(plan)),), baseline=(str(plan), BASE))
    if actual is not None:
        report = _report(world, task, task.lead_agency, state)
        Observation.objects.create(
            indicator=ind,
            indicator_version=ind.current,
            agency=task.lead_agency,
            period=report.period,
            report=report,
            value=D(actual),
            entered_by=world.users["sysadmin"],
        )
    return k


def build_kpis(world) -> None:
    """Six KPIs under Thành ủy Hà Nội (one in each band and more) and one in Hồ Chí Minh City,
    with their 2026-Q1 values; kept in ``world.kpis`` by indicator code."""
    world.kpis = {
        "ABOVE": _kpi(world, "hni_xa", "ABOVE", 100, 120),
        "NINETY": _kpi(world, "hni_xa", "NINETY", 100, 90),
        "FEWER": _kpi(world, "hni_xa", "FEWER", 10, 8, direction=Direction.LOWER),
        "MORE": _kpi(world, "hni_xa", "MORE", 10, 20, direction=Direction.LOWER),
        "HALF": _kpi(world, "hni_so", "HALF", 100, 50),
        "SENT": _kpi(world, "hni", "SENT", 100, 95, state=ReportState.SENT),
        "HCM": _kpi(world, "hcm", "HCM", 100, 100),
    }
