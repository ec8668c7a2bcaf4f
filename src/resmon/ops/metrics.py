"""Prometheus metrics (``/metrics``, text format 0.0.4).

* ``resmon_http_request_duration_seconds``: a histogram of request latency by route name, method
  and status class, observed by the request middleware in each web process. Gunicorn runs several
  processes: when ``PROMETHEUS_MULTIPROC_DIR`` is set (before the process starts) each process
  writes its figures to files there and a scrape adds them all up (prometheus_client's
  multiprocess mode); otherwise the figures are this process's own.
* The rest is read from the database at each scrape (so it is the same whichever process
  answers): the background-job queue (ready, running), failed jobs kept, the audit rows waiting for
  the sealer, and the outcome of each job of the last daily run.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count
from django.http import HttpRequest
from prometheus_client import CollectorRegistry, Histogram, disable_created_metrics, generate_latest
from prometheus_client import values as prometheus_values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from resmon.audit.models import AuditEntry
from resmon.notifications import daily

from . import health

disable_created_metrics()  # no *_created series: nothing here reads them

# the process's own figures (single-process mode); in multiprocess mode they go to files
PROCESS_REGISTRY = CollectorRegistry()
REQUEST_LATENCY = Histogram(
    "resmon_http_request_duration_seconds",
    "Time to answer an HTTP request, by route name, method and status class",
    ["route", "method", "status"],
    registry=PROCESS_REGISTRY,
)
# prometheus_client chose its mode when it was first imported, from the environment
_MULTIPROCESS = prometheus_values.ValueClass is not prometheus_values.MutexValue


def multiprocess() -> bool:
    return _MULTIPROCESS


# --- access -----------------------------------------------------------------------------------


def allowed(request: HttpRequest) -> bool:
    """The bearer token of METRICS_TOKEN, or a direct connection from METRICS_ALLOWED_IPS. A request
    that came through the proxy (it carries X-Forwarded-For) needs the token: behind nginx every
    client's address is the proxy's."""
    token = getattr(settings, "METRICS_TOKEN", "")
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip(), token):
        return True
    if "HTTP_X_FORWARDED_FOR" in request.META:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    for entry in getattr(settings, "METRICS_ALLOWED_IPS", ()):
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


# --- figures from the database ------------------------------------------------------------------


def _gauge(name: str, doc: str, value: float | None = None, labels: list[str] | None = None) -> Any:
    family = GaugeMetricFamily(name, doc, labels=labels)
    if value is not None:
        family.add_metric([], value)
    return family


class DatabaseCollector:
    """Gauges read from the database at each scrape; ``resmon_database_up`` 0 when it does not answer."""

    def collect(self) -> Iterator[Metric]:
        try:
            families = list(self._families())
        except DatabaseError:
            yield _gauge("resmon_database_up", "Whether the database answered this scrape", 0)
            return
        yield _gauge("resmon_database_up", "Whether the database answered this scrape", 1)
        yield from families

    def _families(self) -> Iterator[Metric]:
        from django_tasks_db.models import DBTaskResult

        grouped = DBTaskResult.objects.order_by().values("status").annotate(n=Count("id"))
        by_status = {row["status"]: row["n"] for row in grouped}
        depth = GaugeMetricFamily(
            "resmon_task_queue_depth", "Background jobs waiting to run or running", labels=["state"]
        )
        depth.add_metric(["ready"], by_status.get("READY", 0))
        depth.add_metric(["running"], by_status.get("RUNNING", 0))
        yield depth
        yield _gauge(
            "resmon_task_failed_jobs",
            "Background jobs that failed, among the results kept (prune_db_task_results removes old ones)",
            by_status.get("FAILED", 0),
        )
        yield _gauge(
            "resmon_task_oldest_ready_age_seconds",
            "How long the oldest job ready to run has waited (0: none waits)",
            health.oldest_ready_task_age() or 0,
        )
        yield _gauge(
            "resmon_audit_unsealed_rows",
            "Audit rows not yet sealed into the hash chain",
            AuditEntry.objects.filter(seq__isnull=True).count(),
        )
        yield _gauge(
            "resmon_audit_oldest_unsealed_age_seconds",
            "How long the oldest unsealed audit row has waited for the sealer (0: none)",
            health.oldest_unsealed_age() or 0,
        )
        yield from self._daily()

    def _daily(self) -> Iterator[Metric]:
        last = AuditEntry.objects.filter(action=daily.ACTION).order_by("-id").values("at", "after").first()
        ok = _gauge(
            "resmon_daily_job_success", "Whether each job of the last daily run succeeded", labels=["job"]
        )
        seconds = _gauge(
            "resmon_daily_job_duration_seconds",
            "How long each job of the last daily run took",
            labels=["job"],
        )
        failed = 0
        after: dict[str, Any] = (last["after"] if last else None) or {}
        for job, outcome in after.items():
            if not isinstance(outcome, dict):
                continue
            ok.add_metric([job], 1 if outcome.get("ok") else 0)
            seconds.add_metric([job], float(outcome.get("seconds") or 0))
            failed += 0 if outcome.get("ok") else 1
        yield ok
        yield seconds
        yield _gauge("resmon_daily_jobs_failed", "How many jobs of the last daily run failed", failed)
        yield _gauge(
            "resmon_daily_run_timestamp_seconds",
            "When the last daily run was recorded (Unix time; 0: never)",
            last["at"].timestamp() if last else 0,
        )


class _Own:
    """This process's figures, for the scrape's registry (single-process mode)."""

    def collect(self) -> Iterator[Metric]:
        yield from PROCESS_REGISTRY.collect()


def exposition() -> bytes:
    """The text of one scrape."""
    registry = CollectorRegistry()
    if multiprocess():
        MultiProcessCollector(registry)
    else:
        registry.register(_Own())  # type: ignore[arg-type]
    registry.register(DatabaseCollector())  # type: ignore[arg-type]
    return generate_latest(registry)
