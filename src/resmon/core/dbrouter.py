"""Reads of the read-heavy paths from a PostgreSQL read replica (decision 019).

``DATABASE_REPLICA_URL`` adds the ``replica`` alias (settings). :class:`ReplicaReadsMiddleware`
marks a GET or HEAD request whose path starts with one of ``REPLICA_READ_PATHS`` (the dashboards,
the exports, the dashboard API); inside it, :class:`ReplicaRouter` sends reads to the replica, with
three exceptions that keep a user's own writes visible to them:

* the sign-in data and the task queue (sessions, users and their grants, tokens, lockouts,
  two-factor devices, background jobs) are always read from the primary;
* a read inside a transaction stays with that transaction, on the primary;
* once the request has written domain data, its later reads go to the primary too (writes to
  the tables above, always read from the primary, do not count: a session saved, a rate-limit
  counter increased).

Every write goes to the primary; nothing is ever migrated on the replica (it is a physical copy).
Outside a marked request (other pages, the worker, the sealer, commands) everything uses the
primary. The replica lags the primary by a moment: the dashboards already show the roll-ups as of
the last fold, so a second more changes nothing a reader could notice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
# read from the primary only: a user must see their own sign-in, grants, tokens and jobs at once;
# "django_cache": the database cache tables (the rate limits' counters)
PRIMARY_ONLY_APPS = frozenset(
    {
        "accounts",
        "auth",
        "axes",
        "contenttypes",
        "django_cache",
        "django_tasks_db",
        "otp_static",
        "otp_totp",
        "sessions",
    }
)


class _Reads:
    """The state of one request that may read from the replica."""

    __slots__ = ("wrote",)

    def __init__(self) -> None:
        self.wrote = False


_reads: ContextVar[_Reads | None] = ContextVar("resmon_replica_reads", default=None)


def replica_enabled() -> bool:
    return REPLICA in settings.DATABASES and bool(getattr(settings, "DATABASE_REPLICA_READS", False))


@contextlib.contextmanager
def replica_reads() -> Iterator[None]:
    """Within the block, reads may go to the replica (as in a request to a read-heavy path)."""
    token = _reads.set(_Reads())
    try:
        yield
    finally:
        _reads.reset(token)


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str:
        state = _reads.get()
        if (
            state is None
            or state.wrote
            or model._meta.app_label in PRIMARY_ONLY_APPS
            or not replica_enabled()
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model: Any, **hints: Any) -> str:
        state = _reads.get()
        if state is not None and model._meta.app_label not in PRIMARY_ONLY_APPS:
            state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # the replica holds the same rows as the primary
        both = {obj1._state.db, obj2._state.db}
        return True if both <= {DEFAULT_DB_ALIAS, REPLICA, None} else None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA else None


class ReplicaReadsMiddleware:
    """Marks the GET and HEAD requests of ``REPLICA_READ_PATHS`` (costs a prefix test per request)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.paths = tuple(getattr(settings, "REPLICA_READ_PATHS", ()))

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and request.path.startswith(self.paths) and replica_enabled():
            with replica_reads():
                return self.get_response(request)
        return self.get_response(request)
