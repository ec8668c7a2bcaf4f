"""History for the forecast tests: accepted report lines and KPI values written straight into the
tables (the report workflow has its own tests; here only what was accepted, and when, matters)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from resmon.catalogue.models import Cutoff, PeriodKind, ReportingPeriod
from resmon.core import clock
from resmon.monitoring.forecasts.models import TaskForecast
from resmon.reporting.models import Observation, PeriodReport, ReportLine, ReportState
from resmon.reporting.services.reports import accepting_agency_for


def period(code: str) -> ReportingPeriod:
    return ReportingPeriod.objects.get(kind=PeriodKind.QUARTER, cutoff=Cutoff.DECREE09, code=code)


def accepted_at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)), clock.tz())


def report(world, task, code: str, *, accepted_on: dt.date | None = None, state=ReportState.ACCEPTED):
    p = period(code)
    agency = task.lead_agency
    found = PeriodReport.objects.filter(program=task.program, period=p, agency=agency).first()
    if found:
        return found
    return PeriodReport.objects.create(
        program=task.program,
        resolution=task.resolution,
        period=p,
        agency=agency,
        accepting_agency=accepting_agency_for(task.program, agency),
        state=state,
        due_date=p.end + dt.timedelta(days=5),
        grace_until=p.end + dt.timedelta(days=5),
        accepted_at=accepted_at(accepted_on or p.end + dt.timedelta(days=10))
        if state == ReportState.ACCEPTED
        else None,
    )


def line(world, task, code: str, percent, **kw) -> ReportLine:
    r = report(world, task, code, **kw)
    return ReportLine.objects.create(report=r, task=task, percent_done=Decimal(str(percent)))


def value(world, kpi, code: str, amount, **kw) -> Observation:
    task = kpi.task
    r = report(world, task, code, **kw)
    return Observation.objects.create(
        indicator=kpi.indicator,
        indicator_version=kpi.indicator_version,
        agency=task.lead_agency,
        period=r.period,
        report=r,
        value=Decimal(str(amount)),
        entered_by=world.users["sysadmin"],
    )


def cached(task, **fields) -> TaskForecast:
    """A forecast row as the daily job would leave it (for the pages, the API and the lists)."""
    base = {
        "as_of": dt.date(2026, 3, 17),
        "method": "linear",
        "points": 3,
        "computed_at": clock.now(),
    }
    base.update(fields)
    obj, _ = TaskForecast.objects.update_or_create(task=task, defaults=base)
    return obj
