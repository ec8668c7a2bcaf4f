"""Fold sealed audit rows into the roll-ups; with --loop, keep doing it. With --seal each round first
seals the committed audit rows (the Procfile's sealer runs this way: an approval reaches the
dashboards one round after it commits, not one sealer interval plus one fold interval)."""

from __future__ import annotations

import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from resmon.audit import sealing
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
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        what = "seal, then fold" if seal else "fold"
        self.stdout.write(f"roll-ups ({what}): every {interval:g} s, {batch} audit rows per transaction")
        while not stopping:
            began = time.monotonic()
            close_old_connections()
            try:
                n = self.round(batch, seal)
                if n:
                    log.info("folded %s audit rows into the roll-ups", n)
            except DatabaseError:
                # a database restart or a lock timeout: the next round retries from the watermarks
                log.exception("sealing or folding failed; retrying")
            # rounds start every `interval` seconds (a long round is followed by the next at once)
            while not stopping and (left := interval - (time.monotonic() - began)) > 0:
                time.sleep(min(0.2, left))
