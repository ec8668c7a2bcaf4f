"""Computing evaluations: the score and the proposed level of many agencies at once.

Leaders of a level above (or system administrators) run it for the agencies under them: by
default the agencies directly under the chosen agency, or every agency of one kind inside its
subtree (the 34 provincial party committees, the communes...). Set-based: the inputs of all the
agencies are gathered in a few queries (``inputs.gather``), the rows written with one bulk insert
and one bulk update, one audit row for the run.

Recomputing refreshes the computed part (score, inputs, rule version) of evaluations still
computed or self-assessed and keeps the people's steps; evaluations already appraised or decided
are left as they were (their figures are what the supervisor judged) and counted as kept; a run
that would change none of them is refused with a message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from resmon.agencies.models import Agency, AgencyKind
from resmon.audit.services import record
from resmon.catalogue.models import ReportingPeriod
from resmon.core import clock
from resmon.core.access import visible_to
from resmon.core.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from resmon.planning.selectors_bands import current_band_rule

from .. import permissions, selectors
from ..inputs import Window, gather
from ..models import RECOMPUTABLE, Evaluation, State
from ..scoring import Rule, score
from . import notices

COMPUTED_FIELDS = (
    "score",
    "proposed_level",
    "inputs",
    "rule_version",
    "computed_at",
    "computed_by",
    "version",
    "updated_at",
    "updated_by_name",
)


@dataclass
class ComputeResult:
    target: selectors.Target
    root: Agency
    created: list[Evaluation] = field(default_factory=list)
    refreshed: list[Evaluation] = field(default_factory=list)
    kept: list[Evaluation] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.created) + len(self.refreshed) + len(self.kept)


def _not_found() -> NotFound:
    return NotFound(_("Not found, or you do not have access to it."))


def _day(value: dt.date) -> str:
    return date_format(value, "d/m/Y")


def _target(period: Any, year: Any) -> selectors.Target:
    if isinstance(period, ReportingPeriod):
        period = period.pk
    given = [v for v in (period, year) if v not in (None, "")]
    if len(given) != 1:
        raise ValidationFailed(
            _("Choose either a quarter or a year to evaluate (one of the two)."), field="period"
        )
    target = selectors.pick_target(period, year)
    today = clock.today()
    if target.start > today:
        raise ValidationFailed(
            _("%(period)s has not begun yet (it starts on %(start)s): there is nothing to evaluate.")
            % {"period": target.label, "start": _day(target.start)},
            field="period" if target.period is not None else "year",
        )
    return target


def _root(actor: Any, agency: Any) -> Agency:
    if agency is None:
        own = getattr(actor, "agency", None)
        if own is None:
            raise ValidationFailed(_("Choose the agency whose subtree you evaluate."), field="agency")
        return own
    try:
        return visible_to(actor, Agency.objects.all()).get(pk=getattr(agency, "pk", agency))
    except (Agency.DoesNotExist, ValueError, TypeError):
        raise _not_found() from None


def _kind(value: Any) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    if text not in AgencyKind.values:
        raise ValidationFailed(_("Choose a kind of agency from the list."), field="agency_kind")
    return text


def candidates(root: Agency, window: Window, agency_kind: str | None) -> list[Agency]:
    """The agencies evaluated: every one of ``agency_kind`` under ``root`` (the root itself left
    out), or without a kind the agencies directly under it; those dissolved before the window or
    created after it are left out."""
    qs = Agency.objects.filter(path__startswith=root.path).exclude(pk=root.pk)
    qs = qs.filter(kind=agency_kind) if agency_kind else qs.filter(depth=root.depth + 1)
    qs = qs.exclude(valid_to__lt=window.start).exclude(valid_from__gt=window.end)
    return list(qs.order_by("path"))


def _explicit(actor: Any, agencies: list[Any], window: Window) -> list[Agency]:
    ids = [getattr(a, "pk", a) for a in agencies]
    found = list(visible_to(actor, Agency.objects.filter(pk__in=ids)).order_by("path"))
    if len(found) != len(set(ids)):
        raise _not_found()
    return [a for a in found if a.is_active_on(window.end) or a.is_active_on(window.start)]


def _existing(target: selectors.Target, agencies: list[Agency]) -> dict[int, Evaluation]:
    qs = target.filter(Evaluation.objects.filter(agency_id__in=[a.pk for a in agencies]))
    return {ev.agency_id: ev for ev in qs.select_for_update()}


def compute_evaluations(
    actor: Any,
    *,
    period: Any = None,
    year: Any = None,
    agency: Any = None,
    agency_kind: Any = None,
    agencies: list[Any] | None = None,
) -> ComputeResult:
    """Compute (or refresh) the evaluations of ``period`` (a quarter) or ``year`` for the agencies
    under ``agency`` (default: the actor's own): see the module. ``agencies``: exactly these ones
    instead (each strictly under the actor's agency), e.g. to recompute one."""
    if not permissions.signed_in(actor):
        raise PermissionRefused(_("Sign in to compute evaluations."))
    target = _target(period, year)
    window = Window.of(target.start, target.end)
    root = _root(actor, agency)
    if not permissions.may_compute_under(actor, root):
        raise PermissionRefused(
            _(
                "Only the leaders of a level above the agencies evaluated (or system administrators) may "
                "compute evaluations, for the agencies under their own agency."
            ),
            field="agency",
        )
    if agencies is not None:
        chosen = _explicit(actor, agencies, window)
    else:
        chosen = candidates(root, window, _kind(agency_kind))
    refused = [a for a in chosen if not permissions.may_compute_for(actor, a)]
    if refused:
        raise PermissionRefused(
            _("You cannot compute the evaluation of %(agency)s: it is evaluated by a level above it.")
            % {"agency": refused[0].name},
            field="agency",
        )
    if not chosen:
        raise ValidationFailed(
            _("There is no agency to evaluate under %(agency)s for %(period)s.")
            % {"agency": root.name, "period": target.label},
            field="agency_kind" if agency_kind else "agency",
        )
    rule = selectors.current_rule()
    with transaction.atomic():
        result = _write(actor, target, root, window, chosen, rule)
        record(
            actor,
            "evaluation.computed",
            root,
            after={
                "kind": target.kind,
                "period": target.period.pk if target.period is not None else None,
                "year": target.year if target.period is None else target.period.year,
                "agency_kind": agency_kind or None,
                "agencies": len(chosen),
                "created": len(result.created),
                "refreshed": len(result.refreshed),
                "kept": len(result.kept),
                "rule": rule.as_dict(),
                "as_of": window.as_of,
            },
            agency_path=root.path,
        )
        if result.created:
            notices.computed([ev.agency for ev in result.created], target.label, target.query(), actor)
    return result


def _write(
    actor: Any, target: selectors.Target, root: Agency, window: Window, chosen: list[Agency], rule: Rule
) -> ComputeResult:
    existing = _existing(target, chosen)
    result = ComputeResult(target=target, root=root)
    to_score = []
    for a in chosen:
        ev = existing.get(a.pk)
        if ev is not None and ev.state not in RECOMPUTABLE:
            result.kept.append(ev)
        else:
            to_score.append(a)
    if not to_score:
        raise Conflict(
            _(
                "The evaluations of %(period)s for these agencies have all been appraised or decided: "
                "their scores are what was judged and are not recomputed."
            )
            % {"period": target.label},
            code="evaluation_locked",
        )
    band_rule = current_band_rule()
    gathered = gather(to_score, window, band_rule)
    now = clock.now()
    new: list[Evaluation] = []
    for a in to_score:
        inputs = gathered[a.pk]
        outcome = score(inputs, rule)
        snapshot = {
            "inputs": inputs.as_dict(),
            "rule": rule.as_dict(),
            "kpi_band_rule": {
                "on_track_from": str(band_rule.on_track_from),
                "at_risk_below": str(band_rule.at_risk_below),
            },
            "window": {"start": window.start.isoformat(), "end": window.end.isoformat()},
            "as_of": window.as_of.isoformat(),
        }
        ev = existing.get(a.pk)
        if ev is None:
            ev = Evaluation(
                agency=a,
                kind=target.kind,
                period=target.period,
                year=target.period.year if target.period is not None else int(target.year or 0),
                window_start=window.start,
                window_end=window.end,
                state=State.COMPUTED,
            )
            new.append(ev)
        else:
            ev.version += 1
            result.refreshed.append(ev)
        ev.score = outcome.score
        ev.proposed_level = outcome.level
        ev.inputs = snapshot
        ev.rule_version = rule.version
        ev.computed_at = now
        ev.computed_by = actor
        ev.updated_at = now
        ev.updated_by_name = actor.get_username()
        ev.agency = a
    if new:
        result.created = Evaluation.objects.bulk_create(new, batch_size=500)
    if result.refreshed:
        Evaluation.objects.bulk_update(result.refreshed, COMPUTED_FIELDS, batch_size=500)
    return result
