"""The reporting world: the test world plus the people of a commune's People's Committee and the
national period calendar. Today is 17/03/2026 (Asia/Ho_Chi_Minh) unless a test travels elsewhere:
the quarter 2026-Q1 (Decree 09 cut-off: 15/12/2025–14/03/2026) has ended and its report is due
on 19/03/2026 (default schedule: quarterly, 5 days after the period ends)."""

from __future__ import annotations

import datetime as dt

from resmon.catalogue.models import Cutoff, PeriodKind, ReportingPeriod
from resmon.catalogue.services_periods import generate_periods
from resmon.core.access import Role
from tests.factories import user

TODAY = dt.datetime(2026, 3, 17, 3, 0, tzinfo=dt.UTC)  # 10:00 in Hà Nội
AFTER_DUE = dt.datetime(2026, 3, 25, 3, 0, tzinfo=dt.UTC)


def add_reporting_people(world) -> None:
    """xa_ubnd_officer / xa_ubnd_leader: the commune People's Committee that leads task "hni_xa"
    (assigned by Thành ủy Hà Nội, who accepts its report); so_leader: the department's head."""
    world.users["xa_ubnd_officer"] = user("xa_ubnd_officer", world.hni_xa_ubnd, Role.FOCAL_OFFICER)
    world.users["xa_ubnd_leader"] = user("xa_ubnd_leader", world.hni_xa_ubnd, Role.LEADER)
    world.users["so_leader"] = user("so_leader", world.hni_so, Role.LEADER)


def make_periods() -> None:
    generate_periods(first_year=2025, years_ahead=1, cutoff=Cutoff.DECREE09)


def quarter(code: str = "2026-Q1") -> ReportingPeriod:
    return ReportingPeriod.objects.get(kind=PeriodKind.QUARTER, cutoff=Cutoff.DECREE09, code=code)
