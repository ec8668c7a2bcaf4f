"""The scheduled job: evaluate every rule over the whole country and bring the open alerts in line.

For each true condition (``facts``), the open alert with the same key is kept (its severity,
numbers and agencies updated where they changed, its "last confirmed" day set to today) or a new
one is raised; every open alert whose condition was not found is cleared (``cleared_on`` =
today). A second run the same day changes nothing. One audit row per run (the system as actor)
with the counts; the leaders and focal officers of the agency concerned are notified of NEW
high-severity alerts, one notification per agency and kind of alert however many were raised.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from resmon.accounts.models import User
from resmon.agencies.models import Agency
from resmon.audit.services import record
from resmon.core import clock
from resmon.notifications.models import Kind
from resmon.notifications.services import AGENCY_ROLES, notify
from resmon.planning.selectors_bands import current_band_rule

from ..models import Alert, AlertKind, Severity
from ..rules import RuleConfig
from ..selectors import current_rule
from . import facts
from .facts import CHUNK, Raised

LOCK_ID = 5_742_001  # the PostgreSQL advisory lock that keeps two runs from overlapping
# what a still-true alert may have to change (in the order of ``_Run._state``)
STATE_FIELDS = [
    "severity",
    "params",
    "agency_id",
    "supervisor_id",
    "agency_path",
    "supervisor_path",
    "period_id",
    "report_id",
]


COPY_FIELDS = [f for f in Alert._meta.concrete_fields if not f.primary_key]


def _copy_value(alert: Alert, f: Any, now: dt.datetime) -> Any:
    if f.name in ("created_at", "updated_at"):
        return now
    value = getattr(alert, f.attname)
    if isinstance(value, enum.Enum):  # AlertKind, Severity: their value, not their name
        return value.value
    if f.name == "params":
        return json.dumps(value, ensure_ascii=False)
    if f.name == "ack_comment" and value is None:
        return ""
    return value


def _batches(items: Iterable[Raised], size: int = CHUNK) -> Iterator[list[Raised]]:
    batch: list[Raised] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Run:
    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.now = clock.now()
        self.paths: dict[int, str] = dict(Agency.objects.values_list("pk", "path"))
        self.confirmed: set[int] = set()
        self.raised: Counter[str] = Counter()
        self.updated = 0
        self.kept = 0
        self.cleared = 0
        self.new_high: Counter[tuple[int, str]] = Counter()  # (agency id, kind) -> new high alerts

    def _state(self, r: Raised) -> tuple:
        """What a still-true alert must say now (compared with what it says)."""
        return (
            r.finding.severity,
            r.finding.params,
            r.agency_id,
            r.supervisor_id,
            self.paths.get(r.agency_id, ""),
            self.paths.get(r.supervisor_id, ""),
            r.period_id,
            r.report_id,
        )

    def reconcile(self, batch: list[Raised]) -> None:
        existing = {
            row[1]: row
            for row in Alert.objects.filter(
                cleared_on__isnull=True, key__in=[r.key for r in batch]
            ).values_list("id", "key", "last_seen_on", *STATE_FIELDS)
        }
        create: list[Alert] = []
        change: list[Alert] = []
        seen_only: list[int] = []
        for r in batch:
            found = existing.get(r.key)
            if found is None:
                create.append(self._new(r))
                continue
            pk, _key, last_seen, *stored = found
            self.confirmed.add(pk)
            self.kept += 1
            state = self._state(r)
            if state != tuple(stored):
                values = dict(zip(STATE_FIELDS, state, strict=True))
                change.append(Alert(pk=pk, last_seen_on=self.today, updated_at=self.now, **values))
            elif last_seen != self.today:
                seen_only.append(pk)
        if create:
            self._insert(create)
            for a in create:
                self.raised[a.kind] += 1
                if a.severity == Severity.HIGH:
                    self.new_high[(a.agency_id, a.kind)] += 1
        if change:
            Alert.objects.bulk_update(change, [*STATE_FIELDS, "last_seen_on", "updated_at"])
            self.updated += len(change)
        if seen_only:
            Alert.objects.filter(pk__in=seen_only).update(last_seen_on=self.today)

    def _insert(self, rows: list[Alert]) -> None:
        """Write new alerts and remember their ids as confirmed. On PostgreSQL one COPY (a first
        national run raises over a hundred thousand: bulk_create spends minutes preparing values);
        elsewhere bulk_create."""
        if connection.vendor != "postgresql":
            made = Alert.objects.bulk_create(rows)
            if all(a.pk is not None for a in made):
                self.confirmed.update(a.pk for a in made)
                return
        else:
            columns = [str(f.column) for f in COPY_FIELDS]
            table = connection.ops.quote_name(Alert._meta.db_table)
            names = ", ".join(connection.ops.quote_name(c) for c in columns)
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
            ):
                for a in rows:
                    copy.write_row([_copy_value(a, f, self.now) for f in COPY_FIELDS])
        keys = [a.key for a in rows]
        self.confirmed.update(
            Alert.objects.filter(cleared_on__isnull=True, key__in=keys).values_list("pk", flat=True)
        )

    def _new(self, r: Raised) -> Alert:
        return Alert(
            kind=r.finding.kind,
            severity=r.finding.severity,
            key=r.key,
            agency_id=r.agency_id,
            supervisor_id=r.supervisor_id,
            agency_path=self.paths.get(r.agency_id, ""),
            supervisor_path=self.paths.get(r.supervisor_id, ""),
            resolution_id=r.resolution_id,
            task_id=r.task_id,
            kpi_id=r.kpi_id,
            milestone_id=r.milestone_id,
            coordination_id=r.coordination_id,
            period_id=r.period_id,
            program_id=r.program_id,
            report_id=r.report_id,
            params=r.finding.params,
            raised_on=self.today,
            last_seen_on=self.today,
        )

    def clear_the_rest(self) -> None:
        """Clear every open alert whose condition was not found in this run (in chunks by id)."""
        last = 0
        while True:
            ids = list(
                Alert.objects.filter(cleared_on__isnull=True, pk__gt=last)
                .order_by("pk")
                .values_list("pk", flat=True)[:CHUNK]
            )
            if not ids:
                return
            last = ids[-1]
            gone = [pk for pk in ids if pk not in self.confirmed]
            if gone:
                self.cleared += Alert.objects.filter(pk__in=gone).update(
                    cleared_on=self.today, updated_at=self.now
                )

    def notify_new(self) -> int:
        """Tell the leaders and focal officers of each agency concerned about its NEW high-severity
        alerts: one notification per kind of alert however many were raised (the notifications
        app sends it at once or in the daily digest, as each person chose). Agencies with the same
        count of the same kind share one call, so a national first run stays a few dozen calls."""
        if not self.new_high:
            return 0
        groups: dict[tuple[str, int], list[int]] = defaultdict(list)
        for (agency_id, kind), n in self.new_high.items():
            groups[(kind, n)].append(agency_id)
        people: dict[int | None, list[User]] = defaultdict(list)
        users = User.objects.filter(
            agency_id__in={a for a, _k in self.new_high}, role__in=list(AGENCY_ROLES), is_active=True
        ).order_by("pk")
        for user in users:
            people[user.agency_id].append(user)
        labels = dict(AlertKind.choices)
        sent = 0
        with translation.override(settings.LANGUAGE_CODE):
            for (kind, n), agency_ids in sorted(groups.items()):
                recipients = [u for a in sorted(agency_ids) for u in people.get(a, ())]
                if not recipients:
                    continue
                query = urlencode({"kind": kind, "severity": Severity.HIGH, "acknowledged": "no"})
                title = _("%(n)s new high-severity alerts for your agency: %(kind)s") % {
                    "n": n,
                    "kind": labels[kind],
                }
                body = _(
                    "The daily check raised %(n)s new high-severity alerts of this kind about your agency's "
                    "work. Open the list to read each one and acknowledge it."
                ) % {"n": n}
                sent += len(
                    notify(recipients, Kind.ALERT_RAISED, title, body, reverse("alerts:list") + "?" + query)
                )
        return sent


def _passes(today: dt.date, config: RuleConfig) -> Iterator[Raised]:
    yield from facts.task_pass(today, config)
    yield from facts.kpi_pass(today, config, current_band_rule())
    yield from facts.report_pass(today, config)
    yield from facts.milestone_pass(today, config)
    yield from facts.coordination_pass(today, config)


def refresh_alerts(as_of: dt.date | None = None) -> dict[str, Any]:
    """The daily job (``manage.py run_alerts``): raise, keep and clear alerts as of ``as_of``
    (today by default). Returns the counts and the seconds it took."""
    started = time.perf_counter()
    cpu = time.process_time()
    today = as_of or clock.today()
    config = current_rule()
    run = _Run(today)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_ID])
        timings: dict[str, float] = defaultdict(float)
        mark = time.perf_counter()
        for batch in _batches(_passes(today, config)):
            began = time.perf_counter()
            timings["rules"] += began - mark
            run.reconcile(batch)
            mark = time.perf_counter()
            timings["compare"] += mark - began
        run.clear_the_rest()
        timings["clear"] = time.perf_counter() - mark
        mark = time.perf_counter()
        notified = run.notify_new()
        timings["notify"] = time.perf_counter() - mark
        open_by_kind = dict.fromkeys(AlertKind.values, 0)
        rows = (
            Alert.objects.filter(cleared_on__isnull=True)
            .order_by()
            .values_list("kind")
            .annotate(n=Count("*"))
        )
        for kind, n in rows.values_list("kind", "n"):
            open_by_kind[kind] = n
        result: dict[str, Any] = {
            "as_of": today.isoformat(),
            "raised": sum(run.raised.values()),
            "raised_by_kind": {k: run.raised[k] for k in AlertKind.values if run.raised[k]},
            "kept": run.kept,
            "updated": run.updated,
            "cleared": run.cleared,
            "open": sum(open_by_kind.values()),
            "open_by_kind": open_by_kind,
            "notified": notified,
            "timings": {k: round(v, 2) for k, v in timings.items()},
        }
        record(
            None,
            "alerts.refreshed",
            None,
            object_type="alerts.run",
            object_id=today.isoformat(),
            object_repr=f"Alerts as of {today.isoformat()}",
            after=result,
        )
    result["seconds"] = round(time.perf_counter() - started, 2)
    result["cpu_seconds"] = round(time.process_time() - cpu, 2)  # this process only, not the database
    return result
