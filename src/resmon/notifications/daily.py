"""The daily run: the jobs that run once a day (forecasts, alerts, reminders, the period documents,
the e-mail digests, pruning the sign-in history), in order, each by its management command name
(settings ``DAILY_JOBS``), so this low layer names them without importing the apps above it.

The run is recorded as one audit row ("jobs.daily_run", object id the day) with each job's outcome
and seconds: the record the operators read, and how a restarted scheduler knows today's run is
done (it catches up at start when the run time has passed). A job that fails is logged and
recorded; the jobs after it still run."""

from __future__ import annotations

import datetime as dt
import io
import logging
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from resmon.audit.models import AuditEntry
from resmon.audit.services import record
from resmon.core import clock

log = logging.getLogger(__name__)
ACTION = "jobs.daily_run"


def jobs() -> list[str]:
    return list(getattr(settings, "DAILY_JOBS", ()))


def run_at() -> dt.time:
    return dt.time.fromisoformat(getattr(settings, "DAILY_RUN_AT", "05:30"))


def done_on(day: dt.date) -> bool:
    return AuditEntry.objects.filter(action=ACTION, object_id=day.isoformat()).exists()


def due(now: dt.datetime | None = None) -> bool:
    """Whether today's run should start now: the run time has passed and it has not run today."""
    now = (now or clock.now()).astimezone(clock.tz())
    return now.time() >= run_at() and not done_on(now.date())


def run(names: list[str] | None = None) -> dict[str, Any]:
    """Run the jobs in order; returns {job: {"ok", "seconds", "output" or "error"}}, recorded."""
    day = clock.today()
    outcome: dict[str, Any] = {}
    for name in names if names is not None else jobs():
        began = time.monotonic()
        out = io.StringIO()
        try:
            call_command(name, stdout=out)
            outcome[name] = {"ok": True, "output": out.getvalue().strip()[-500:]}
        except Exception as exc:  # one job's failure must not stop the others
            log.exception("daily job %s failed", name)
            outcome[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500]}
        outcome[name]["seconds"] = round(time.monotonic() - began, 2)
    with transaction.atomic():
        record(
            None,
            ACTION,
            object_type="jobs.daily",
            object_id=day.isoformat(),
            object_repr=f"daily run {day.isoformat()}",
            after=outcome,
        )
    return outcome
