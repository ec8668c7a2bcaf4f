"""manage.py forecast [--as-of YYYY-MM-DD] [--json]: refresh every task's and task KPI's forecast
(the first of the daily jobs; see resmon.monitoring.forecasts.services)."""

from __future__ import annotations

import datetime as dt
import json as jsonlib

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from resmon.monitoring.forecasts.services import refresh_forecasts


class Command(BaseCommand):
    help = "Compute every task's and task KPI's forecast (projected completion, 80% interval, risk)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="forecast as of this day (YYYY-MM-DD; default today)")
        parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")

    def handle(self, *args, as_of: str | None = None, **options):
        day = None
        if as_of:
            try:
                day = dt.date.fromisoformat(as_of)
            except ValueError:
                raise CommandError(
                    _("“%(value)s” is not a date; write it as YYYY-MM-DD.") % {"value": as_of[:40]}
                ) from None
        result = refresh_forecasts(day)
        if options.get("json"):
            self.stdout.write(_dumps(result))
            return
        methods = ", ".join(f"{k} {v}" for k, v in result["methods"].items()) or "—"
        kpi_methods = ", ".join(f"{k} {v}" for k, v in result["kpi_methods"].items()) or "—"
        self.stdout.write(
            _(
                "Forecasts as of %(as_of)s: %(tasks)s tasks (%(methods)s), %(kpis)s KPIs (%(kpi_methods)s); "
                "%(risk)s tasks with a probability of missing the deadline of 50%% or more; "
                "%(seconds)s s (tasks %(t)s s, KPIs %(k)s s)."
            )
            % {
                "as_of": result["as_of"],
                "tasks": result["tasks"],
                "methods": methods,
                "kpis": result["kpis"],
                "kpi_methods": kpi_methods,
                "risk": result["p_miss_at_least_half"],
                "seconds": result["seconds"],
                "t": result["seconds_tasks"],
                "k": result["seconds_kpis"],
            }
        )


def _dumps(value) -> str:
    return jsonlib.dumps(value, ensure_ascii=False, sort_keys=True)
