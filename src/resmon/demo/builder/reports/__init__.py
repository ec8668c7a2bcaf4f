"""Period reports in the demo: the last quarter that ended and the current one, a realistic spread.

The national spread (about 6,000 reports with their lines, evidence records, KPI values and a few
proposals) is written with plain INSERTs: going through the services one report at a time takes
minutes, and even Django's bulk_create spends seconds preparing that many rows. The rows follow
the rules the services apply, and tests/demo/test_demo_reports.py checks them against the
services themselves: a report's lines are ``report_tasks(program, agency, period)`` in tree
order, its accepting level is ``accepting_agency_for(program, agency)``, its due date follows the
programme's schedule, ``is_late`` is judged on ``first_sent_at`` against the due date, a returned
report carries its reason, accepted figures never run ahead of the task's.

The last quarter (its due date passed): most provinces' departments accepted, some sent and
waiting, some returned with a reason, some drafts; about 60 % of the communes sent (some late), the
rest missing. The current quarter: drafts, a few with their heads, a few sent early.

What the demo accounts find in their queues is then moved on through the services, so their
history, checks and notifications are the real ones: the first Hà Nội commune's report for the
last quarter, returned by the city, is corrected and sent to the commune's head; its report for
this quarter is a draft to finish; two explanation requests are asked, one of them answered.
"""

from __future__ import annotations

from .flows import build_reports

__all__ = ["build_reports"]
