"""What directives and reminders tell people, composed in one place.

Each function runs inside the calling service's transaction, after its audit row (see
notifications.services.notify: the inbox rows commit with the change, e-mail leaves after it;
leaders get the daily digest by default). Titles and bodies are gettext strings with the
Vietnamese content (agency names, texts) interpolated."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from resmon.core.access import Role
from resmon.notifications import services as notifications
from resmon.notifications.models import Kind

from ..models import Directive, DirectiveRecipient
from .common import day, excerpt

ISSUER_ROLES = (Role.LEADER, Role.FOCAL_OFFICER)


def directive_url(directive: Directive | int) -> str:
    return reverse("directives:detail", args=[getattr(directive, "pk", directive)])


def reminders_url() -> str:
    return reverse("directives:reminder_list") + "?box=received"


def _about(directive: Directive) -> str:
    if directive.task_id is not None:
        return str(directive.task)
    return directive.agency.name if directive.agency is not None else ""


def issued(directive: Directive, recipients: Iterable[Any], actor: Any) -> None:
    """The recipient agencies' leaders and focal officers receive the directive."""
    names = {
        "issuer": directive.issuing_agency.name,
        "about": excerpt(_about(directive), 120),
        "due": day(directive.due_date),
        "text": excerpt(directive.text, 600),
    }
    notifications.notify_agencies(
        recipients,
        kind=Kind.DIRECTIVE_ISSUED,
        title=_("Directive from %(issuer)s: %(about)s") % names,
        body=_("%(text)s\nReport back by %(due)s.") % names,
        url=directive_url(directive),
        actor=actor,
    )


def _issuer_side(directive: Directive) -> list[Any]:
    users = notifications.agency_users([directive.issuing_agency], ISSUER_ROLES)
    return [directive.issued_by, *users]


def acknowledged(rec: DirectiveRecipient, actor: Any) -> None:
    """The issuer (and the issuing agency's leaders and officers) learn it was acknowledged."""
    directive = rec.directive
    notifications.notify(
        _issuer_side(directive),
        Kind.DIRECTIVE_UPDATED,
        _("%(agency)s acknowledged the directive: %(text)s")
        % {"agency": rec.agency.name, "text": excerpt(directive.text, 120)},
        "",
        directive_url(directive),
        actor=actor,
    )


def reported(rec: DirectiveRecipient, actor: Any) -> None:
    """The issuing side reads the report back."""
    directive = rec.directive
    notifications.notify(
        _issuer_side(directive),
        Kind.DIRECTIVE_UPDATED,
        _("%(agency)s reported on the directive: %(text)s")
        % {"agency": rec.agency.name, "text": excerpt(directive.text, 120)},
        excerpt(rec.report, 600),
        directive_url(directive),
        actor=actor,
    )


def ended(directive: Directive, actor: Any, agencies: Iterable[Any]) -> None:
    """The recipients learn the directive was closed or withdrawn, and why."""
    names = {"issuer": directive.issuing_agency.name, "text": excerpt(directive.text, 120)}
    if directive.status == "withdrawn":
        title = _("%(issuer)s withdrew its directive: %(text)s") % names
        body = _("Reason: %(reason)s") % {"reason": directive.close_note}
    else:
        title = _("%(issuer)s closed its directive: %(text)s") % names
        body = directive.close_note
    notifications.notify_agencies(
        agencies,
        kind=Kind.DIRECTIVE_UPDATED,
        title=title,
        body=body,
        url=directive_url(directive),
        actor=actor,
    )


def reminded(
    agencies: Iterable[Any], actor: Any, *, sender: str, subject: str, message: str, url: str
) -> None:
    """A reminder sent by hand reaches the reminded agencies' leaders and focal officers."""
    notifications.notify_agencies(
        agencies,
        kind=Kind.REMINDER,
        title=_("Reminder from %(sender)s: %(subject)s")
        % {"sender": sender, "subject": excerpt(subject, 150)},
        body=message,
        url=url,
        actor=actor,
    )
