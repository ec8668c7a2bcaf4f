"""Writes on directives and reminders: every one takes the acting user, checks permission,
validates, writes, records its audit row and notifies, in one transaction."""

from .directives import (
    acknowledge,
    allowed_recipients,
    close,
    commands_task,
    issue_directive,
    may_direct,
    may_issue,
    may_manage,
    may_respond,
    report_back,
    steers,
    task_agencies,
    withdraw,
)
from .reminders import Schedule, may_remind, schedule, send_due_reminders, send_reminder, subject_of

__all__ = [
    "Schedule",
    "acknowledge",
    "allowed_recipients",
    "close",
    "commands_task",
    "issue_directive",
    "may_direct",
    "may_issue",
    "may_manage",
    "may_remind",
    "may_respond",
    "report_back",
    "schedule",
    "send_due_reminders",
    "send_reminder",
    "steers",
    "subject_of",
    "task_agencies",
    "withdraw",
]
