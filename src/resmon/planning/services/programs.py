"""Writes on action programmes: draft, edit, issue (with the six clears), amendments, and the
members of a resolution's steering committee."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from resmon.agencies.models import PARTY_KINDS
from resmon.audit.services import record, snapshot
from resmon.core import classified, clock
from resmon.core.access import Role, can
from resmon.core.errors import Conflict, PermissionRefused, ValidationFailed
from resmon.core.models import check_version

from ..models import ActionProgram, ProgramAmendment, Resolution, SteeringCommittee, SteeringMember
from . import notices
from .tree import ensure_editable

# party style: 15-CTr/TU, 07-KH/ĐU; state style: 15/KH-UBND, 120/CTr-BKHCN
PARTY_NUMBER = re.compile(r"^(\d{1,5})-([A-Za-zĐđ]{1,10})/([A-Za-zĐđ0-9]{1,15})$")
STATE_NUMBER = re.compile(r"^(\d{1,5})/([A-Za-zĐđ]{1,10})-([A-Za-zĐđ0-9]{1,15}(?:-[A-Za-zĐđ0-9]{1,15})*)$")
# document type -> the type codes its number may carry
TYPE_CODES = {
    ActionProgram.DocType.ACTION_PROGRAM: ("CTr", "CTHĐ", "CTHD"),
    ActionProgram.DocType.PLAN: ("KH",),
}
EDITABLE_FIELDS = ("doc_type", "number", "title", "signer")


def is_party_agency(agency: Any) -> bool:
    return agency.kind in PARTY_KINDS


def check_number(number: str, *, agency: Any, doc_type: str, field: str = "number") -> str:
    """A document number in the style of the issuing agency: party bodies write ``15-CTr/TU``
    (hyphen), state bodies ``15/KH-UBND`` (slash); the type code matches the document type."""
    number = (number or "").strip()
    party = is_party_agency(agency)
    pattern = PARTY_NUMBER if party else STATE_NUMBER
    match = pattern.match(number)
    if not match:
        if party:
            msg = _(
                "“%(number)s” is not a party-style document number: write it as number-type/issuer "
                "with a hyphen and a slash, e.g. 15-CTr/TU."
            )
        else:
            msg = _(
                "“%(number)s” is not a state-style document number: write it as number/type-issuer "
                "with a slash and a hyphen, e.g. 15/KH-UBND."
            )
        raise ValidationFailed(msg % {"number": number[:60]}, field=field)
    codes = TYPE_CODES.get(doc_type, ())
    if codes and match.group(2) not in codes:
        raise ValidationFailed(
            _("The number's type code “%(code)s” does not match the document type (expected %(expected)s).")
            % {"code": match.group(2), "expected": " / ".join(codes)},
            field=field,
        )
    return number


def _required(value: Any, field: str, message: str, max_length: int) -> str:
    text = (value or "").replace("\x00", "").strip()
    if not text:
        raise ValidationFailed(message, field=field)
    if len(text) > max_length:
        raise ValidationFailed(_("Enter at most %(n)s characters.") % {"n": max_length}, field=field)
    return text


def _text(value: Any, field: str, message: str, max_length: int) -> str:
    text = _required(value, field, message, max_length)
    classified.refuse_marked(**{field: text})
    return text


def _date_not_future(value: Any, field: str) -> dt.date:
    if not isinstance(value, dt.date):
        raise ValidationFailed(_("Enter a valid date."), field=field)
    if value > clock.today():
        raise ValidationFailed(_("The date cannot be in the future."), field=field)
    return value


def open_amendment_of(program: ActionProgram) -> ProgramAmendment | None:
    return program.amendments.filter(is_open=True).order_by("-id").first()


def _check_change(actor: Any, program: ActionProgram) -> None:
    if not can(actor, "change", program):
        raise PermissionRefused(_("You may not change this programme."))


def _validate(data: dict[str, Any], agency: Any) -> dict[str, Any]:
    if "title" in data:
        data["title"] = _text(data["title"], "title", _("Give the programme a title."), 500)
    if "doc_type" in data and data["doc_type"] not in ActionProgram.DocType.values:
        raise ValidationFailed(_("Choose a document type from the list."), field="doc_type")
    if "signer" in data:
        data["signer"] = (data["signer"] or "").strip()[:150]
    if data.get("number"):
        data["number"] = check_number(
            data["number"],
            agency=agency,
            doc_type=data.get("doc_type") or ActionProgram.DocType.ACTION_PROGRAM,
        )
    return data


@transaction.atomic
def create_program(
    actor: Any,
    *,
    resolution: Resolution,
    agency: Any,
    doc_type: str = ActionProgram.DocType.ACTION_PROGRAM,
    number: str = "",
    title: str,
    signer: str = "",
) -> ActionProgram:
    """A draft programme of ``agency`` for ``resolution``."""
    draft = ActionProgram(resolution=resolution, agency=agency)
    _check_change(actor, draft)
    if ActionProgram.objects.filter(resolution=resolution, agency=agency).exists():
        raise Conflict(
            _("%(agency)s already has a programme for resolution %(resolution)s.")
            % {"agency": agency.name, "resolution": resolution.number},
            field="agency",
        )
    data = _validate({"doc_type": doc_type, "number": number, "title": title, "signer": signer}, agency)
    for name, value in data.items():
        setattr(draft, name, value)
    draft.updated_by_name = actor.get_username()
    try:
        with transaction.atomic():
            draft.save()
    except IntegrityError:
        raise Conflict(
            _("This agency already has a programme for this resolution."), field="agency"
        ) from None
    record(actor, "planning.program_created", draft, after=snapshot(draft), agency_path=agency.path)
    return draft


def _locked(program: ActionProgram) -> ActionProgram:
    return (
        ActionProgram.objects.select_for_update(of=("self",))
        .select_related("agency", "resolution")
        .get(pk=program.pk)
    )


@transaction.atomic
def update_program(
    actor: Any, program: ActionProgram, *, expected_version: int | None, **fields: Any
) -> ActionProgram:
    program = _locked(program)
    _check_change(actor, program)
    check_version(program, expected_version)
    ensure_editable(program)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    merged = {f: getattr(program, f) for f in EDITABLE_FIELDS} | fields
    data = _validate(merged, program.agency)
    if program.status == ActionProgram.Status.ISSUED and not data.get("number"):
        raise ValidationFailed(_("An issued programme keeps its number."), field="number")
    before = snapshot(program)
    for name, value in data.items():
        setattr(program, name, value)
    program.version += 1
    program.updated_by_name = actor.get_username()
    program.save()
    amendment = open_amendment_of(program)
    record(
        actor,
        "planning.program_updated",
        program,
        before=before,
        after=snapshot(program),
        agency_path=program.agency.path,
        reason=(amendment.reason if amendment else ""),
    )
    return program


@transaction.atomic
def issue_program(
    actor: Any,
    program: ActionProgram,
    *,
    number: str,
    issued_on: dt.date,
    signer: str,
    override_reason: str = "",
    expected_version: int | None = None,
) -> ActionProgram:
    """Issue a draft. Refused while a task has open six-clears flags, unless a leader of the
    programme's agency overrides with a reason (stored on the programme and audited)."""
    from ..selectors_clears import program_flags

    program = _locked(program)
    _check_change(actor, program)
    check_version(program, expected_version)
    if program.status != ActionProgram.Status.DRAFT:
        raise ValidationFailed(_("This programme has already been issued."), code="program_issued")
    number = check_number(number, agency=program.agency, doc_type=program.doc_type)
    issued_on = _date_not_future(issued_on, "issued_on")
    signer = _required(signer, "signer", _("Name the person who signs the programme."), 150)
    if not program.tasks.exists():
        raise ValidationFailed(_("Add the programme's tasks before issuing it."))
    summary, _open = program_flags(program)
    override_reason = (override_reason or "").strip()
    if summary.flagged:
        detail = "; ".join(f"{label}: {n}" for _r, label, n in summary.rules if n)
        if not override_reason:
            raise ValidationFailed(
                _(
                    "%(n)s of the programme's tasks fail the six clears (%(detail)s). Fix them, or a "
                    "leader of the agency may issue it anyway with a reason."
                )
                % {"n": summary.flagged, "detail": detail},
                code="open_flags",
                field="override_reason",
            )
        leader = actor.scope.role == Role.LEADER and actor.scope.agency_id == program.agency_id
        if not leader:
            raise PermissionRefused(
                _("Only a leader of %(agency)s may issue the programme with open six-clears flags.")
                % {"agency": program.agency.name},
                field="override_reason",
            )
    elif override_reason:
        override_reason = ""
    # judged once the programme could be issued: a refusal for anything else reads the same
    classified.refuse_marked(signer=signer, override_reason=override_reason)
    before = snapshot(program)
    program.number = number
    program.issued_on = issued_on
    program.signer = signer
    program.status = ActionProgram.Status.ISSUED
    program.override_reason = override_reason
    program.version += 1
    program.updated_by_name = actor.get_username()
    program.save()
    after = snapshot(program) | {"open_flags": summary.per_rule, "flagged_tasks": summary.flagged}
    record(
        actor,
        "planning.program_issued",
        program,
        before=before,
        after=after,
        reason=override_reason,
        agency_path=program.agency.path,
    )
    notices.program_issued(actor, program)
    return program


@transaction.atomic
def open_amendment(
    actor: Any, program: ActionProgram, *, number: str = "", decided_on: dt.date, reason: str
) -> ProgramAmendment:
    """Open an issued programme for changes; the changes are recorded under the amendment."""
    program = _locked(program)
    _check_change(actor, program)
    if program.status != ActionProgram.Status.ISSUED:
        raise ValidationFailed(_("A draft programme is edited directly; amendments are for issued ones."))
    if open_amendment_of(program) is not None:
        raise Conflict(_("An amendment of this programme is already open; close it first."))
    reason = _text(reason, "reason", _("Give the reason for the amendment."), 5000)
    decided_on = _date_not_future(decided_on, "decided_on")
    if number:
        number = check_number(number, agency=program.agency, doc_type=program.doc_type)
    amendment = ProgramAmendment.objects.create(
        program=program, number=number, decided_on=decided_on, reason=reason, created_by=actor
    )
    record(
        actor,
        "planning.amendment_opened",
        amendment,
        after=snapshot(amendment),
        reason=reason,
        agency_path=program.agency.path,
    )
    return amendment


@transaction.atomic
def close_amendment(actor: Any, amendment: ProgramAmendment) -> ProgramAmendment:
    """Close an amendment: the programme is read-only again."""
    amendment = (
        ProgramAmendment.objects.select_for_update(of=("self",))
        .select_related("program__agency")
        .get(pk=amendment.pk)
    )
    _check_change(actor, amendment.program)
    if not amendment.is_open:
        raise ValidationFailed(_("This amendment is already closed."))
    before = snapshot(amendment)
    amendment.is_open = False
    amendment.save(update_fields=["is_open", "updated_at"])
    record(
        actor,
        "planning.amendment_closed",
        amendment,
        before=before,
        after=snapshot(amendment),
        agency_path=amendment.program.agency.path,
    )
    return amendment


# --- steering committees -------------------------------------------------------------------


def _system_admin(actor: Any) -> None:
    if not (getattr(actor, "is_authenticated", False) and actor.scope.role == Role.SYSTEM_ADMIN):
        raise PermissionRefused(_("Only a system administrator may do this."))


@transaction.atomic
def add_steering_member(
    actor: Any, resolution: Resolution, user: Any, *, position: str = ""
) -> SteeringMember:
    """Add a member to the resolution's steering committee (created if absent); the member then
    sees the resolution's tasks nationwide."""
    _system_admin(actor)
    if not user.is_active:
        raise ValidationFailed(_("This account is deactivated."), field="user")
    committee, _created = SteeringCommittee.objects.get_or_create(
        resolution=resolution,
        defaults={"name": _("Steering committee for resolution %(number)s") % {"number": resolution.number}},
    )
    if committee.memberships.filter(user=user).exists():
        raise Conflict(_("%(user)s is already a member.") % {"user": user.display_name}, field="user")
    member = SteeringMember.objects.create(
        committee=committee, user=user, position=(position or "").strip()[:150]
    )
    record(
        actor,
        "planning.steering_member_added",
        member,
        after=snapshot(member),
        object_repr=f"{resolution.number}: {user.get_username()}",
    )
    return member


@transaction.atomic
def remove_steering_member(actor: Any, member: SteeringMember) -> None:
    _system_admin(actor)
    before = snapshot(member)
    repr_ = f"{member.committee.resolution.number}: {member.user.get_username()}"
    record(actor, "planning.steering_member_removed", member, before=before, object_repr=repr_)
    member.delete()
