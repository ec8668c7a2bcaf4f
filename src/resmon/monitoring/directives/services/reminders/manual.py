"""Reminders sent by hand by a supervising level."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from resmon.agencies.models import Agency
from resmon.audit.services import record, snapshot
from resmon.core import clock
from resmon.core.access import Role, visible_to
from resmon.core.errors import Conflict, PermissionRefused, ValidationFailed
from resmon.planning.models import Task
from resmon.planning.status import TaskState
from resmon.reporting.models import PeriodReport

from ...models import Directive, DirectiveStatus, Reminder, ReminderKind
from .. import notices
from ..common import clean_text, day, excerpt, not_found, pk_of, signed_in, task_label
from ..directives import steers
from .schedule import (
    MESSAGE_MAX,
    UNSENT_STATES,
)

# --- by hand -------------------------------------------------------------------------------------


@dataclass
class Subject:
    """What a reminder by hand is about, who supervises it and who is reminded."""

    task: Task | None
    directive: Directive | None
    report: PeriodReport | None
    supervisor: Agency
    reminded: list[Agency]
    resolution_id: int | None
    label: str
    url: str

    @property
    def task_id(self) -> int | None:
        if self.task is not None:
            return self.task.pk
        return self.directive.task_id if self.directive is not None else None


def subject_of(actor: Any, *, task: Any = None, directive: Any = None, report: Any = None) -> Subject:
    """The task, directive or report (exactly one), re-read through the actor's scope (a 404
    otherwise), with its supervising level and the agencies a reminder would reach."""
    given = [x for x in (task, directive, report) if x is not None]
    if len(given) != 1:
        raise ValidationFailed(_("Remind about one task, one directive or one report."), field="task")
    try:
        if task is not None:
            t = visible_to(actor, Task.objects.select_related("lead_agency", "assigned_by")).get(
                pk=pk_of(task)
            )
            return Subject(
                t,
                None,
                None,
                t.assigned_by,
                [t.lead_agency],
                t.resolution_id,
                task_label(t.code, t.title),
                reverse("web:task_detail", args=[t.pk]),
            )
        if directive is not None:
            d = visible_to(actor, Directive.objects.select_related("issuing_agency", "task")).get(
                pk=pk_of(directive)
            )
            unreported = [
                r.agency
                for r in d.recipients.filter(reported_at__isnull=True)
                .select_related("agency")
                .order_by("agency__path")
            ]
            label = _("Directive of %(date)s: %(text)s") % {
                "date": day(d.created_at.astimezone(clock.tz()).date()),
                "text": excerpt(d.text, 100),
            }
            return Subject(
                None, d, None, d.issuing_agency, unreported, d.resolution_id, label, notices.directive_url(d)
            )
        r = visible_to(
            actor, PeriodReport.objects.select_related("agency", "accepting_agency", "program", "period")
        ).get(pk=pk_of(report))
        label = _("Report of %(agency)s on %(program)s for %(period)s") % {
            "agency": r.agency.name,
            "program": excerpt(r.program.title, 80),
            "period": r.period.label,
        }
        return Subject(
            None,
            None,
            r,
            r.accepting_agency,
            [r.agency],
            r.resolution_id,
            label,
            reverse("reporting:detail", args=[r.pk]),
        )
    except (Task.DoesNotExist, Directive.DoesNotExist, PeriodReport.DoesNotExist, ValueError, TypeError):
        raise not_found() from None


def may_remind(actor: Any, subject: Subject) -> bool:
    """A leader at (or above) the supervising level, the directive's issuer, a member of the
    resolution's steering committee, or an inspector whose mandate covers the reminded agencies."""
    if not signed_in(actor) or actor.agency_id is None:
        return False
    scope = actor.scope
    if scope.role == Role.LEADER and scope.writes(subject.supervisor.path):
        return True
    if subject.directive is not None and subject.directive.issued_by_id == actor.pk:
        return True
    if steers(actor, subject.resolution_id):
        return True
    return (
        scope.role == Role.INSPECTOR
        and bool(subject.reminded)
        and all(scope.reads(a.path) for a in subject.reminded)
    )


def _nothing_to_remind(subject: Subject) -> str:
    """Why the subject needs no reminder (empty: it does)."""
    if subject.task is not None:
        t = subject.task
        if t.completed_on is not None:
            return _("This task was completed on %(date)s; there is nothing to remind.") % {
                "date": day(t.completed_on)
            }
        if t.state != TaskState.ACTIVE:
            return _("This task is paused or cancelled; there is nothing to remind.")
    elif subject.directive is not None:
        if subject.directive.status != DirectiveStatus.OPEN:
            return _("This directive is closed or withdrawn; there is nothing to remind.")
        if not subject.reminded:
            return _("Every recipient has reported on this directive; there is nothing to remind.")
    elif subject.report is not None and subject.report.state not in UNSENT_STATES:
        return _("This report has already been sent; there is nothing to remind.")
    return ""


def _start_of_today() -> dt.datetime:
    return dt.datetime.combine(clock.today(), dt.time.min, tzinfo=clock.tz())


@transaction.atomic
def send_reminder(
    actor: Any, *, task: Any = None, directive: Any = None, report: Any = None, message: Any = ""
) -> list[Reminder]:
    """Remind the agencies responsible for ``task`` / ``directive`` / ``report`` by hand: one
    reminder per agency (the task's lead, the directive's recipients that have not reported, the
    reporting agency), each notified and audited. Once a day per item and agency."""
    if not signed_in(actor) or actor.agency_id is None:
        raise PermissionRefused(_("Only leaders of the supervising level may send a reminder."))
    subject = subject_of(actor, task=task, directive=directive, report=report)
    if not may_remind(actor, subject):
        raise PermissionRefused(
            _("Only the leaders of %(agency)s or a level above it may send this reminder.")
            % {"agency": subject.supervisor.name}
        )
    reason = _nothing_to_remind(subject)
    if reason:
        raise ValidationFailed(reason, field="message")
    reminded = [a for a in subject.reminded if a.pk != actor.agency_id]
    if not reminded:
        raise ValidationFailed(
            _("The agency responsible is your own; there is no one else to remind."), field="message"
        )
    text = clean_text(
        message,
        field="message",
        missing=_("Write the reminder (at least 5 characters)."),
        maximum=MESSAGE_MAX,
    )
    if subject.task is not None:
        about = Q(task=subject.task, directive__isnull=True, report__isnull=True)
    elif subject.directive is not None:
        about = Q(directive=subject.directive)
    else:
        about = Q(report=subject.report)
    same = (
        Reminder.objects.filter(about)
        .filter(
            kind=ReminderKind.MANUAL,
            agency__in=reminded,
            sent_by__agency_id=actor.agency_id,
            created_at__gte=_start_of_today(),
        )
        .select_related("agency")
    )
    earlier = same.first()
    if earlier is not None:
        raise Conflict(
            _("%(agency)s was already reminded about this today; send the next reminder tomorrow.")
            % {"agency": earlier.agency.name},
            code="already_reminded",
        )
    kind = "task" if subject.task is not None else "directive" if subject.directive is not None else "report"
    item = (subject.task or subject.directive or subject.report).pk  # type: ignore[union-attr]
    created = []
    for agency in reminded:
        reminder = Reminder.objects.create(
            kind=ReminderKind.MANUAL,
            key=f"manual:{kind}:{item}:{agency.pk}:{uuid.uuid4().hex[:16]}",
            agency=agency,
            task_id=subject.task_id,
            directive=subject.directive,
            report=subject.report,
            sent_by=actor,
            message=text,
        )
        record(actor, "directives.reminder_sent", reminder, after=snapshot(reminder), agency_path=agency.path)
        created.append(reminder)
    notices.reminded(
        reminded, actor, sender=actor.agency.name, subject=subject.label, message=text, url=subject.url
    )
    return created
