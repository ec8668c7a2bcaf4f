"""A programme's reporting schedule: which kinds of period it reports on and when reports are due.

``schedule_of(program)`` is what the rest of the system reads: the stored rows, or the default
(quarterly, due 5 days after the period ends, no grace days) for a programme that has none.
``set_schedule`` replaces the rows, for those who may change the programme.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from resmon.audit.services import record
from resmon.catalogue import periods as cal
from resmon.catalogue.models import PeriodKind
from resmon.catalogue.services_periods import configured_cutoff
from resmon.core import clock
from resmon.core.access import can
from resmon.core.errors import PermissionRefused, ValidationFailed
from resmon.core.models import check_version

from ..models import ActionProgram, ProgramSchedule
from .tree import ensure_editable

DEFAULT_KIND = cal.QUARTER
DEFAULT_DUE_DAYS = 5
DEFAULT_GRACE_DAYS = 0
MAX_DUE_DAYS = 60
MAX_GRACE_DAYS = 30


@dataclass(frozen=True)
class ScheduleEntry:
    kind: str
    due_days: int
    grace_days: int
    is_default: bool = False

    @property
    def kind_label(self) -> str:
        return str(PeriodKind(self.kind).label)

    def due_of(self, period: cal.Period) -> tuple[dt.date, dt.date]:
        """(due date, last day with the grace days) of this programme's report for ``period``."""
        return cal.due_date(period, self.due_days, self.grace_days)

    def next_due(self, today: dt.date | None = None, cutoff: str | None = None) -> tuple[cal.Period, dt.date]:
        """The first period whose report is not yet past its due date, and that due date."""
        today = today or clock.today()
        period = cal.period_containing(self.kind, today, cutoff or configured_cutoff()).previous()
        while self.due_of(period)[0] < today:
            period = period.next()
        return period, self.due_of(period)[0]


DEFAULT_SCHEDULE = (ScheduleEntry(DEFAULT_KIND, DEFAULT_DUE_DAYS, DEFAULT_GRACE_DAYS, is_default=True),)


def schedule_of(program: ActionProgram) -> list[ScheduleEntry]:
    """The programme's schedule, in calendar order (months first); the default if it has none."""
    rows = list(program.schedule.all())
    if not rows:
        return list(DEFAULT_SCHEDULE)
    order = {kind: i for i, kind in enumerate(cal.KINDS)}
    rows.sort(key=lambda r: order.get(r.kind, 9))
    return [ScheduleEntry(r.kind, r.due_days, r.grace_days) for r in rows]


def _days(value: Any, field: str, label: str, maximum: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(
            _("%(label)s must be a whole number of days.") % {"label": label}, field=field
        ) from None
    if not 0 <= number <= maximum:
        raise ValidationFailed(
            _("%(label)s must be between 0 and %(n)s days.") % {"label": label, "n": maximum}, field=field
        )
    return number


def _kinds(kinds: Any) -> list[str]:
    if isinstance(kinds, str):
        kinds = [kinds]
    chosen = [str(k).strip() for k in (kinds or []) if str(k).strip()]
    if not chosen:
        raise ValidationFailed(_("Choose at least one kind of reporting period."), field="kinds")
    unknown = [k for k in chosen if k not in cal.KINDS]
    if unknown:
        raise ValidationFailed(
            _("Unknown kind of period “%(kind)s”; choose month, quarter, half-year or year.")
            % {"kind": unknown[0][:20]},
            field="kinds",
        )
    return [k for k in cal.KINDS if k in chosen]


def _view(entries: list[ScheduleEntry]) -> list[dict[str, Any]]:
    return [{"kind": e.kind, "due_days": e.due_days, "grace_days": e.grace_days} for e in entries]


@transaction.atomic
def set_schedule(
    actor: Any,
    program: ActionProgram,
    *,
    kinds: Any,
    due_days: Any,
    grace_days: Any = 0,
    expected_version: int | None = None,
) -> list[ScheduleEntry]:
    """Replace the programme's schedule: the same due and grace days for every kind chosen."""
    program = (
        ActionProgram.objects.select_for_update(of=("self",)).select_related("agency").get(pk=program.pk)
    )
    if not can(actor, "change", program):
        raise PermissionRefused(_("You may not change this programme."))
    check_version(program, expected_version)
    ensure_editable(program)
    chosen = _kinds(kinds)
    due = _days(due_days, "due_days", _("The due days"), MAX_DUE_DAYS)
    grace = _days(
        grace_days if grace_days not in (None, "") else 0, "grace_days", _("The grace days"), MAX_GRACE_DAYS
    )
    before = schedule_of(program)
    after = [ScheduleEntry(k, due, grace) for k in chosen]
    if not before[0].is_default and _view(before) == _view(after):
        raise ValidationFailed(_("The schedule is unchanged."), code="unchanged")
    ProgramSchedule.objects.filter(program=program).delete()
    ProgramSchedule.objects.bulk_create(
        [ProgramSchedule(program=program, kind=k, due_days=due, grace_days=grace) for k in chosen]
    )
    program.version += 1
    program.updated_by_name = actor.get_username()
    program.save(update_fields=["version", "updated_by_name", "updated_at"])
    record(
        actor,
        "planning.schedule_set",
        program,
        agency_path=program.agency.path,
        before=_view(before),
        after=_view(after),
    )
    return after
