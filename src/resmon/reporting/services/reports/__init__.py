"""Period reports: creation, saving, and the review chain.

The focal officer prepares the report (draft), sends it to the head (awaiting_head); the head (a
leader of the reporting agency) approves it for sending (sent), or sends it back with a note; a
leader may also send directly from draft or returned. The accepting level (the level that assigned
the tasks, fixed at creation) accepts it, which applies its progress to the tasks and locks it, or
returns it with a reason; an accepted report is reopened (returned) by that level with a reason.

Every write here: one transaction, the report row locked, permission checked, the period open,
the version checked, one audit row, then the notification.
"""

from __future__ import annotations

from .editing import (
    completeness_errors,
    create_report,
    parse_percent,
    save_report,
)
from .review import (
    accept_report,
    approve_and_send,
    ensure_editable,
    may,
    missing_before_accept,
    reopen_report,
    return_report,
    send_back_to_officer,
    set_review_rule,
    submit_to_head,
)
from .rules import (
    ACTIONS,
    LINE_TEXT_FIELDS,
    MISSING_NAMED,
    PREPARERS,
    REASON_MAX,
    REASON_MIN,
    REPORT_TEXT_FIELDS,
    REVIEWERS,
    RULE_SETTERS,
    SENT_STATES,
    TEXT_MAX,
    WORKFLOW_FIELDS,
    accepting_agency_for,
    clean_text,
    lock_report,
    report_tasks,
    too_long,
    touch,
)

__all__ = [
    "ACTIONS",
    "LINE_TEXT_FIELDS",
    "MISSING_NAMED",
    "PREPARERS",
    "REASON_MAX",
    "REASON_MIN",
    "REPORT_TEXT_FIELDS",
    "REVIEWERS",
    "RULE_SETTERS",
    "SENT_STATES",
    "TEXT_MAX",
    "WORKFLOW_FIELDS",
    "accept_report",
    "accepting_agency_for",
    "approve_and_send",
    "clean_text",
    "completeness_errors",
    "create_report",
    "ensure_editable",
    "lock_report",
    "may",
    "missing_before_accept",
    "parse_percent",
    "reopen_report",
    "report_tasks",
    "return_report",
    "save_report",
    "send_back_to_officer",
    "set_review_rule",
    "submit_to_head",
    "too_long",
    "touch",
]
