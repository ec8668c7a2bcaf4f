"""The daily early-warning job: evaluate every warning rule over the whole country, raise new
alerts, keep those still true and clear the others; prints the counts and the seconds it took."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from resmon.core.dates import parse_date

from ...services import refresh_alerts


class Command(BaseCommand):
    help = "Raise, keep and clear the early-warning alerts (run once a day, e.g. by a timer)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", default="", help="judge as of this day (dd/mm/yyyy or yyyy-mm-dd)")

    def handle(self, *args, as_of: str, **options):
        day = None
        if as_of:
            day = parse_date(as_of)
            if day is None:
                raise CommandError(f"--as-of: not a date: {as_of!r} (use dd/mm/yyyy or yyyy-mm-dd)")
        result = refresh_alerts(day)
        self.stdout.write(
            f"alerts as of {result['as_of']}: {result['raised']} raised, {result['kept']} still true "
            f"({result['updated']} updated), {result['cleared']} cleared, {result['open']} open, "
            f"{result['notified']} notifications; {result['seconds']} s"
        )
        for kind, n in result["open_by_kind"].items():
            if n:
                self.stdout.write(f"  {kind}: {n} open")
