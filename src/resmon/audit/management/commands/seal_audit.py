"""Fold committed audit rows into the hash chain; with --loop, keep doing it (the Procfile's sealer)."""

from __future__ import annotations

import logging

from django.core.management.base import BaseCommand

from resmon.audit import sealing
from resmon.core.loops import run_every

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Seal committed audit rows into the hash chain and checkpoint its head."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="keep sealing until stopped")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between rounds (--loop)")
        parser.add_argument("--batch", type=int, default=sealing.CHUNK, help="rows per transaction")

    def handle(self, *args, loop: bool, interval: float, batch: int, **options):
        if not loop:
            n = sealing.seal(batch=batch)
            self.stdout.write(f"sealed {n} rows")
            return
        self.stdout.write(f"sealer: every {interval:g} s, {batch} rows per transaction")

        def work() -> None:
            n = sealing.seal(batch=batch)
            if n:
                log.info("sealed %s audit rows", n)

        # a database restart or a lock timeout: the next round retries, nothing is lost
        run_every(interval, work, log, "audit sealing failed; retrying")
