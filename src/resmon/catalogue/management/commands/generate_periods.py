"""manage.py generate_periods: the national period calendar, generated ahead (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from resmon.catalogue import periods as cal
from resmon.catalogue.services_periods import FIRST_YEAR, MAX_YEARS_AHEAD, configured_cutoff, generate_periods
from resmon.core.errors import DomainError


class Command(BaseCommand):
    help = gettext_lazy(
        "Create the months, quarters, half-years and years of the reporting calendar from 2025 up to "
        "this year plus --years-ahead; periods that exist are left unchanged."
    )

    def add_arguments(self, parser):
        parser.add_argument("--years-ahead", type=int, default=2, help=f"0 to {MAX_YEARS_AHEAD} (default 2)")
        parser.add_argument("--from-year", type=int, default=FIRST_YEAR)
        parser.add_argument(
            "--cutoff", choices=cal.CUTOFFS, default=None, help="default: settings.REPORTING_CUTOFF"
        )

    def handle(self, *args, **options):
        cutoff = options["cutoff"] or configured_cutoff()
        try:
            created = generate_periods(
                years_ahead=options["years_ahead"], first_year=options["from_year"], cutoff=cutoff
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _("%(n)s reporting periods created (data cut-off: %(cutoff)s).")
            % {"n": created, "cutoff": cutoff}
        )
