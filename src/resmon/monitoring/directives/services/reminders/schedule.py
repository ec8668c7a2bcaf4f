"""When reminders fall due: the configured days before a due date, overdue, escalation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from resmon.reporting.models import ReportState

from ...models import ReminderKind

DEFAULT_BEFORE_DAYS = (7, 1)
DEFAULT_ESCALATE_AFTER_DAYS = 14
DEFAULT_CATCH_UP_DAYS = 7
MESSAGE_MAX = 2000
KEY_CHUNK = 1000
LINES_PER_NOTIFICATION = 30
UNSENT_STATES = (ReportState.DRAFT, ReportState.AWAITING_HEAD, ReportState.RETURNED)


# --- configuration -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    before_days: tuple[int, ...]  # descending, e.g. (7, 1)
    escalate_after: int  # days overdue; 0 switches escalation off
    catch_up: int

    def stage(self, due: dt.date, as_of: dt.date) -> tuple[str, int] | None:
        """Which reminder a due date calls for on ``as_of``: (kind, days) or None.

        Before the date, the bands of ``before_days``: with (7, 1), 7 to 2 days left is the
        week's reminder and 1 or 0 days the last one (a job that missed a day still sends the
        band once). After it: overdue from the next day, escalation once ``escalate_after`` days
        have passed; nothing once the day is more than ``catch_up`` days behind."""
        left = (due - as_of).days
        if left >= 0:
            for i, days in enumerate(self.before_days):
                lower = self.before_days[i + 1] if i + 1 < len(self.before_days) else -1
                if lower < left <= days:
                    return ReminderKind.BEFORE_DUE, days
            return None
        late = -left
        if self.escalate_after > 0 and late >= self.escalate_after:
            return (
                (ReminderKind.ESCALATION, self.escalate_after)
                if late - self.escalate_after <= self.catch_up
                else None
            )
        return (ReminderKind.OVERDUE, 0) if late - 1 <= self.catch_up else None

    def window(self, as_of: dt.date) -> tuple[dt.date, dt.date]:
        """The due dates the job looks at on ``as_of``."""
        back = max(self.escalate_after, 1) + self.catch_up
        ahead = self.before_days[0] if self.before_days else 0
        return as_of - dt.timedelta(days=back), as_of + dt.timedelta(days=ahead)


def schedule() -> Schedule:
    before = getattr(settings, "RESMON_REMIND_BEFORE_DAYS", DEFAULT_BEFORE_DAYS)
    return Schedule(
        before_days=tuple(sorted({int(d) for d in before if int(d) >= 0}, reverse=True)),
        escalate_after=max(
            0, int(getattr(settings, "RESMON_ESCALATE_AFTER_DAYS", DEFAULT_ESCALATE_AFTER_DAYS))
        ),
        catch_up=max(0, int(getattr(settings, "RESMON_REMINDER_CATCH_UP_DAYS", DEFAULT_CATCH_UP_DAYS))),
    )
