"""manage.py replay_merger: merge the 63 former provinces into the 34 of 2025."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from resmon.core.errors import DomainError
from resmon.restructuring.replay import MERGER_REFERENCE, read_rows, replay_merger

DEFAULT_CSV = Path(__file__).resolve().parents[3] / "demo" / "data" / "provinces-2025.csv"
DEFAULT_EFFECTIVE = "2025-06-12"


class Command(BaseCommand):
    help = gettext_lazy(
        "Replay the 2025 merger of provinces (63 → 34) on a tree where the former provincial party "
        "committees are active: tasks, programmes, users and history follow the new provinces."
    )

    def add_arguments(self, parser):
        parser.add_argument("--csv", default=str(DEFAULT_CSV), help="code,name,kind,formed_from")
        parser.add_argument(
            "--effective",
            default=DEFAULT_EFFECTIVE,
            help="The day the new provinces exist (the former ones end the day before); YYYY-MM-DD.",
        )
        parser.add_argument("--reference", default=MERGER_REFERENCE)
        parser.add_argument("--dry-run", action="store_true", help="Do everything, then roll it back.")

    def handle(self, *args, **options):
        try:
            effective = dt.date.fromisoformat(options["effective"])
        except ValueError:
            raise CommandError(_("--effective must be a date as YYYY-MM-DD.")) from None
        try:
            rows = read_rows(options["csv"])
            summary = replay_merger(
                None, rows, effective_on=effective, reference=options["reference"], dry_run=options["dry_run"]
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        m = summary.moved
        out = self.stdout
        if summary.dry_run:
            out.write(_("Dry run: nothing was saved."))
        out.write(
            _(
                "%(former)s former provinces merged into %(provinces)s (%(ended)s agencies ended, "
                "%(agencies)s sub-agencies moved); re-pointed: %(tasks)s task links (lead or assigning "
                "agency), %(users)s users, "
                "%(programs)s programmes (%(folded)s folded into another), %(coord)s coordination links, "
                "%(grants)s grants, %(other)s other rows."
            )
            % {
                "former": summary.former,
                "provinces": summary.provinces,
                "ended": summary.agencies_ended,
                "agencies": m.agencies,
                "tasks": m.tasks,
                "users": m.users,
                "programs": m.programs,
                "folded": m.programs_folded,
                "coord": m.coordinations,
                "grants": m.grants,
                "other": m.other,
            }
        )
        b, a = summary.before, summary.after
        out.write(_("Tasks before: %(b)s, after: %(a)s.") % {"b": b["tasks"], "a": a["tasks"]})
        for number, value in b["progress"].items():
            out.write(
                _("National progress on %(res)s: %(b)s%% before, %(a)s%% after.")
                % {"res": number, "b": value, "a": a["progress"].get(number)}
            )
        agree = b["tasks"] == a["tasks"] and b["progress"] == a["progress"]
        write = self.style.SUCCESS if agree else self.style.ERROR
        out.write(write(_("Totals agree.") if agree else _("Totals DIFFER.")))
        out.write(_("Elapsed: %(s).2f s.") % {"s": summary.seconds})
