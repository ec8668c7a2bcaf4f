"""manage.py backtest: replay a history week by week and score the warnings and the forecasts.

  backtest --demo                                   the current database's accepted history
  backtest --simulate 2000 [--seed 57]              simulated tasks with known outcomes
  backtest --tasks tasks.csv --progress progress.csv [--kpi kpi.csv]   your own history

``--json`` prints one JSON object (precision, recall, recall_30d, median_lead_days,
interval_coverage_80, kpi_interval_coverage_80, and more); otherwise a readable table. The rule
thresholds and the forecast method can be changed to compare (--forecast-p-miss, --stalled-days,
--due-soon-days, --behind-points, --method). A backtest only reads: nothing is written.
"""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from resmon.monitoring.alerts.backtest import HistoryError, read_csv, render, replay, simulate
from resmon.monitoring.alerts.rules import RuleConfig
from resmon.monitoring.forecasts import engine

MAX_SIMULATED = 200_000


class Command(BaseCommand):
    help = "Replay a history weekly and print the warnings' precision and recall and the forecasts' errors."

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--demo", action="store_true", help="the current database's accepted history")
        source.add_argument("--simulate", type=int, metavar="N", help="N simulated tasks with known outcomes")
        source.add_argument(
            "--tasks", metavar="FILE", help="tasks.csv: task_id, start_date, due_date, completed_on"
        )
        parser.add_argument(
            "--progress", metavar="FILE", help="progress.csv: task_id, reported_on, percent_done"
        )
        parser.add_argument("--kpi", metavar="FILE", help="kpi.csv (optional): series_id, period_end, value")
        parser.add_argument("--seed", type=int, default=57, help="the simulation's seed (default 57)")
        parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
        parser.add_argument("--step", type=int, default=7, help="days between as-of dates (default 7)")
        parser.add_argument("--method", choices=engine.METHOD_NAMES[1:4], help="the task forecast method")
        parser.add_argument("--no-compare", action="store_true", help="score only the method used")
        parser.add_argument("--forecast-p-miss", help="FORECAST_LATE from this probability (0-1)")
        parser.add_argument("--stalled-days", type=int, help="STALLED after this many days without change")
        parser.add_argument("--due-soon-days", type=int, help="the 'due soon' window in days")
        parser.add_argument("--behind-points", type=int, help="percentage points behind the plan")

    def _config(self, options) -> RuleConfig:
        config = RuleConfig()
        changes: dict[str, Any] = {}
        if options.get("forecast_p_miss") is not None:
            try:
                p = Decimal(options["forecast_p_miss"])
            except InvalidOperation:
                p = Decimal(-1)
            if not 0 <= p <= 1:
                raise CommandError(_("--forecast-p-miss must be a number between 0 and 1."))
            changes["forecast_p_miss"] = p
        for name in ("stalled_days", "due_soon_days", "behind_points"):
            if options.get(name) is not None:
                if options[name] < 0:
                    raise CommandError(_("--%(name)s cannot be negative.") % {"name": name.replace("_", "-")})
                changes[name] = options[name]
        return dataclasses.replace(config, **changes)

    def handle(self, *args, **options):
        config = self._config(options)
        if not 1 <= options["step"] <= 366:
            raise CommandError(_("--step must be between 1 and 366 days."))
        params = engine.DEFAULT_TASK_PARAMS
        if options.get("method"):
            params = dataclasses.replace(params, method=options["method"])
        if options["demo"]:
            from resmon.monitoring.alerts.backtest.demo import from_database

            history = from_database()
            if not history.n or not len(history.obs_task):
                raise CommandError(
                    _(
                        "The database holds no accepted progress report on a task with a deadline: "
                        "nothing to replay."
                    )
                )
        elif options["simulate"] is not None:
            n = options["simulate"]
            if not 1 <= n <= MAX_SIMULATED:
                raise CommandError(_("--simulate takes between 1 and %(n)s tasks.") % {"n": MAX_SIMULATED})
            history = simulate(n, seed=options["seed"])
        else:
            if not options.get("progress"):
                raise CommandError(_("--tasks needs --progress (and optionally --kpi)."))
            try:
                history = read_csv(options["tasks"], options["progress"], options.get("kpi"))
            except HistoryError as exc:
                raise CommandError(str(exc)) from None
        figures = replay(
            history, params=params, config=config, step=options["step"], compare=not options["no_compare"]
        )
        if options["json"]:
            self.stdout.write(json.dumps(figures, ensure_ascii=False))
        else:
            self.stdout.write(render(figures))
