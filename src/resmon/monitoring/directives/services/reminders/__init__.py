"""Reminders (đôn đốc): sent by hand by a supervising level, or by the daily job before a due
date, on the day after it was missed, and escalated after some days overdue.

What is reminded, and who hears it:

==============  =====================  ==============================  ==========================
item            reminded agency        escalated to (after N days)     due date
==============  =====================  ==============================  ==========================
task            its lead agency        the agency that assigned it     the task's current due date
directive       each recipient that    the issuing agency              the report-back date
                has not reported
period report   the reporting agency   its accepting level             the report's due date
==============  =====================  ==============================  ==========================

**Escalation goes to the supervising level** – the level that gave the work and waits for it –
not to the tree parent: the parent of a province is the national root, which would receive every
commune's late reports of every province and could act on none of them; the assigning, issuing
or accepting level knows the matter and can act (ask for an explanation, issue a directive,
extend a deadline). When that level is the overdue agency itself (a task it assigned to itself),
the escalation goes to its parent. The reminder names who is overdue and since when.

The daily job (:func:`send_due_reminders`, command ``send_reminders``) is idempotent: each
reminder has a unique ``key`` (``before_due:7:task:123:2026-12-10``), so a second run the same
day (or the next day) sends nothing twice; a due date that moves (an extension) starts a new
cycle. A reminder whose day passed more than ``RESMON_REMINDER_CATCH_UP_DAYS`` ago is not sent
late, so the first run over years of old data does not flood anyone. It works in set-based
passes (one query per kind of item, one per reporting period, one for the existing keys per
thousand) and notifies each agency once per kind of reminder, listing the items, so digests stay
readable.
"""

from .daily import send_due_reminders
from .manual import Subject, may_remind, send_reminder, subject_of
from .schedule import Schedule, schedule

__all__ = [
    "Schedule",
    "Subject",
    "may_remind",
    "schedule",
    "send_due_reminders",
    "send_reminder",
    "subject_of",
]
