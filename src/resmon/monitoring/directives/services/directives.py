"""Directives (ý kiến chỉ đạo): a leader instructs agencies about a task or an agency, with a date
to report back by; each recipient agency acknowledges and reports back; the issuing side closes
or withdraws it.

Who may do what:

* **issue** – a leader (Role.LEADER) with an agency, about a task or an agency they can see. Each
  recipient must be within their scope of command: an agency of their own subtree other than
  their own (``Scope.writes``), or, for a task, the task's lead and coordinating agencies when the
  leader's agency assigned the task (or is above the agency that did). A member of the
  resolution's steering committee (any role) may direct the lead and coordinating agencies of
  the resolution's tasks (PRODUCT.md: they "may give directives on them").
* **acknowledge / report back** – the leaders and focal officers of the recipient agency itself.
* **close / withdraw** – the issuer, or a leader of the issuing agency; against the version they
  saw (a stale copy is refused, naming who changed it).

Every step is one transaction with its audit row and the notification to the other side.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from resmon.agencies.models import Agency
from resmon.audit.services import record, snapshot
from resmon.core import classified, clock
from resmon.core.access import Role, visible_to
from resmon.core.errors import Conflict, PermissionRefused, ValidationFailed
from resmon.core.models import check_version
from resmon.monitoring.alerts.models import Alert
from resmon.planning.models import Task

from ..models import Directive, DirectiveRecipient, DirectiveStatus
from . import notices
from .common import (
    clean_text,
    day,
    due_error,
    not_found,
    pk_of,
    signed_in,
    text_error,
)

RESPONDERS = frozenset({Role.LEADER, Role.FOCAL_OFFICER})
MAX_RECIPIENTS = 100
NOTE_MAX = 2000
FIELDS = ["status", "closed_at", "close_note", "version", "due_date", "text"]


# --- who may -------------------------------------------------------------------------------------


def steers(actor: Any, resolution_id: int | None) -> bool:
    """The actor sits on the steering committee of ``resolution_id``."""
    return resolution_id is not None and resolution_id in actor.scope.resolution_ids


def may_issue(actor: Any) -> bool:
    """Whether the actor may issue directives at all (for the buttons)."""
    if not signed_in(actor) or actor.agency_id is None:
        return False
    return actor.scope.role == Role.LEADER or bool(actor.scope.resolution_ids)


def commands_task(actor: Any, task: Task) -> bool:
    """The actor may direct every agency with a part in ``task``: a steering-committee member of
    its resolution, or a leader at (or above) the agency that assigned it."""
    if steers(actor, task.resolution_id):
        return True
    return actor.scope.role == Role.LEADER and actor.scope.writes(task.assigned_by.path)


def may_direct(
    actor: Any, agency: Agency, task: Task | None = None, task_agency_ids: Iterable[int] = ()
) -> bool:
    """Whether ``agency`` is within the actor's scope of command (never the actor's own agency)."""
    if agency.pk == actor.agency_id:
        return False
    if actor.scope.role == Role.LEADER and actor.scope.writes(agency.path):
        return True
    return task is not None and agency.pk in set(task_agency_ids) and commands_task(actor, task)


def task_agencies(task: Task) -> list[Agency]:
    """The task's lead agency, then its coordinating agencies (tree order)."""
    coordinating = Agency.objects.filter(coordinations__task=task).order_by("path")
    return [task.lead_agency, *[a for a in coordinating if a.pk != task.lead_agency_id]]


def allowed_recipients(actor: Any, *, task: Task | None = None, agency: Agency | None = None) -> list[Agency]:
    """The agencies a form offers as recipients: for a task, those with a part in it that the
    actor may direct; for an agency, the agency itself and the agencies directly under it."""
    if not may_issue(actor):
        return []
    if task is not None:
        candidates = task_agencies(task)
        ids = [a.pk for a in candidates]
        return [a for a in candidates if may_direct(actor, a, task, ids)]
    if agency is None:
        return []
    today = clock.today()
    under = Agency.objects.filter(path__startswith=agency.path, depth__lte=agency.depth + 1).order_by("path")
    return [a for a in under if a.is_active_on(today) and may_direct(actor, a)]


def may_respond(actor: Any, rec: DirectiveRecipient) -> bool:
    """A leader or focal officer of the recipient agency, while the directive is open."""
    return (
        signed_in(actor)
        and actor.scope.role in RESPONDERS
        and actor.agency_id == rec.agency_id
        and rec.directive.status == DirectiveStatus.OPEN
    )


def may_manage(actor: Any, directive: Directive) -> bool:
    """The issuer, or a leader of the issuing agency, while the directive is open."""
    if not signed_in(actor) or directive.status != DirectiveStatus.OPEN:
        return False
    if actor.pk == directive.issued_by_id:
        return True
    return actor.scope.role == Role.LEADER and actor.agency_id == directive.issuing_agency_id


# --- issuing -------------------------------------------------------------------------------------


def _subject(actor: Any, task: Any, agency: Any) -> tuple[Task | None, Agency | None]:
    """The task or the agency (exactly one), re-read through the actor's scope (a 404 otherwise)."""
    if task is None and agency is None:
        raise ValidationFailed(
            _("Say what the directive is about: choose a task or an agency."), field="task"
        )
    if task is not None and agency is not None:
        raise ValidationFailed(_("A directive is about one task or one agency, not both."), field="task")
    try:
        if task is not None:
            return visible_to(actor, Task.objects.select_related("assigned_by", "lead_agency")).get(
                pk=pk_of(task)
            ), None
        return None, visible_to(actor, Agency.objects.all()).get(pk=pk_of(agency))
    except (Task.DoesNotExist, Agency.DoesNotExist, ValueError, TypeError):
        raise not_found() from None


def _recipient_ids(values: Any) -> list[Any]:
    if values is None or isinstance(values, str | bytes):
        return [values] if values else []
    try:
        return list(values)
    except TypeError:
        return [values]


def _recipients(actor: Any, task: Task | None, values: Any, errors: dict[str, list[str]]) -> list[Agency]:
    """The recipient agencies, each within the actor's scope of command; every refusal named."""
    raw = _recipient_ids(values)
    ids: list[int] = []
    for value in raw:
        key = pk_of(value)
        try:
            number = int(key)
        except (TypeError, ValueError):
            errors.setdefault("recipients", []).append(
                _("“%(value)s” is not an agency; choose the recipients from the list.")
                % {"value": str(key)[:40]}
            )
            continue
        if number not in ids:
            ids.append(number)
    if not ids and not errors.get("recipients"):
        errors["recipients"] = [_("Choose at least one agency to receive the directive.")]
        return []
    if len(ids) > MAX_RECIPIENTS:
        errors.setdefault("recipients", []).append(
            _("Send one directive to at most %(n)s agencies.") % {"n": MAX_RECIPIENTS}
        )
        return []
    found = Agency.objects.in_bulk([i for i in ids if 0 < i < 2**63])
    part_ids = [a.pk for a in task_agencies(task)] if task is not None else []
    today = clock.today()
    out: list[Agency] = []
    for number in ids:
        agency = found.get(number)
        known = agency is not None and (actor.scope.reads(agency.path) or number in part_ids)
        name = agency.name if known and agency is not None else f"#{number}"
        if agency is None or not may_direct(actor, agency, task, part_ids):
            if agency is not None and agency.pk == actor.agency_id:
                message = _("%(agency)s is your own agency: a directive goes to the agencies you direct.")
            else:
                message = _("%(agency)s is not within your scope of direction.")
            errors.setdefault("recipients", []).append(message % {"agency": name})
            continue
        if not agency.is_active_on(today):
            errors.setdefault("recipients", []).append(
                _("%(agency)s no longer exists (merged or split); choose the agency that took over its work.")
                % {"agency": name}
            )
            continue
        out.append(agency)
    return out


def _alert(actor: Any, alert: Any, task: Task | None) -> Alert | None:
    if alert is None:
        return None
    try:
        found = visible_to(actor, Alert.objects.all()).get(pk=pk_of(alert))
    except (Alert.DoesNotExist, ValueError, TypeError):
        raise not_found() from None
    if task is not None and found.task_id is not None and found.task_id != task.pk:
        raise ValidationFailed(_("The warning you answer is about another task."), field="alert")
    return found


@transaction.atomic
def issue_directive(
    actor: Any,
    *,
    task: Any = None,
    agency: Any = None,
    recipients: Any = (),
    text: Any = "",
    due_date: Any = None,
    alert: Any = None,
) -> Directive:
    """Issue a directive about ``task`` or ``agency`` to the ``recipients`` (agencies or ids), to be
    reported on by ``due_date``; the recipients' leaders and focal officers are notified."""
    if not may_issue(actor):
        raise PermissionRefused(
            _("Only leaders, and members of a resolution's steering committee, may issue directives.")
        )
    task, agency = _subject(actor, task, agency)
    if task is not None and not (actor.scope.role == Role.LEADER or steers(actor, task.resolution_id)):
        raise PermissionRefused(
            _("Only leaders, and members of a resolution's steering committee, may issue directives.")
        )
    if task is None and actor.scope.role != Role.LEADER:
        raise PermissionRefused(_("Only leaders may issue a directive about an agency."))
    found_alert = _alert(actor, alert, task)
    errors: dict[str, list[str]] = {}
    chosen = _recipients(actor, task, recipients, errors)
    cleaned, error = text_error(text, missing=_("Write the directive (at least 5 characters)."))
    if error:
        errors["text"] = [error]
    due, error = due_error(due_date)
    if error:
        errors["due_date"] = [error]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, errors=errors, code=classified.code_of(errors))
    assert due is not None
    directive = Directive.objects.create(
        issued_by=actor,
        issuing_agency=actor.agency,
        task=task,
        agency=agency,
        resolution_id=task.resolution_id if task is not None else None,
        alert=found_alert,
        text=cleaned,
        due_date=due,
        updated_by_name=actor.get_username(),
    )
    DirectiveRecipient.objects.bulk_create(
        [DirectiveRecipient(directive=directive, agency=a) for a in chosen]
    )
    record(
        actor,
        "directives.issued",
        directive,
        after={**snapshot(directive), "recipients": [a.pk for a in chosen]},
        agency_path=actor.agency.path,
    )
    notices.issued(directive, chosen, actor)
    return directive


# --- the recipients' side ------------------------------------------------------------------------


def _locked_recipient(actor: Any, recipient: Any) -> DirectiveRecipient:
    try:
        return (
            visible_to(actor, DirectiveRecipient.objects.all())
            .select_for_update(of=("self",))
            .select_related("agency", "directive__issuing_agency", "directive__issued_by", "directive__task")
            .get(pk=pk_of(recipient))
        )
    except (DirectiveRecipient.DoesNotExist, ValueError, TypeError):
        raise not_found() from None


def _touch(directive: Directive, actor: Any) -> None:
    """A change on the recipients' side is a change of the directive (its version moves on)."""
    Directive.objects.filter(pk=directive.pk).update(
        version=F("version") + 1, updated_by_name=actor.get_username(), updated_at=clock.now()
    )


def _check_respond(actor: Any, rec: DirectiveRecipient) -> None:
    if rec.directive.status != DirectiveStatus.OPEN:
        raise Conflict(
            _("This directive has been closed or withdrawn; it needs no more answers."),
            code="directive_not_open",
        )
    if not may_respond(actor, rec):
        raise PermissionRefused(
            _("Only the leaders and focal officers of %(agency)s may answer this directive.")
            % {"agency": rec.agency.name}
        )


def _acknowledged_by(rec: DirectiveRecipient) -> str:
    who = rec.acknowledged_by.get_username() if rec.acknowledged_by is not None else ""
    return _("%(agency)s acknowledged this directive on %(date)s (%(who)s).") % {
        "agency": rec.agency.name,
        "date": day(rec.acknowledged_at.astimezone(clock.tz()).date()) if rec.acknowledged_at else "",
        "who": who,
    }


@transaction.atomic
def acknowledge(actor: Any, recipient_id: Any) -> DirectiveRecipient:
    """The recipient agency confirms it received the directive."""
    rec = _locked_recipient(actor, recipient_id)
    _check_respond(actor, rec)
    if rec.acknowledged_at is not None:
        raise Conflict(_acknowledged_by(rec), code="already_acknowledged")
    before = snapshot(rec)
    rec.acknowledged_at = clock.now()
    rec.acknowledged_by = actor
    rec.save(update_fields=["acknowledged_at", "acknowledged_by"])
    _touch(rec.directive, actor)
    record(
        actor, "directives.acknowledged", rec, before=before, after=snapshot(rec), agency_path=rec.agency.path
    )
    notices.acknowledged(rec, actor)
    return rec


@transaction.atomic
def report_back(actor: Any, recipient_id: Any, text: Any) -> DirectiveRecipient:
    """The recipient agency reports what it did; acknowledging too if it had not yet."""
    rec = _locked_recipient(actor, recipient_id)
    _check_respond(actor, rec)
    if rec.reported_at is not None:
        raise Conflict(
            _("%(agency)s already reported on this directive on %(date)s.")
            % {"agency": rec.agency.name, "date": day(rec.reported_at.astimezone(clock.tz()).date())},
            code="already_reported",
        )
    report = clean_text(
        text, field="report", missing=_("Write what your agency did (at least 5 characters).")
    )
    before = snapshot(rec)
    now = clock.now()
    if rec.acknowledged_at is None:
        rec.acknowledged_at = now
        rec.acknowledged_by = actor
    rec.report = report
    rec.reported_at = now
    rec.reported_by = actor
    rec.save(update_fields=["acknowledged_at", "acknowledged_by", "report", "reported_at", "reported_by"])
    _touch(rec.directive, actor)
    record(actor, "directives.reported", rec, before=before, after=snapshot(rec), agency_path=rec.agency.path)
    notices.reported(rec, actor)
    return rec


# --- the issuing side ----------------------------------------------------------------------------


def _locked(actor: Any, directive: Any) -> Directive:
    try:
        return (
            visible_to(actor, Directive.objects.all())
            .select_for_update(of=("self",))
            .select_related("issuing_agency", "issued_by", "task", "agency")
            .get(pk=pk_of(directive))
        )
    except (Directive.DoesNotExist, ValueError, TypeError):
        raise not_found() from None


def _end(actor: Any, directive: Any, *, status: str, note: Any, version: int | None) -> Directive:
    directive = _locked(actor, directive)
    if directive.status != DirectiveStatus.OPEN:
        raise Conflict(_("This directive is already closed or withdrawn."), code="directive_not_open")
    if not may_manage(actor, directive):
        raise PermissionRefused(
            _("Only the issuer or a leader of %(agency)s may close or withdraw this directive.")
            % {"agency": directive.issuing_agency.name}
        )
    check_version(directive, version)
    unreported = directive.recipients.filter(reported_at__isnull=True).exists()
    if status == DirectiveStatus.WITHDRAWN:
        field, minimum = "reason", 5
        missing = _("Give the reason for withdrawing the directive (at least 5 characters).")
    else:
        field, minimum = "note", (5 if unreported else 0)
        missing = _(
            "Not every recipient has reported yet: say why you close the directive (at least 5 characters)."
        )
    text = clean_text(note, field=field, missing=missing, minimum=minimum, maximum=NOTE_MAX)
    before = snapshot(directive, FIELDS)
    directive.status = status
    directive.closed_at = clock.now()
    directive.close_note = text
    directive.version += 1
    directive.updated_by_name = actor.get_username()
    directive.save()
    action = "directives.withdrawn" if status == DirectiveStatus.WITHDRAWN else "directives.closed"
    record(
        actor,
        action,
        directive,
        before=before,
        after=snapshot(directive, FIELDS),
        agency_path=directive.issuing_agency.path,
        reason=text,
    )
    agencies = [r.agency for r in directive.recipients.select_related("agency")]
    notices.ended(directive, actor, agencies)
    return directive


@transaction.atomic
def close(actor: Any, directive: Any, note: Any = "", *, version: int | None = None) -> Directive:
    """The issuing side closes the directive (done with); a note is needed while some recipient
    has not reported."""
    return _end(actor, directive, status=DirectiveStatus.CLOSED, note=note, version=version)


@transaction.atomic
def withdraw(actor: Any, directive: Any, reason: Any, *, version: int | None = None) -> Directive:
    """The issuing side withdraws the directive (no longer wanted), with a reason."""
    return _end(actor, directive, status=DirectiveStatus.WITHDRAWN, note=reason, version=version)
