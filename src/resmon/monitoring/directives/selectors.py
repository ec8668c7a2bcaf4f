"""Reads of directives and reminders, always scoped (``visible_to`` first).

A directive is seen by the issuing agency's side (its subtree and the levels above), by the
recipients' side, and by the steering committee of its resolution; one recipient's row (its
acknowledgement and report) by that recipient's side and the issuing side. A reminder is seen by
the reminded agency's side, the level it was escalated to, and, for a task, the task's steering
committee.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncDate

from resmon.core import clock
from resmon.core.access import get_visible_or_404, visible_to

from .models import Directive, DirectiveRecipient, DirectiveStatus, Reminder, ReminderKind

BOXES = ("received", "issued", "all")
REMINDER_BOXES = ("received", "sent", "all")


def _signed_in(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", True)


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _related() -> QuerySet[Directive]:
    return Directive.objects.select_related("issuing_agency", "issued_by", "task", "agency", "alert")


def _with_counts(qs: QuerySet[Directive]) -> QuerySet[Directive]:
    return qs.annotate(
        n_recipients=Count("recipients", distinct=True),
        n_acknowledged=Count(
            "recipients", filter=Q(recipients__acknowledged_at__isnull=False), distinct=True
        ),
        n_reported=Count("recipients", filter=Q(recipients__reported_at__isnull=False), distinct=True),
    )


def _received_q(agency_id: int | None, *, unreported: bool = False) -> Q:
    if agency_id is None:
        return Q(pk__in=[])
    rows = DirectiveRecipient.objects.filter(directive=OuterRef("pk"), agency_id=agency_id)
    if unreported:
        rows = rows.filter(reported_at__isnull=True)
    return Q(Exists(rows))


def directives_for(
    user: Any,
    *,
    box: str = "received",
    status: str | None = None,
    q: str = "",
    task: Any = None,
    agency: Any = None,
) -> QuerySet[Directive]:
    """The directives in one box: ``received`` (sent to the user's own agency: what it answers),
    ``issued`` (issued by the user's agency: what it waits for) or ``all`` the user sees;
    open first, nearest report-back date first, then newest. ``agency`` keeps those about or sent
    to that agency's subtree."""
    qs = visible_to(user, _related())
    own = getattr(user, "agency_id", None)
    if box == "received":
        qs = qs.filter(_received_q(own))
    elif box == "issued":
        qs = qs.filter(issuing_agency_id=own)
    if status in DirectiveStatus.values:
        qs = qs.filter(status=status)
    if task is not None:
        qs = qs.filter(task_id=_pk(task))
    if agency is not None:
        under = DirectiveRecipient.objects.filter(
            directive=OuterRef("pk"), agency__path__startswith=agency.path
        )
        qs = qs.filter(Q(agency__path__startswith=agency.path) | Q(Exists(under)))
    text = (q or "").replace("\x00", "").strip()[:200]
    if text:
        named = DirectiveRecipient.objects.filter(directive=OuterRef("pk"), agency__name__icontains=text)
        qs = qs.filter(
            Q(text__icontains=text)
            | Q(task__title__icontains=text)
            | Q(task__code__iexact=text)
            | Q(agency__name__icontains=text)
            | Q(issuing_agency__name__icontains=text)
            | Q(Exists(named))
        )
    order = Case(
        When(status=DirectiveStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return _with_counts(qs).order_by(order, "due_date", "-created_at", "-id")


def recipients_of(user: Any, directive: Directive) -> QuerySet[DirectiveRecipient]:
    """The recipients of a directive the user sees (their own side's, or all for the issuing side)."""
    return (
        visible_to(user, DirectiveRecipient.objects.filter(directive=directive))
        .select_related("agency", "acknowledged_by", "reported_by")
        .order_by("agency__path")
    )


def get_directive(user: Any, pk: Any) -> Directive:
    """One directive the user sees; NotFound (a 404) otherwise."""
    return get_visible_or_404(user, _with_counts(_related()), pk=pk)


def get_recipient(user: Any, pk: Any) -> DirectiveRecipient:
    """One recipient's row the user sees; NotFound (a 404) otherwise."""
    return get_visible_or_404(
        user, DirectiveRecipient.objects.select_related("agency", "directive__issuing_agency"), pk=pk
    )


def task_directives(user: Any, task: Any) -> QuerySet[Directive]:
    """The directives about one task that the user sees, newest first, with the recipients the
    user sees (``visible_recipients``)."""
    if not _signed_in(user):
        return Directive.objects.none()
    recipients = visible_to(user, DirectiveRecipient.objects.select_related("agency")).order_by(
        "agency__path"
    )
    return (
        _with_counts(visible_to(user, _related()).filter(task_id=_pk(task)))
        .prefetch_related(Prefetch("recipients", queryset=recipients, to_attr="visible_recipients"))
        .order_by("-created_at", "-id")
    )


def _reminders() -> QuerySet[Reminder]:
    return Reminder.objects.select_related(
        "agency", "escalated_to", "sent_by__agency", "task", "directive", "report__period", "report__program"
    )


def task_reminders(user: Any, task: Any) -> QuerySet[Reminder]:
    """The reminders about one task (its own, and those of directives on it) the user sees."""
    return visible_to(user, _reminders()).filter(task_id=_pk(task)).order_by("-created_at", "-id")


def directive_reminders(user: Any, directive: Any) -> QuerySet[Reminder]:
    return visible_to(user, _reminders()).filter(directive_id=_pk(directive)).order_by("-created_at", "-id")


def reminders_for(
    user: Any, *, box: str = "received", kind: str | None = None, q: str = ""
) -> QuerySet[Reminder]:
    """The reminders in one box: ``received`` (to the user's agency, or escalated to it),
    ``sent`` (sent by hand by people of the user's agency) or ``all`` the user sees; newest first."""
    qs = visible_to(user, _reminders())
    own = getattr(user, "agency_id", None)
    if box == "received":
        # to the agency itself, or escalated to it (an escalation about an agency went to its supervisor)
        qs = qs.filter(Q(agency_id=own, escalated_to__isnull=True) | Q(escalated_to_id=own))
    elif box == "sent":
        qs = qs.filter(kind=ReminderKind.MANUAL, sent_by__agency_id=own)
    if kind in ReminderKind.values:
        qs = qs.filter(kind=kind)
    text = (q or "").replace("\x00", "").strip()[:200]
    if text:
        qs = qs.filter(
            Q(message__icontains=text) | Q(agency__name__icontains=text) | Q(task__title__icontains=text)
        )
    return qs.order_by("-created_at", "-id")


def open_directive_counts(user: Any) -> dict[str, int]:
    """``to_report``: open directives to the user's agency it has not reported on yet;
    ``awaiting``: open directives issued by the user's agency that some recipient has not
    reported on."""
    own = getattr(user, "agency_id", None)
    if not _signed_in(user) or own is None:
        return {"to_report": 0, "awaiting": 0}
    base = visible_to(user, Directive.objects.filter(status=DirectiveStatus.OPEN))
    pending = DirectiveRecipient.objects.filter(directive=OuterRef("pk"), reported_at__isnull=True)
    return {
        "to_report": base.filter(_received_q(own, unreported=True)).count(),
        "awaiting": base.filter(issuing_agency_id=own).filter(Exists(pending)).count(),
    }


@dataclass
class ResponseStats:
    """How one agency answered the directives it received in a window."""

    received: int = 0
    acknowledged: int = 0
    reported: int = 0
    reported_on_time: int = 0  # reported on or before the report-back date (Asia/Ho_Chi_Minh)
    not_yet_due: int = 0  # not reported, report-back date still ahead (nothing to judge yet)

    @property
    def judged(self) -> int:
        """Directives whose outcome is known: reported, or past their date unreported."""
        return self.received - self.not_yet_due


def response_stats(agency_ids: Iterable[int], start: dt.date, end: dt.date) -> dict[int, ResponseStats]:
    """Per agency: the directives it received that were issued from ``start`` to ``end``
    (inclusive, local dates; withdrawn ones do not count), how many it acknowledged, reported on,
    and reported on by their date. One query, whatever the number of agencies; unscoped (the
    caller, e.g. evaluation, decides who reads the figures). Agencies without any directive are
    absent."""
    ids = sorted({int(a) for a in agency_ids})
    if not ids:
        return {}
    today = clock.today()
    reported_day = TruncDate("reported_at", tzinfo=clock.tz())
    rows = (
        DirectiveRecipient.objects.filter(agency_id__in=ids)
        .exclude(directive__status=DirectiveStatus.WITHDRAWN)
        .annotate(issued_on=TruncDate("directive__created_at", tzinfo=clock.tz()), reported_on=reported_day)
        .filter(issued_on__gte=start, issued_on__lte=end)
        .order_by()
        .values("agency_id")
        .annotate(
            received=Count("id"),
            acknowledged=Count("id", filter=Q(acknowledged_at__isnull=False)),
            reported=Count("id", filter=Q(reported_at__isnull=False)),
            on_time=Count(
                "id", filter=Q(reported_at__isnull=False, reported_on__lte=F("directive__due_date"))
            ),
            not_yet_due=Count("id", filter=Q(reported_at__isnull=True, directive__due_date__gte=today)),
        )
    )
    return {
        r["agency_id"]: ResponseStats(
            received=r["received"],
            acknowledged=r["acknowledged"],
            reported=r["reported"],
            reported_on_time=r["on_time"],
            not_yet_due=r["not_yet_due"],
        )
        for r in rows
    }
