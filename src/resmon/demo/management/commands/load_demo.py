"""manage.py load_demo: load the synthetic national demo data set (idempotent)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from resmon.demo.builder import conflicting_data, demo_loaded, load


class Command(BaseCommand):
    help = gettext_lazy(
        "Load the synthetic demo data set: the national agency tree with 3,321 communes, the seven "
        'resolutions, action programmes, about 10,000 tasks and the demo accounts (password "demo").'
    )

    def handle(self, *args, **options):
        if not getattr(settings, "DEMO_DATA_ALLOWED", False):
            raise CommandError(
                _(
                    "Demo data may not be loaded in this environment "
                    "(DEMO_DATA_ALLOWED is off, e.g. in production)."
                )
            )
        if demo_loaded():
            self.stdout.write(_("Demo data already loaded; nothing changed."))
            return
        clashes = conflicting_data()
        if clashes:
            raise CommandError(
                _(
                    "The database already holds data the demo set would clash with (%(what)s). "
                    "Load it into an empty database."
                )
                % {"what": "; ".join(clashes)}
            )
        verbose = options["verbosity"] >= 2
        started = time.perf_counter()

        def progress(name: str, seconds: float) -> None:
            if verbose:
                self.stdout.write(f"  {name}: {seconds:.1f} s")

        counts = load(progress=progress)
        elapsed = time.perf_counter() - started
        split = counts["communes_by_type"]
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo data loaded in %(seconds).1f s: %(agencies)s agencies (%(provinces)s provinces, "
                    "%(former)s former provinces, %(ministries)s ministries and ministerial agencies, "
                    "%(communes)s communes: %(commune)s communes, %(ward)s wards, %(zone)s special zones), "
                    "%(resolutions)s resolutions, %(programs)s action programmes, %(tasks)s tasks, "
                    "%(coordinations)s coordination links, %(users)s user accounts."
                )
                % {
                    "seconds": elapsed,
                    "agencies": counts["agencies"],
                    "provinces": counts["provinces"],
                    "former": counts["former_provinces"],
                    "ministries": counts["ministries"],
                    "communes": counts["communes"],
                    "commune": split.get("commune", 0),
                    "ward": split.get("ward", 0),
                    "zone": split.get("special_zone", 0),
                    "resolutions": counts["resolutions"],
                    "programs": counts["programs"],
                    "tasks": counts["tasks"],
                    "coordinations": counts["coordinations"],
                    "users": counts["users"],
                }
            )
        )
