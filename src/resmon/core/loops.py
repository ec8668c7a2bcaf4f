"""The loop of a long-running management command (the sealer): run a round every ``interval``
seconds until SIGTERM or SIGINT, surviving database hiccups."""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable

from django.db import DatabaseError, close_old_connections


def run_every(interval: float, work: Callable[[], object], log: logging.Logger, failure: str) -> None:
    """Call ``work()`` at the start of every ``interval`` seconds (the next round starts at once
    after a long one) until the process is asked to stop; a DatabaseError (a restart, a lock
    timeout) is logged as ``failure`` and the next round retries."""
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping:
        began = time.monotonic()
        close_old_connections()
        try:
            work()
        except DatabaseError:
            log.exception(failure)
        while not stopping and (left := interval - (time.monotonic() - began)) > 0:
            time.sleep(min(0.2, left))
