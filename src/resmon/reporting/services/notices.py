"""What the report workflow tells people, composed in one place.

Each function runs inside the calling service's transaction, after its audit row: the inbox rows
commit with the change and e-mail leaves after the commit (see notifications.services.notify).
Messages are gettext strings; the Vietnamese content (agency names, period labels) is interpolated.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from resmon.core.access import Role
from resmon.notifications import services as notifications
from resmon.notifications.models import Kind

from ..models import ExplanationRequest, PeriodReport, Proposal

EXCERPT = 300  # characters of a proposal, question or answer quoted in a notification


def report_url(report: PeriodReport) -> str:
    """The report's page (part of the reporting pages, mounted at /reports/)."""
    return f"/reports/{report.pk}/"


def proposal_url(proposal: Proposal) -> str:
    return f"/reports/proposals/{proposal.pk}/"


def explanation_url(req: ExplanationRequest) -> str:
    return f"/reports/explanations/{req.pk}/"


def _excerpt(text: str, limit: int = EXCERPT) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _day(value: Any) -> str:
    return date_format(value, "d/m/Y")


def _names(report: PeriodReport) -> dict[str, str]:
    return {
        "agency": report.agency.name,
        "accepting": report.accepting_agency.name,
        "program": report.program.title,
        "period": report.period.label,
        "due": _day(report.due_date),
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


# --- proposals ----------------------------------------------------------------------------------


def proposals_received(report: PeriodReport, proposals: Iterable[Proposal], actor: Any) -> None:
    """``report``'s ``proposals`` reach their addressees (the report was sent): one notification
    per addressee agency to its leaders and focal officers, linking to the proposal (or, for
    several, to the open proposals received)."""
    by_agency: dict[int, list[Proposal]] = {}
    for proposal in proposals:
        by_agency.setdefault(proposal.addressed_to_id, []).append(proposal)
    for items in by_agency.values():
        first = items[0]
        names = {**_names(report), "n": len(items)}
        if len(items) == 1:
            title = _("Proposal from %(agency)s: %(program)s – %(period)s") % names
            body = _excerpt(first.text)
            url = proposal_url(first)
        else:
            title = _("%(n)s proposals from %(agency)s: %(program)s – %(period)s") % names
            body = "\n".join(f"– {_excerpt(p.text)}" for p in items)
            url = "/reports/proposals/?box=received&status=open"
        notifications.notify_agency(
            first.addressed_to, kind=Kind.PROPOSAL_RECEIVED, title=title, body=body, url=url, actor=actor
        )


def proposal_forwarded(proposal: Proposal, actor: Any, *, from_agency: Any, note: str) -> None:
    """A proposal was passed on to a higher level: it reaches that level's people."""
    notifications.notify_agency(
        proposal.addressed_to,
        kind=Kind.PROPOSAL_RECEIVED,
        title=_("Proposal passed on by %(from)s: %(program)s – %(period)s")
        % {**_names(proposal.report), "from": from_agency.name},
        body=_("%(agency)s proposes: %(text)s\nWhy it is passed on: %(note)s")
        % {"agency": proposal.raised_by_agency.name, "text": _excerpt(proposal.text), "note": note},
        url=proposal_url(proposal),
        actor=actor,
    )


def proposal_answered(proposal: Proposal, actor: Any) -> None:
    """The competent level answered: the agency that raised the proposal reads the answer."""
    notifications.notify_agency(
        proposal.raised_by_agency,
        kind=Kind.PROPOSAL_ANSWERED,
        title=_("%(accepting)s answered your proposal: %(program)s – %(period)s")
        % {**_names(proposal.report), "accepting": proposal.addressed_to.name},
        body=_excerpt(proposal.answer),
        url=proposal_url(proposal),
        actor=actor,
    )


# --- explanation requests -----------------------------------------------------------------------


def explanation_requested(req: ExplanationRequest, actor: Any, subject: str) -> None:
    """An agency is asked to explain a task or a report: its leaders and focal officers answer."""
    notifications.notify_agency(
        req.agency,
        kind=Kind.EXPLANATION_REQUESTED,
        title=_("Explanation requested: %(subject)s") % {"subject": subject},
        body=_("%(requester)s asks %(agency)s to explain by %(due)s: %(question)s")
        % {
            "requester": req.requesting_agency.name,
            "agency": req.agency.name,
            "due": _day(req.due_date),
            "question": req.question,
        },
        url=explanation_url(req),
        actor=actor,
    )


def explanation_answered(req: ExplanationRequest, actor: Any) -> None:
    """The asked agency explained: the person who asked reads it (and closes the request)."""
    notifications.notify(
        [req.requested_by],
        Kind.EXPLANATION_ANSWERED,
        _("%(agency)s explained: %(question)s")
        % {"agency": req.agency.name, "question": _excerpt(req.question, 120)},
        _excerpt(req.answer),
        explanation_url(req),
        actor=actor,
    )
