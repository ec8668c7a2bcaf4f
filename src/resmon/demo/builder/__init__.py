"""The synthetic national demo data set: agency tree, resolutions, programmes, tasks, accounts, reports.

Everything is generated deterministically (seed 2025) and written with bulk_create in one
transaction; task progress is judged against the real today (``core.clock.today()``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Count, Q

from resmon.accounts.models import User
from resmon.agencies.models import Agency, AgencyKind
from resmon.audit.services import record
from resmon.catalogue.services_periods import generate_periods
from resmon.core import clock
from resmon.monitoring.alerts.services import refresh_alerts
from resmon.monitoring.forecasts.services import refresh_forecasts
from resmon.planning.models import ActionProgram, Resolution, Task, TaskCoordination
from resmon.reporting.models import PeriodReport
from resmon.restructuring.replay import read_rows, replay_merger
from resmon.rollups import services as rollups

from .coordination import add_parts_and_dependencies
from .directives import build_directives
from .evaluations import build_evaluations
from .former import build_former
from .indicators import seed_indicators
from .people import DOCUMENTED_USERNAMES, create_accounts, documented_accounts
from .plans import PlanBuilder
from .reports import build_reports
from .resolutions import RESOLUTIONS, create_resolutions
from .tree import DATA_DIR, MERGER_DAY, attach_provinces, build_tree, save_tree

SEED = 2025
MARKER_RESOLUTION = "57-NQ/TW"
ROOT_CODE = "TW"


def demo_loaded() -> bool:
    """The data set is there: the demo copy of Resolution 57 and the national root."""
    return (
        Resolution.objects.filter(number=MARKER_RESOLUTION, is_demo=True).exists()
        and Agency.objects.filter(code=ROOT_CODE).exists()
    )


def conflicting_data() -> list[str]:
    """What already in the database would clash with the demo set (empty: safe to load)."""
    found = []
    if Agency.objects.exists():
        found.append(f"{Agency.objects.count()} agencies")
    numbers = [r.number for r in RESOLUTIONS]
    taken = User.objects.filter(Q(username__in=DOCUMENTED_USERNAMES) | Q(username__startswith="daumoi."))
    if taken.exists():
        found.append(
            "user accounts " + ", ".join(taken.order_by("username").values_list("username", flat=True)[:5])
        )
    if Resolution.objects.filter(number__in=numbers).exists():
        found.append(
            "resolutions "
            + ", ".join(Resolution.objects.filter(number__in=numbers).values_list("number", flat=True))
        )
    return found


def load(
    *, today: dt.date | None = None, seed: int = SEED, progress: Callable[[str, float], None] | None = None
) -> dict[str, Any]:
    """Build and write the whole data set in one transaction; returns its counts."""
    today = today or clock.today()
    started = time.perf_counter()

    def phase(name: str) -> None:
        if progress:
            progress(name, time.perf_counter() - started)

    with transaction.atomic():
        tree = build_tree(seed)  # the centre and the 63 former provinces
        save_tree(tree)
        resolutions = create_resolutions()
        former = PlanBuilder(tree, resolutions, today, seed)
        build_former(former)
        former.apply_progress()
        former.save()
        phase("former provinces")
        replay_merger(None, read_rows(DATA_DIR / "provinces-2025.csv"), effective_on=MERGER_DAY, totals=False)
        phase("merger replayed")
        attach_provinces(tree, seed)
        phase("agencies")
        plans = PlanBuilder(tree, resolutions, today, seed, existing=carried_programs())
        plans.build_central()
        plans.build_provinces()
        plans.apply_progress()
        phase("plans built")
        plans.save()
        phase("plans saved")
        seed_indicators(seed)
        generate_periods(years_ahead=2)
        create_accounts(tree, resolutions, seed)
        phase("accounts")
        build_reports(today, seed)
        counts = current_counts()
        record(None, "demo.loaded", None, object_type="demo", object_repr="Demo data set", after=counts)
        phase("period reports and audit")
        add_parts_and_dependencies(today, seed)  # coordination parts' dates and dependencies (bottlenecks)
        rollups.rebuild()  # the dashboards' figures, ready before the first page view
        phase("roll-ups")
        refresh_forecasts(today)  # the forecasts first: the warning rules read them
        refresh_alerts(today)  # the early warnings, as the daily job raises them (monitoring.alerts)
        phase("forecasts and alerts")
        build_directives(today)  # directives and reminders in realistic states (monitoring.directives)
        build_evaluations()  # 2026-Q3 evaluations of the 34 provinces, steps taken (monitoring.evaluation)
    return counts


def carried_programs() -> dict[tuple[str, str], tuple[ActionProgram, int]]:
    """The programmes the merger handed to the new provinces, with their highest top task number."""
    out = {}
    carried = ActionProgram.objects.filter(
        agency__kind=AgencyKind.PROVINCIAL_PARTY, agency__valid_to__isnull=True
    ).select_related("agency", "resolution")
    for prog in carried:
        codes = prog.tasks.filter(parent__isnull=True).values_list("code", flat=True)
        top = max((int(c) for c in codes if c.isdigit()), default=0)
        out[(prog.agency.code, prog.resolution.number)] = (prog, top)
    return out


def current_counts() -> dict[str, Any]:
    communes = dict(
        Agency.objects.filter(kind=AgencyKind.COMMUNE_PARTY)
        .order_by()
        .values("admin_type")
        .annotate(n=Count("id"))
        .values_list("admin_type", "n")
    )
    return {
        "agencies": Agency.objects.count(),
        "provinces": Agency.objects.filter(kind=AgencyKind.PROVINCIAL_PARTY, valid_to__isnull=True).count(),
        "former_provinces": Agency.objects.filter(
            kind=AgencyKind.PROVINCIAL_PARTY, valid_to__isnull=False
        ).count(),
        "ministries": Agency.objects.filter(
            kind__in=[AgencyKind.MINISTRY, AgencyKind.MINISTERIAL_AGENCY]
        ).count(),
        "communes": sum(communes.values()),
        "communes_by_type": communes,
        "resolutions": Resolution.objects.count(),
        "programs": ActionProgram.objects.count(),
        "tasks": Task.objects.count(),
        "coordinations": TaskCoordination.objects.count(),
        "users": User.objects.count(),
        "period_reports": PeriodReport.objects.count(),
    }


__all__ = ["conflicting_data", "current_counts", "demo_loaded", "documented_accounts", "load"]
