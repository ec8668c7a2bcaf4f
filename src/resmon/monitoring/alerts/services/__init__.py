"""Writes on alerts: the warning rule, acknowledging an alert, and the scheduled job."""

from .acknowledge import ACK_ROLES, COMMENT_MAX, COMMENT_MIN, acknowledge, may_acknowledge
from .refresh import refresh_alerts
from .rule import DAY_LIMITS, P_MAX, P_MIN, may_set_rule, set_rule

__all__ = [
    "ACK_ROLES",
    "COMMENT_MAX",
    "COMMENT_MIN",
    "DAY_LIMITS",
    "P_MAX",
    "P_MIN",
    "acknowledge",
    "may_acknowledge",
    "may_set_rule",
    "refresh_alerts",
    "set_rule",
]
