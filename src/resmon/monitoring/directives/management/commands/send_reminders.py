"""The daily reminders: before a due date, on the day after it, and escalated after some days
overdue (tasks, directives, period reports); each sent once. Prints the counts and seconds."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from resmon.core.dates import parse_date
from resmon.monitoring.directives.services import send_due_reminders


class Command(BaseCommand):
    help = "Send the reminders due today (before due dates, overdue, escalations); each only once."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="the day to run for (dd/mm/yyyy or yyyy-mm-dd); default today")

    def handle(self, *args, as_of: str | None = None, **options):
        day = None
        if as_of:
            day = parse_date(as_of)
            if day is None:
                raise CommandError(f"--as-of: not a date: {as_of!r} (write dd/mm/yyyy or yyyy-mm-dd)")
        began = time.monotonic()
        counts = send_due_reminders(day)
        seconds = time.monotonic() - began
        parts = ", ".join(f"{k} {v}" for k, v in counts.items() if k != "as_of")
        self.stdout.write(f"reminders for {counts['as_of']}: {parts} in {seconds:.2f} s")
