"""The readiness checks behind ``/readyz``: each answers "ok" or a one-word state, never an error
text (the endpoint is public)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Min
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from resmon.audit.models import AuditEntry
from resmon.audit.sealing import STALE_AFTER

log = logging.getLogger(__name__)

OK = "ok"
_migrations_done = False  # once all are applied, this process's code never finds new ones


def database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        log.warning("readiness: the database is not reachable", exc_info=True)
        return "unreachable"
    return OK


def migrations() -> str:
    """ "pending" while the code has migrations the database has not applied (``migrate``)."""
    global _migrations_done
    if _migrations_done:
        return OK
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return "pending"
    _migrations_done = True
    return OK


def oldest_ready_task_age() -> float | None:
    """Seconds the oldest background job ready to run has waited; None when none waits."""
    oldest = DBTaskResult.objects.ready().aggregate(at=Min("enqueued_at"))["at"]
    return None if oldest is None else max(0.0, (timezone.now() - oldest).total_seconds())


def worker() -> str:
    """ "stale" when a job has waited longer than READYZ_QUEUE_MAX_WAIT seconds: no worker takes
    the queue (the worker writes no heartbeat; a waiting job is the cheap sign)."""
    age = oldest_ready_task_age()
    return "stale" if age is not None and age > settings.READYZ_QUEUE_MAX_WAIT else OK


def oldest_unsealed_age() -> float | None:
    """Seconds the oldest audit row not yet in the hash chain has waited; None when all are sealed."""
    oldest = AuditEntry.objects.filter(seq__isnull=True).order_by("id").values_list("at", flat=True).first()
    return None if oldest is None else max(0.0, (timezone.now() - oldest).total_seconds())


def sealer() -> str:
    """ "stale" when an audit row has waited for the sealer longer than the audit's own limit."""
    age = oldest_unsealed_age()
    return "stale" if age is not None and age > STALE_AFTER.total_seconds() else OK


def readiness() -> tuple[bool, dict[str, str]]:
    """Whether every check is ok, and each check's state."""
    checks = {"database": database()}
    for name, check in (("migrations", migrations), ("worker", worker), ("sealer", sealer)):
        if any(state != OK for state in checks.values()):
            break  # the next checks need what this one found missing
        try:
            checks[name] = check()
        except DatabaseError:
            log.warning("readiness: the %s check failed", name, exc_info=True)
            checks[name] = "error"
    return all(state == OK for state in checks.values()), checks
