"""manage.py generate_period_documents [--as-of YYYY-MM-DD]: the quarterly documents (the
overview of the quarter that ended, PDF and Excel, for the nation and each province), each queued
as its own background job; nothing is made twice. The daily run (settings.DAILY_JOBS) calls it."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from resmon.exports.stored.services import generate_period_documents


class Command(BaseCommand):
    help = "Queue the overview documents (PDF, Excel) of the quarter that ended, nation and provinces."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="the day to act as of (YYYY-MM-DD); default: today")

    def handle(self, *args, **options):
        as_of = None
        if options.get("as_of"):
            try:
                as_of = dt.date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError(
                    f"--as-of must be a date as YYYY-MM-DD, not {options['as_of']!r}"
                ) from None
        done = generate_period_documents(as_of)
        if done["period"] is None:
            self.stdout.write("no quarter of the calendar has ended yet: nothing to make")
        else:
            self.stdout.write(
                f"{done['period']}: {done['created']} documents queued, {done['requeued']} failed ones "
                f"queued again, {done['existing']} already made"
            )
        if done["stale_failed"]:
            self.stdout.write(f"{done['stale_failed']} documents stuck in the queue marked failed")
