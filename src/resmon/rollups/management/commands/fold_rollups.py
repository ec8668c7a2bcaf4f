"""Fold sealed audit rows into the roll-ups; with --loop, keep doing it. With --seal each round first
seals the committed audit rows (the Procfile's sealer runs this way: an approval reaches the
dashboards one round after it commits, not one sealer interval plus one fold interval)."""

from __future__ import annotations

import logging

from django.core.management.base import BaseCommand

from resmon.audit import sealing, wake
from resmon.core.loops import run_every
from resmon.rollups import services

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Fold the audit rows sealed since the last run into the roll-ups (dashboards' figures)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="keep folding until stopped")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between rounds (--loop)")
        parser.add_argument(
            "--batch", type=int, default=services.FOLD_BATCH, help="audit rows per transaction"
        )
        parser.add_argument(
            "--seal", action="store_true", help="seal the committed audit rows first, each round"
        )

    def round(self, batch: int, seal: bool) -> int:
        """One round: seal (with --seal), then fold everything sealed. Returns the rows folded."""
        if seal:
            sealed = sealing.seal()
            if sealed:
                log.info("sealed %s audit rows", sealed)
        return services.fold_all(batch)

    def handle(self, *args, loop: bool, interval: float, batch: int, seal: bool, **options):
        if not loop:
            self.stdout.write(f"folded {self.round(batch, seal)} audit rows")
            return
        what = "seal, then fold" if seal else "fold"
        self.stdout.write(f"roll-ups ({what}): every {interval:g} s, {batch} audit rows per transaction")

        def work() -> None:
            n = self.round(batch, seal)
            if n:
                log.info("folded %s audit rows into the roll-ups", n)

        # a failed round is retried by the next from the watermarks: nothing is lost
        # PostgreSQL: a committed write wakes the loop at once (audit.wake), not one interval later
        run_every(
            interval, work, log, "sealing or folding failed; retrying", wake_on=wake.CHANNEL if seal else None
        )
