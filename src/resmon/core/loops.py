"""The loop of a long-running management command (the sealer): run a round every ``interval``
seconds until SIGTERM or SIGINT, surviving database hiccups; on PostgreSQL a NOTIFY on a channel
(``wake_on``) starts the next round at once instead of at the end of the interval."""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, close_old_connections, connection


class Wakeup:
    """Waits for a PostgreSQL NOTIFY on ``channel`` (on a connection of its own, LISTENing) or
    for the time given, whichever comes first; elsewhere (SQLite) it only sleeps. A lost
    connection is opened again at the next wait."""

    def __init__(self, channel: str | None, log: logging.Logger) -> None:
        self.channel, self.log = channel, log
        self.listener: Any = None

    def _listen(self) -> Any:
        if self.listener is None and self.channel and connection.vendor == "postgresql":
            import psycopg

            params = connection.get_connection_params()
            params.pop("cursor_factory", None)
            params.pop("context", None)
            try:
                self.listener = psycopg.connect(**params, autocommit=True)
                self.listener.execute(f"LISTEN {self.channel}")
            except psycopg.Error:
                self.log.warning("cannot LISTEN on %s; waiting the whole interval", self.channel)
                self.listener = None
        return self.listener

    def wait(self, seconds: float) -> bool:
        """True when woken by a notification, False when the time ran out."""
        listener = self._listen()
        if listener is None:
            time.sleep(seconds)
            return False
        try:
            woken = any(True for _ in listener.notifies(timeout=seconds, stop_after=1))
            while woken and any(True for _ in listener.notifies(timeout=0, stop_after=1)):
                pass  # the notifications of a burst: one round handles them all
            return woken
        except Exception:  # a lost listener must not stop the loop
            self.log.warning("the LISTEN connection on %s was lost; opening it again", self.channel)
            self.listener = None
            return False


def run_every(
    interval: float,
    work: Callable[[], object],
    log: logging.Logger,
    failure: str,
    wake_on: str | None = None,
) -> None:
    """Call ``work()`` at the start of every ``interval`` seconds (the next round starts at once
    after a long one, or when ``wake_on`` is notified) until the process is asked to stop; a
    DatabaseError (a restart, a lock timeout) or an OSError (a full disk: the sealer's checkpoint
    file) is logged as ``failure`` and the next round retries, so the loop never stops on its own."""
    stopping = False
    wake = Wakeup(wake_on, log)

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
        except (DatabaseError, OSError):
            log.exception(failure)
        while not stopping and (left := interval - (time.monotonic() - began)) > 0:
            if wake.wait(min(0.2, left)):
                break
