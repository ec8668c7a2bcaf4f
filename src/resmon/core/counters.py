"""A cache for counters shared by every process of a deployment, without a cache server.

Django's database cache reads and writes a value in two statements, so two gunicorn workers
counting at the same moment could both write ``n + 1``. Here ``incr`` locks the row first (``SELECT
… FOR UPDATE`` on PostgreSQL; SQLite's immediate transactions serialise writers anyway), which
makes it atomic: the rate limits (resmon.accounts.ratelimits) count every request.

The table is created by ``manage.py createcachetable`` (the core migration runs it).
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction


class CounterDatabaseCache(DatabaseCache):
    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        with transaction.atomic(using=db):
            if connection.features.has_select_for_update:
                table = connection.ops.quote_name(self._table)  # type: ignore[attr-defined]
                with connection.cursor() as cursor:
                    # the table name is quoted, the key a parameter
                    sql = f"SELECT cache_key FROM {table} WHERE cache_key = %s FOR UPDATE"  # noqa: S608  # nosec
                    cursor.execute(sql, [self.make_and_validate_key(key, version=version)])
            return super().incr(key, delta, version)
