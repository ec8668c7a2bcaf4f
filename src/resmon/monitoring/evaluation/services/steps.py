"""The three steps people take on an evaluation (Quy định 124-QĐ/TW), in order:

computed → self_assessed (the agency's leader) → appraised (the supervising agency: level, comment,
proposal) → decided (the competent body: level, decision number and date, note).

A self-assessment may be revised until the appraisal, an appraisal until the decision; a decision
is final. Each step checks who acts (``permissions``), the state, the version the form was read
at, then every field (all the field errors at once), writes, records its audit row and notifies
the next actor, in one transaction: a refused step changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from resmon.audit.services import record, snapshot
from resmon.core import classified, clock
from resmon.core.access import visible_to
from resmon.core.dates import parse_date
from resmon.core.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from resmon.core.models import check_version

from .. import permissions
from ..models import RECOMPUTABLE, Evaluation, Level, State
from . import notices

MIN_COMMENT = 10
MAX_TEXT = 4000
MAX_NUMBER = 60

SELF_FIELDS = ["state", "self_level", "self_comment", "self_by", "self_at", "version"]
APPRAISAL_FIELDS = [
    "state",
    "appraisal_level",
    "appraisal_comment",
    "appraisal_proposal",
    "appraising_agency",
    "appraised_by",
    "appraised_at",
    "version",
]
DECISION_FIELDS = [
    "state",
    "decision_level",
    "decision_number",
    "decision_date",
    "decision_note",
    "deciding_agency",
    "decided_by",
    "decided_at",
    "version",
]


def _day(value: dt.date) -> str:
    return date_format(value, "d/m/Y")


def _locked(actor: Any, ev: Evaluation | int) -> Evaluation:
    """The evaluation re-read with a row lock, through the actor's scope (a 404 otherwise)."""
    try:
        return (
            visible_to(actor, Evaluation.objects.all())
            .select_for_update(of=("self",))
            .select_related("agency", "period")
            .get(pk=getattr(ev, "pk", ev))
        )
    except (Evaluation.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Not found, or you do not have access to it.")) from None


class _Errors:
    """Field errors collected, raised together."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(str(message))

    def raise_any(self) -> None:
        if self.errors:
            first_field = next(iter(self.errors))
            raise ValidationFailed(
                _("Correct the fields marked and send again; nothing was saved."),
                field=first_field if len(self.errors) == 1 else None,
                errors=self.errors,
                code=classified.code_of(self.errors),
            )


def _level(value: Any, errors: _Errors, field: str = "level") -> str:
    text = str(value or "").strip()
    if text not in Level.values:
        errors.add(field, _("Choose one of the four levels."))
    return text


def _text(value: Any, errors: _Errors, field: str, *, minimum: int, missing: str) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if len(text) < minimum:
        errors.add(field, missing)
    elif len(text) > MAX_TEXT:
        errors.add(
            field, _("Write at most %(max)s characters (this has %(n)s).") % {"max": MAX_TEXT, "n": len(text)}
        )
    elif classified.mark_in_text(text):
        errors.add(field, str(classified.TEXT_MESSAGE))
    return text


def _comment(value: Any, errors: _Errors, field: str = "comment") -> str:
    return _text(
        value,
        errors,
        field,
        minimum=MIN_COMMENT,
        missing=_("Write the assessment behind the level (at least %(n)s characters).") % {"n": MIN_COMMENT},
    )


def _state_conflict(ev: Evaluation, allowed: tuple[str, ...], message: str) -> None:
    if ev.state not in allowed:
        raise Conflict(message, code="evaluation_wrong_state")


def _audit(actor: Any, action: str, ev: Evaluation, before: dict, fields: list[str]) -> None:
    record(
        actor,
        action,
        ev,
        before=before,
        after=snapshot(ev, fields),
        agency_path=ev.agency.path,
    )


@transaction.atomic
def self_assess(
    actor: Any, ev: Evaluation | int, *, level: Any, comment: Any, expected_version: int | None = None
) -> Evaluation:
    """The agency's leader records its self-assessment (computed or self-assessed → self_assessed)."""
    ev = _locked(actor, ev)
    if not permissions.is_self(actor, ev):
        raise PermissionRefused(
            _("Only the leaders of %(agency)s record its self-assessment.") % {"agency": ev.agency.name}
        )
    _state_conflict(
        ev,
        RECOMPUTABLE,
        _("This evaluation has already been appraised: the self-assessment can no longer be changed."),
    )
    check_version(ev, expected_version)
    errors = _Errors()
    level = _level(level, errors)
    comment = _comment(comment, errors)
    errors.raise_any()
    before = snapshot(ev, SELF_FIELDS)
    ev.self_level = level
    ev.self_comment = comment
    ev.self_by = actor
    ev.self_at = clock.now()
    ev.state = State.SELF_ASSESSED
    ev.version += 1
    ev.updated_by_name = actor.get_username()
    ev.save()
    _audit(actor, "evaluation.self_assessed", ev, before, SELF_FIELDS)
    notices.self_assessed(ev, actor)
    return ev


@transaction.atomic
def appraise(
    actor: Any,
    ev: Evaluation | int,
    *,
    level: Any,
    comment: Any,
    proposal: Any = "",
    expected_version: int | None = None,
) -> Evaluation:
    """The supervising agency appraises and proposes a level (self_assessed or appraised → appraised)."""
    ev = _locked(actor, ev)
    if not permissions.is_appraiser(actor, ev):
        raise PermissionRefused(
            _(
                "Only the leaders and focal officers of the agency supervising %(agency)s (the level above "
                "it) appraise its evaluation; an agency never appraises itself."
            )
            % {"agency": ev.agency.name}
        )
    if ev.state == State.COMPUTED:
        raise Conflict(
            _("%(agency)s has not self-assessed yet: the appraisal follows its self-assessment.")
            % {"agency": ev.agency.name},
            code="evaluation_wrong_state",
        )
    _state_conflict(
        ev, (State.SELF_ASSESSED, State.APPRAISED), _("This evaluation has already been decided.")
    )
    check_version(ev, expected_version)
    errors = _Errors()
    level = _level(level, errors)
    comment = _comment(comment, errors)
    proposal = _text(proposal, errors, "proposal", minimum=0, missing="")
    errors.raise_any()
    before = snapshot(ev, APPRAISAL_FIELDS)
    ev.appraisal_level = level
    ev.appraisal_comment = comment
    ev.appraisal_proposal = proposal
    ev.appraising_agency = actor.agency
    ev.appraised_by = actor
    ev.appraised_at = clock.now()
    ev.state = State.APPRAISED
    ev.version += 1
    ev.updated_by_name = actor.get_username()
    ev.save()
    _audit(actor, "evaluation.appraised", ev, before, APPRAISAL_FIELDS)
    notices.appraised(ev, actor)
    return ev


def _decision_date(value: Any, ev: Evaluation, errors: _Errors) -> dt.date | None:
    if isinstance(value, str):
        value = parse_date(value.strip()) if value.strip() else None
    if value is None or isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        errors.add("decision_date", _("Give the date of the decision, as dd/mm/yyyy."))
        return None
    today = clock.today()
    if value > today:
        errors.add(
            "decision_date",
            _("The decision cannot be dated in the future; give %(today)s or earlier.")
            % {"today": _day(today)},
        )
    elif value < ev.window_start:
        errors.add(
            "decision_date",
            _("The decision cannot be dated before the period evaluated began (%(start)s).")
            % {"start": _day(ev.window_start)},
        )
    return value


@transaction.atomic
def decide(
    actor: Any,
    ev: Evaluation | int,
    *,
    level: Any,
    number: Any,
    decided_on: Any,
    note: Any = "",
    expected_version: int | None = None,
) -> Evaluation:
    """The competent body records its decision (appraised → decided; final)."""
    ev = _locked(actor, ev)
    if not permissions.is_decider(actor, ev):
        raise PermissionRefused(
            _(
                "Only the leaders of the agency supervising %(agency)s, or of a level above it, decide its "
                "evaluation."
            )
            % {"agency": ev.agency.name}
        )
    if ev.state == State.DECIDED:
        raise Conflict(_("This evaluation has already been decided."), code="evaluation_wrong_state")
    if ev.state != State.APPRAISED:
        raise Conflict(
            _("The decision follows the appraisal: %(agency)s's evaluation has not been appraised yet.")
            % {"agency": ev.agency.name},
            code="evaluation_wrong_state",
        )
    check_version(ev, expected_version)
    errors = _Errors()
    level = _level(level, errors)
    number_text = str(number or "").replace("\x00", "").strip()
    if not number_text:
        errors.add("decision_number", _("Give the number of the decision (e.g. 125-QĐ/TU)."))
    elif len(number_text) > MAX_NUMBER:
        errors.add("decision_number", _("Write at most %(max)s characters.") % {"max": MAX_NUMBER})
    day = _decision_date(decided_on, ev, errors)
    note = _text(note, errors, "note", minimum=0, missing="")
    errors.raise_any()
    before = snapshot(ev, DECISION_FIELDS)
    ev.decision_level = level
    ev.decision_number = number_text
    ev.decision_date = day
    ev.decision_note = note
    ev.deciding_agency = actor.agency
    ev.decided_by = actor
    ev.decided_at = clock.now()
    ev.state = State.DECIDED
    ev.version += 1
    ev.updated_by_name = actor.get_username()
    ev.save()
    _audit(actor, "evaluation.decided", ev, before, DECISION_FIELDS)
    notices.decided(ev, actor)
    return ev
