"""What the report workflow tells people, composed in one place.

Each function runs inside the calling service's transaction, after its audit row: the inbox rows
commit with the change and e-mail leaves after the commit (see notifications.services.notify).
Messages are gettext strings; the Vietnamese content (agency names, period labels) is interpolated.
"""

from __future__ import annotations

from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from resmon.core.access import Role
from resmon.notifications import services as notifications
from resmon.notifications.models import Kind

from ..models import PeriodReport


def report_url(report: PeriodReport) -> str:
    """The report's page (part of the reporting pages, mounted at /reports/)."""
    return f"/reports/{report.pk}/"


def _names(report: PeriodReport) -> dict[str, str]:
    return {
        "agency": report.agency.name,
        "accepting": report.accepting_agency.name,
        "program": report.program.title,
        "period": report.period.label,
        "due": date_format(report.due_date, "d/m/Y"),
    }


def submitted_to_head(report: PeriodReport, actor: Any) -> None:
    """The focal officer sent the report to the head: the reporting agency's leaders approve it."""
    notifications.notify_agency(
        report.agency,
        (Role.LEADER,),
        kind=Kind.REPORT_SUBMITTED,
        title=_("Report awaiting your approval: %(program)s – %(period)s") % _names(report),
        body=_(
            "%(agency)s's report is ready. Approve it to send it to %(accepting)s, or send it back "
            "with a note. It is due on %(due)s."
        )
        % _names(report),
        url=report_url(report),
        actor=actor,
    )


def sent_back(report: PeriodReport, actor: Any, note: str) -> None:
    """The head sent the report back to the officer who prepared it."""
    if report.prepared_by_id is None:
        return
    notifications.notify(
        [report.prepared_by],
        Kind.REPORT_RETURNED,
        _("Report sent back for changes: %(program)s – %(period)s") % _names(report),
        _("Note from the head: %(note)s") % {"note": note},
        report_url(report),
        actor=actor,
    )


def sent(report: PeriodReport, actor: Any) -> None:
    """The report was sent: the accepting level's leaders and focal officers review it."""
    notifications.notify_agency(
        report.accepting_agency,
        kind=Kind.REPORT_SUBMITTED,
        title=_("New report to accept: %(agency)s – %(period)s") % _names(report),
        body=_(
            "%(agency)s sent its report on “%(program)s” for %(period)s. Accept it or return it "
            "with a reason."
        )
        % _names(report),
        url=report_url(report),
        actor=actor,
    )


def returned(report: PeriodReport, actor: Any, *, reopened: bool = False) -> None:
    """The accepting level returned (or reopened) the report: the reporting agency corrects it."""
    names = _names(report)
    if reopened:
        title = _("Accepted report reopened: %(program)s – %(period)s") % names
    else:
        title = _("Report returned: %(program)s – %(period)s") % names
    notifications.notify_agency(
        report.agency,
        kind=Kind.REPORT_RETURNED,
        title=title,
        body=_("%(accepting)s asks for corrections. Reason: %(reason)s")
        % {**names, "reason": report.reopen_reason if reopened else report.return_reason},
        url=report_url(report),
        actor=actor,
    )


def accepted(report: PeriodReport, actor: Any) -> None:
    """The accepting level accepted the report."""
    notifications.notify_agency(
        report.agency,
        kind=Kind.REPORT_ACCEPTED,
        title=_("Report accepted: %(program)s – %(period)s") % _names(report),
        body=_("%(accepting)s accepted the report; its figures now count in the programme's progress.")
        % _names(report),
        url=report_url(report),
        actor=actor,
    )
