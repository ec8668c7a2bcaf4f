"""Run the daily jobs now, or with --loop keep a scheduler that runs them once a day at
DAILY_RUN_AT (Asia/Ho_Chi_Minh), catching up at start when today's run is missing."""

from __future__ import annotations

import logging

from django.core.management.base import BaseCommand

from resmon.core.loops import run_every
from resmon.notifications import daily

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the daily jobs (forecasts, alerts, reminders, period documents, digests, sign-in history)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop", action="store_true", help="run once a day at DAILY_RUN_AT, until stopped"
        )
        parser.add_argument("--interval", type=float, default=60.0, help="seconds between checks (--loop)")
        parser.add_argument("--only", nargs="*", help="run only these jobs (names of commands)")

    def report(self, outcome: dict) -> None:
        for name, result in outcome.items():
            state = "ok" if result["ok"] else f"FAILED ({result['error']})"
            self.stdout.write(f"{name}: {state} in {result['seconds']} s")

    def handle(self, *args, loop: bool, interval: float, only: list[str] | None, **options):
        if not loop:
            self.report(daily.run(only or None))
            return
        self.stdout.write(f"daily jobs at {daily.run_at():%H:%M}: {', '.join(daily.jobs())}")

        def work() -> None:
            if daily.due():
                self.report(daily.run())

        run_every(interval, work, log, "the daily run failed; retrying at the next check")
