"""The sealer's loop: rounds until SIGTERM, a database error logged and retried, not fatal."""

import logging
import os
import signal

import pytest
from django.db import DatabaseError

from resmon.core.loops import run_every


@pytest.mark.django_db  # each round closes stale database connections
def test_rounds_until_asked_to_stop_and_survives_a_database_error(caplog):
    rounds = []
    previous = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)

    def work():
        rounds.append(len(rounds))
        if len(rounds) == 2:
            raise DatabaseError("the server restarted")
        if len(rounds) == 4:
            os.kill(os.getpid(), signal.SIGTERM)

    try:
        with caplog.at_level(logging.ERROR):
            run_every(0.01, work, logging.getLogger("test.loop"), "round failed; retrying")
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
    assert rounds == [0, 1, 2, 3]  # the failed second round did not stop the loop; SIGTERM did
    assert [r.getMessage() for r in caplog.records] == ["round failed; retrying"]


@pytest.mark.django_db(transaction=True)
def test_a_committed_audit_row_wakes_the_loop_on_postgresql():
    """The sealer sleeps until the next round, unless a write commits (PostgreSQL NOTIFY from the
    audit table's trigger): then it starts the round at once. SQLite: it just sleeps."""
    import time

    from django.db import connection, transaction

    from resmon.audit import wake
    from resmon.audit.services import record
    from resmon.core.loops import Wakeup

    waiter = Wakeup(wake.CHANNEL, logging.getLogger("test.loop"))
    assert waiter.wait(0.05) is False  # nothing written: the time runs out
    with transaction.atomic():
        record(None, "test.wake")
    began = time.monotonic()
    woken = waiter.wait(5)
    if connection.vendor == "postgresql":
        assert woken is True and time.monotonic() - began < 2
        assert waiter.wait(0.05) is False  # the notification was used up
    else:
        assert woken is False and waiter.listener is None
