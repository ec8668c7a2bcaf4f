"""The daily reminder job: before-due, overdue and escalation reminders, once each."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from resmon.accounts.models import User
from resmon.agencies.models import Agency
from resmon.audit.services import record
from resmon.catalogue.models import ReportingPeriod
from resmon.catalogue.services_periods import configured_cutoff
from resmon.core import clock
from resmon.core.access import PATH_STEP, Role, Scope
from resmon.notifications import services as notifications
from resmon.notifications.models import Kind
from resmon.planning.models import ProgramSchedule, Task
from resmon.planning.services.schedule import DEFAULT_SCHEDULE, MAX_DUE_DAYS
from resmon.planning.status import TaskState
from resmon.reporting.selectors_completeness import missing_reports
from resmon.reporting.services.reports import accepting_agency_for

from ...models import DirectiveRecipient, DirectiveStatus, Reminder, ReminderKind
from .. import notices
from ..common import day, excerpt, task_label
from .schedule import (
    KEY_CHUNK,
    LINES_PER_NOTIFICATION,
    Schedule,
    schedule,
)

# --- the daily job -------------------------------------------------------------------------------


class _Nationwide:
    """The job reads the whole country: it acts for no one, so no user's scope limits it."""

    is_authenticated = True
    is_active = True
    scope = Scope(role=Role.SYSTEM_ADMIN)


@dataclass
class Due:
    """One reminder the job may send."""

    kind: str
    key: str
    agency_id: int  # the agency reminded (the overdue one, for an escalation)
    notify_id: int  # whose people are told: the agency, or the level escalated to
    escalated_to_id: int | None
    task_id: int | None
    directive_id: int | None
    report_id: int | None
    message: str
    url: str


def _days_text(days: int) -> str:
    if days == 0:
        return _("today")
    return ngettext("in %(n)s day", "in %(n)s days", days) % {"n": days}


def _parent_map(agencies: dict[int, Agency]) -> dict[int, int]:
    """Each agency's parent id (one query for all)."""
    parent_paths = {a.pk: a.path[:-PATH_STEP] for a in agencies.values() if len(a.path) > PATH_STEP}
    by_path = dict(Agency.objects.filter(path__in=set(parent_paths.values())).values_list("path", "id"))
    return {pk: by_path[p] for pk, p in parent_paths.items() if p in by_path}


def _supervisor(agency_id: int, supervisor_id: int | None, parents: dict[int, int]) -> int:
    """The level an escalation goes to: the supervisor, or the agency's parent when the supervisor
    is the agency itself (or unknown); the agency itself at the root."""
    if supervisor_id is not None and supervisor_id != agency_id:
        return supervisor_id
    return parents.get(agency_id, agency_id)


_URL_PROBE = 987654321987  # an id no row has: the task URL is built once, then filled in


class _Collector:
    def __init__(self, sched: Schedule, as_of: dt.date) -> None:
        self.sched = sched
        self.as_of = as_of
        self.dues: list[Due] = []
        self.agencies: dict[int, Agency] = {}
        self._days: dict[dt.date, str] = {}
        self._when: dict[int, str] = {}
        self._task_url = reverse("web:task_detail", args=[_URL_PROBE])

    def load_agencies(self, ids: Iterable[int]) -> None:
        missing = set(ids) - set(self.agencies)
        if missing:
            self.agencies.update(Agency.objects.only("id", "name", "path").in_bulk(missing))

    def day(self, value: dt.date) -> str:
        """dd/mm/yyyy, once per date (thousands of items share a due date on a quarter's end)."""
        if value not in self._days:
            self._days[value] = day(value)
        return self._days[value]

    def when(self, days: int) -> str:
        if days not in self._when:
            self._when[days] = _days_text(days)
        return self._when[days]

    def task_url(self, pk: int) -> str:
        return self._task_url.replace(str(_URL_PROBE), str(pk))

    def name(self, agency_id: int) -> str:
        agency = self.agencies.get(agency_id)
        return agency.name if agency is not None else f"#{agency_id}"

    def _staged(self, rows: list[Any], due_at: int) -> list[tuple[Any, tuple[str, int]]]:
        """The rows that call for a reminder today, each with its (kind, days)."""
        out = []
        for row in rows:
            st = self.sched.stage(row[due_at], self.as_of)
            if st is not None:
                out.append((row, st))
        return out

    # tasks

    def tasks(self) -> None:
        lo, hi = self.sched.window(self.as_of)
        rows = list(
            Task.objects.filter(
                state=TaskState.ACTIVE, ongoing=False, completed_on__isnull=True, due_date__range=(lo, hi)
            )
            .order_by()
            .values_list("id", "code", "title", "due_date", "lead_agency_id", "assigned_by_id")
        )
        staged = self._staged(rows, 3)
        self.load_agencies({r[4] for r, _s in staged} | {r[5] for r, _s in staged})
        parents = _parent_map(
            {r[4]: self.agencies[r[4]] for r, st in staged if st[0] == ReminderKind.ESCALATION}
        )
        for (pk, code, title, due, lead, assigned_by), (kind, days) in staged:
            label = task_label(code, title)
            url = self.task_url(pk)
            names = {"task": label, "due": self.day(due), "when": self.when(days), "agency": self.name(lead)}
            escalated_to = None
            notify_id = lead
            if kind == ReminderKind.BEFORE_DUE:
                key = f"before_due:{days}:task:{pk}:{due.isoformat()}"
                message = _("Task %(task)s is due on %(due)s (%(when)s).") % names
            elif kind == ReminderKind.OVERDUE:
                key = f"overdue:task:{pk}:{due.isoformat()}"
                message = _("Task %(task)s was due on %(due)s and is not completed.") % names
            else:
                key = f"escalation:task:{pk}:{due.isoformat()}"
                escalated_to = notify_id = _supervisor(lead, assigned_by, parents)
                message = _(
                    "%(agency)s has not completed task %(task)s, due on %(due)s (%(n)s days overdue)."
                ) % {
                    **names,
                    "n": (self.as_of - due).days,
                }
            self.dues.append(Due(kind, key, lead, notify_id, escalated_to, pk, None, None, message, url))

    # directives

    def directives(self) -> None:
        lo, hi = self.sched.window(self.as_of)
        rows = list(
            DirectiveRecipient.objects.filter(
                directive__status=DirectiveStatus.OPEN,
                reported_at__isnull=True,
                directive__due_date__range=(lo, hi),
            )
            .order_by()
            .values_list(
                "agency_id",
                "directive_id",
                "directive__due_date",
                "directive__issuing_agency_id",
                "directive__task_id",
                "directive__text",
            )
        )
        staged = self._staged(rows, 2)
        self.load_agencies({r[0] for r, _s in staged} | {r[3] for r, _s in staged})
        parents = _parent_map(
            {r[0]: self.agencies[r[0]] for r, st in staged if st[0] == ReminderKind.ESCALATION}
        )
        for (agency_id, directive_id, due, issuer, task_id, text), (kind, days) in staged:
            url = notices.directive_url(directive_id)
            names = {
                "issuer": self.name(issuer),
                "text": excerpt(text, 150),
                "due": self.day(due),
                "when": self.when(days),
                "agency": self.name(agency_id),
            }
            escalated_to = None
            notify_id = agency_id
            stem = f"directive:{directive_id}:{agency_id}:{due.isoformat()}"
            if kind == ReminderKind.BEFORE_DUE:
                key = f"before_due:{days}:{stem}"
                message = (
                    _("Report back on the directive of %(issuer)s by %(due)s (%(when)s): %(text)s") % names
                )
            elif kind == ReminderKind.OVERDUE:
                key = f"overdue:{stem}"
                message = _("The report on the directive of %(issuer)s was due on %(due)s: %(text)s") % names
            else:
                key = f"escalation:{stem}"
                escalated_to = notify_id = _supervisor(agency_id, issuer, parents)
                message = _(
                    "%(agency)s has not reported on the directive of %(issuer)s, due on %(due)s "
                    "(%(n)s days overdue): %(text)s"
                ) % {**names, "n": (self.as_of - due).days}
            self.dues.append(
                Due(kind, key, agency_id, notify_id, escalated_to, task_id, directive_id, None, message, url)
            )

    # period reports

    def reports(self) -> None:
        lo, hi = self.sched.window(self.as_of)
        periods = ReportingPeriod.objects.filter(
            cutoff=configured_cutoff(),
            is_closed=False,
            end__gte=lo - dt.timedelta(days=MAX_DUE_DAYS),
            end__lte=hi,
        ).order_by("start", "kind")
        hub = reverse("reporting:hub") + "?tab=to_prepare"
        for period in periods:
            if not _may_fall_due(period, lo, hi):
                continue
            for m in missing_reports(_Nationwide(), period=period, today=self.as_of):
                if not lo <= m.due_date <= hi:
                    continue
                st = self.sched.stage(m.due_date, self.as_of)
                if st is None:
                    continue
                kind, days = st
                agency = m.agency
                self.agencies.setdefault(agency.pk, agency)
                report = m.report
                url = reverse("reporting:detail", args=[report.pk]) if report is not None else hub
                names = {
                    "agency": agency.name,
                    "program": excerpt(m.program.title, 100),
                    "period": period.label,
                    "due": self.day(m.due_date),
                    "when": self.when(days),
                }
                stem = f"report:{m.program.pk}:{period.pk}:{agency.pk}:{m.due_date.isoformat()}"
                escalated_to = None
                notify_id = agency.pk
                if kind == ReminderKind.BEFORE_DUE:
                    key = f"before_due:{days}:{stem}"
                    message = (
                        _("The report on %(program)s for %(period)s is due on %(due)s (%(when)s).") % names
                    )
                elif kind == ReminderKind.OVERDUE:
                    key = f"overdue:{stem}"
                    message = (
                        _(
                            "The report on %(program)s for %(period)s was due on %(due)s "
                            "and has not been sent."
                        )
                        % names
                    )
                else:
                    key = f"escalation:{stem}"
                    accepting = report.accepting_agency_id if report is not None else None
                    if accepting is None:
                        accepting = accepting_agency_for(m.program, agency).pk
                    parents = _parent_map({agency.pk: agency}) if accepting == agency.pk else {}
                    escalated_to = notify_id = _supervisor(agency.pk, accepting, parents)
                    message = _(
                        "%(agency)s has not sent its report on %(program)s for %(period)s, due on %(due)s "
                        "(%(n)s days overdue)."
                    ) % {**names, "n": (self.as_of - m.due_date).days}
                report_id = report.pk if report is not None else None
                self.dues.append(
                    Due(kind, key, agency.pk, notify_id, escalated_to, None, None, report_id, message, url)
                )


def _may_fall_due(period: ReportingPeriod, lo: dt.date, hi: dt.date) -> bool:
    """Whether some programme's report for ``period`` is due between ``lo`` and ``hi``: its due
    date is the period's end plus the programme's due days for that kind of period (the default
    schedule's for programmes without one). One small query; skips the expected-report pass of
    the periods whose reports are all due outside the window (most of them, most days)."""
    due_days = set(
        ProgramSchedule.objects.filter(kind=period.kind).values_list("due_days", flat=True).distinct()
    )
    due_days.update(e.due_days for e in DEFAULT_SCHEDULE if e.kind == period.kind)
    return any(lo <= period.end + dt.timedelta(days=d) <= hi for d in due_days)


def _existing_keys(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), KEY_CHUNK):
        chunk = keys[start : start + KEY_CHUNK]
        found.update(Reminder.objects.filter(key__in=chunk).values_list("key", flat=True))
    return found


def _title(kind: str, items: list[Due], escalate_after: int) -> str:
    n = len(items)
    if n == 1:
        prefixes: dict[str, str] = {
            ReminderKind.BEFORE_DUE.value: _("Reminder"),
            ReminderKind.OVERDUE.value: _("Overdue"),
            ReminderKind.ESCALATION.value: _("Escalation"),
        }
        prefix = prefixes[kind]
        return f"{prefix}: {excerpt(items[0].message, 250)}"
    if kind == ReminderKind.BEFORE_DUE:
        return ngettext("Reminder: %(n)s item falls due soon", "Reminder: %(n)s items fall due soon", n) % {
            "n": n
        }
    if kind == ReminderKind.OVERDUE:
        return ngettext(
            "Overdue: %(n)s item is past its due date", "Overdue: %(n)s items are past their due date", n
        ) % {"n": n}
    return ngettext(
        "Escalation: %(n)s item under your supervision is more than %(days)s days overdue",
        "Escalation: %(n)s items under your supervision are more than %(days)s days overdue",
        n,
    ) % {"n": n, "days": escalate_after}


def _body(items: list[Due]) -> str:
    lines = [f"– {d.message}" for d in items[:LINES_PER_NOTIFICATION]]
    if len(items) > LINES_PER_NOTIFICATION:
        lines.append(_("… and %(n)s more.") % {"n": len(items) - LINES_PER_NOTIFICATION})
    return "\n".join(lines)


def _notify(new: list[Due], sched: Schedule) -> int:
    """One notification per (agency told, kind of reminder), to its leaders and focal officers."""
    groups: dict[tuple[int, str], list[Due]] = defaultdict(list)
    for d in new:
        groups[(d.notify_id, d.kind)].append(d)
    users: dict[int, list[User]] = defaultdict(list)
    agency_ids = sorted({agency_id for agency_id, _kind in groups})
    for start in range(0, len(agency_ids), KEY_CHUNK):
        people = User.objects.filter(
            agency_id__in=agency_ids[start : start + KEY_CHUNK],
            role__in=list(notifications.AGENCY_ROLES),
            is_active=True,
        ).order_by("pk")
        for user in people:
            if user.agency_id is not None:
                users[user.agency_id].append(user)
    list_url = notices.reminders_url()
    sent = 0
    for (agency_id, kind), items in sorted(groups.items()):
        if not users.get(agency_id):
            continue
        url = items[0].url if len(items) == 1 else list_url
        sent += len(
            notifications.notify(
                users[agency_id], Kind.REMINDER, _title(kind, items, sched.escalate_after), _body(items), url
            )
        )
    return sent


def send_due_reminders(as_of: dt.date | None = None) -> dict[str, Any]:
    """The daily job: the reminders due on ``as_of`` (default today) that were not sent yet,
    saved and notified in one transaction with one audit row; returns the counts."""
    as_of = as_of or clock.today()
    sched = schedule()
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        collector = _Collector(sched, as_of)
        collector.tasks()
        collector.directives()
        collector.reports()
        dues = {d.key: d for d in collector.dues}  # one per key
        existing = _existing_keys(list(dues))
        new = [d for key, d in dues.items() if key not in existing]
        Reminder.objects.bulk_create(
            [
                Reminder(
                    kind=d.kind,
                    key=d.key,
                    agency_id=d.agency_id,
                    escalated_to_id=d.escalated_to_id,
                    task_id=d.task_id,
                    directive_id=d.directive_id,
                    report_id=d.report_id,
                    message=d.message,
                )
                for d in new
            ],
            batch_size=KEY_CHUNK,
            ignore_conflicts=True,
        )
        counts: dict[str, Any] = {
            "as_of": as_of.isoformat(),
            "before_due": sum(d.kind == ReminderKind.BEFORE_DUE for d in new),
            "overdue": sum(d.kind == ReminderKind.OVERDUE for d in new),
            "escalation": sum(d.kind == ReminderKind.ESCALATION for d in new),
            "already_sent": len(dues) - len(new),
            "tasks": sum(d.task_id is not None and d.directive_id is None for d in new),
            "directives": sum(d.directive_id is not None for d in new),
            "reports": sum(d.directive_id is None and d.task_id is None for d in new),
        }
        counts["notifications"] = _notify(new, sched)
        record(
            None,
            "directives.reminders_sent",
            object_type="directives.reminders",
            object_id=as_of.isoformat(),
            object_repr=f"reminders {as_of.isoformat()}",
            after=counts,
        )
    return counts
