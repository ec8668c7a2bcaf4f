"""manage.py prune_sign_in_history [--days N]: remove the sign-in history lines older than
RESMON_SIGNIN_HISTORY_DAYS (default 400) days, every user's. The daily run (settings.DAILY_JOBS)
calls it; its output line, with the count, goes in the daily run's audit row."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from resmon.accounts.services_otp import history_cutoff, prune_history
from resmon.core import clock

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Remove the sign-in history lines older than RESMON_SIGNIN_HISTORY_DAYS days."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None, help="keep this many days (default RESMON_SIGNIN_HISTORY_DAYS)"
        )

    def handle(self, *args, days: int | None, **options):
        days = settings.RESMON_SIGNIN_HISTORY_DAYS if days is None else days
        if days < 1:
            raise CommandError(f"--days must be at least 1, not {days}")
        cutoff = history_cutoff(days).astimezone(clock.tz())
        removed = prune_history(days)
        message = (
            f"{removed} sign-in history lines older than {days} days (before {cutoff:%Y-%m-%d %H:%M}) removed"
        )
        log.info("%s", message)
        self.stdout.write(message)
