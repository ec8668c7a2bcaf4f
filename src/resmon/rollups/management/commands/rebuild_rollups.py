"""Recompute every roll-up from raw rows (after a restore, or to check the incremental fold)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from resmon.rollups import services


class Command(BaseCommand):
    help = (
        "Rebuild every roll-up (progress and status counts per agency subtree and resolution; reporting "
        "completeness and KPI bands of the recent periods) from raw rows."
    )

    def handle(self, *args, **options):
        began = time.perf_counter()
        written = services.rebuild()
        self.stdout.write(
            f"rebuilt the roll-ups: {written} rows written in {time.perf_counter() - began:.1f} s"
        )
