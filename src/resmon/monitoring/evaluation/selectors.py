"""Reads of evaluations, always scoped (an evaluation is seen by whoever sees its agency: the
agency itself, the levels above it, inspectors over it), and of the rule in force."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import CharField, Count, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext as _

from resmon.agencies.models import Agency
from resmon.catalogue import periods as cal
from resmon.catalogue.models import PeriodKind as CataloguePeriodKind
from resmon.catalogue.models import ReportingPeriod
from resmon.catalogue.services_periods import configured_cutoff
from resmon.core import clock
from resmon.core.access import PATH_STEP, get_visible_or_404, visible_to
from resmon.core.errors import NotFound, ValidationFailed

from . import permissions
from .models import SINGLETON_ID, Evaluation, EvaluationRule, Level, PeriodKind, State
from .scoring import CapCheck, Rule

MIN_YEAR = 2000
MAX_YEAR = 2100


# --- the rule ----------------------------------------------------------------------------------


def rule_row() -> EvaluationRule | None:
    """The stored rule (who set it and when); None while the defaults apply. Public: every signed-in
    user reads the rule (it is published with every score)."""
    return EvaluationRule.objects.filter(pk=SINGLETON_ID).select_related("updated_by").first()


def rule_of(row: EvaluationRule | None) -> Rule:
    if row is None:
        return Rule()
    return Rule(
        weights={
            "on_time": row.weight_on_time,
            "progress": row.weight_progress,
            "kpi": row.weight_kpi,
            "reporting": row.weight_reporting,
            "directives": row.weight_directives,
        },
        excellent_from=row.excellent_from,
        good_from=row.good_from,
        pass_from=row.pass_from,
        cap_percent=row.cap_percent,
        version=row.version,
    )


def current_rule() -> Rule:
    return rule_of(rule_row())


# --- the period or year an evaluation list is about ----------------------------------------------


@dataclass(frozen=True)
class Target:
    """A quarter (a catalogue period) or a year."""

    kind: str
    period: ReportingPeriod | None = None
    year: int | None = None

    @property
    def label(self) -> str:
        if self.period is not None:
            return self.period.label
        return _("Year %(year)s") % {"year": self.year}

    @property
    def start(self) -> dt.date:
        if self.period is not None:
            return self.period.start
        assert self.year is not None
        return cal.Period(self.year, cal.YEAR, 1, configured_cutoff()).start

    @property
    def end(self) -> dt.date:
        if self.period is not None:
            return self.period.end
        assert self.year is not None
        return cal.Period(self.year, cal.YEAR, 1, configured_cutoff()).end

    def filter(self, qs: QuerySet[Evaluation]) -> QuerySet[Evaluation]:
        if self.period is not None:
            return qs.filter(kind=PeriodKind.QUARTER, period_id=self.period.pk)
        assert self.year is not None
        return qs.filter(kind=PeriodKind.YEAR, year=self.year)

    def query(self) -> dict[str, Any]:
        """The filter as URL parameters."""
        if self.period is not None:
            return {"period": self.period.pk}
        return {"year": self.year}


def quarters() -> QuerySet[ReportingPeriod]:
    """The quarters of the calendar (configured cut-off) that have begun, newest first."""
    return ReportingPeriod.objects.filter(
        kind=CataloguePeriodKind.QUARTER, cutoff=configured_cutoff(), start__lte=clock.today()
    ).order_by("-start")


def default_target() -> Target:
    """The last quarter that has ended (the current one if the calendar has no earlier one)."""
    today = clock.today()
    current = cal.period_containing(cal.QUARTER, today, configured_cutoff())
    for candidate in (current.previous(), current):
        found = ReportingPeriod.objects.filter(
            kind=CataloguePeriodKind.QUARTER, cutoff=configured_cutoff(), code=candidate.code
        ).first()
        if found is not None:
            return Target(PeriodKind.QUARTER, period=found)
    return Target(PeriodKind.YEAR, year=today.year)


def pick_period(value: Any) -> ReportingPeriod:
    """A quarter of the calendar by id; a clear ValidationFailed for anything else."""
    text = str(value if value is not None else "").strip()
    period = None
    if text.isdigit() and len(text) < 19:
        period = ReportingPeriod.objects.filter(pk=int(text)).first()
    if period is None or period.kind != CataloguePeriodKind.QUARTER:
        raise ValidationFailed(
            _("Choose a quarter of the reporting calendar (evaluations are by quarter or by year)."),
            field="period",
        )
    return period


def pick_year(value: Any) -> int:
    text = str(value if value is not None else "").strip()
    if not (text.isdigit() and MIN_YEAR <= int(text) <= MAX_YEAR):
        raise ValidationFailed(
            _("Enter a year between %(min)s and %(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR}, field="year"
        )
    return int(text)


def pick_target(period: Any = None, year: Any = None) -> Target:
    """``period`` (a quarter's id) or ``year``; the default quarter when neither is given."""
    if period not in (None, ""):
        return Target(PeriodKind.QUARTER, period=pick_period(period))
    if year not in (None, ""):
        return Target(PeriodKind.YEAR, year=pick_year(year))
    return default_target()


def pick_root(user: Any, value: Any) -> Agency:
    """The subtree listed: an agency the user sees (a 404 otherwise), by default their own agency
    (the root of the tree for a user without one who sees everything)."""
    text = str(value if value is not None else "").strip()
    if text:
        if not (text.isdigit() and len(text) < 19):
            raise NotFound(_("Not found, or you do not have access to it."))
        return get_visible_or_404(user, Agency.objects.all(), pk=int(text))
    agency = getattr(user, "agency", None)
    if agency is not None:
        return agency
    root = visible_to(user, Agency.objects.filter(depth=1)).order_by("path").first()
    if root is None:
        raise NotFound(_("Not found, or you do not have access to it."))
    return root


# --- evaluations -------------------------------------------------------------------------------


def _related() -> QuerySet[Evaluation]:
    return Evaluation.objects.select_related(
        "agency", "period", "self_by", "appraised_by", "decided_by", "appraising_agency", "deciding_agency"
    )


def current_level_expression() -> Coalesce:
    """The level as it stands: the decision, else the appraisal, else the self-assessment, else the
    system's proposal ("" before any)."""
    return Coalesce(
        NullIf("decision_level", Value("")),
        NullIf("appraisal_level", Value("")),
        NullIf("self_level", Value("")),
        NullIf("proposed_level", Value("")),
        Value(""),
        output_field=CharField(),
    )


def awaiting_q(user: Any) -> Q:
    """The evaluations waiting for a step ``user`` may take (see ``permissions``)."""
    if not permissions.signed_in(user) or getattr(user, "agency", None) is None:
        return Q(pk__in=[])
    own = user.agency
    below = Q(agency__path__startswith=own.path) & ~Q(agency_id=own.pk)
    q = Q(pk__in=[])
    if user.role in permissions.SELF_ROLES:
        q |= Q(agency_id=own.pk, state=State.COMPUTED)
    if user.role in permissions.APPRAISE_ROLES:
        q |= below & Q(state=State.SELF_ASSESSED)
    if user.role in permissions.DECIDE_ROLES:
        q |= below & Q(state=State.APPRAISED)
    return q


def base(user: Any, target: Target, root: Agency) -> QuerySet[Evaluation]:
    """The evaluations of ``target`` in ``root``'s subtree that the user sees."""
    return target.filter(visible_to(user, _related())).filter(agency__path__startswith=root.path)


def evaluations_for(
    user: Any,
    target: Target,
    root: Agency,
    *,
    state: str | None = None,
    level: str | None = None,
    q: str = "",
    todo: bool = False,
) -> QuerySet[Evaluation]:
    """The list: in tree order (the agency path), filtered."""
    qs = base(user, target, root)
    if state in State.values:
        qs = qs.filter(state=state)
    if level in Level.values:
        qs = qs.annotate(current_level=current_level_expression()).filter(current_level=level)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(agency__name__icontains=q) | Q(agency__code__icontains=q))
    if todo:
        qs = qs.filter(awaiting_q(user))
    return qs.order_by("agency__path", "id")


def cap_for(qs: QuerySet[Evaluation], cap_percent: Decimal) -> CapCheck:
    """The cap over the final levels (decided, else appraised) of ``qs`` (one query)."""
    final_excellent = Q(decision_level=Level.EXCELLENT) | Q(
        decision_level="", appraisal_level=Level.EXCELLENT
    )
    final_good = Q(decision_level=Level.GOOD) | Q(decision_level="", appraisal_level=Level.GOOD)
    counts = qs.order_by().aggregate(
        excellent=Count("id", filter=final_excellent), good=Count("id", filter=final_good)
    )
    return CapCheck(excellent=counts["excellent"], good=counts["good"], cap_percent=Decimal(cap_percent))


def cap_among_siblings(user: Any, ev: Evaluation, cap_percent: Decimal) -> CapCheck:
    """The cap over the evaluations of the same quarter or year whose agencies share ``ev``'s
    supervising agency (its parent): the set the competent body rates together."""
    qs = visible_to(user, Evaluation.objects.filter(kind=ev.kind, year=ev.year, period_id=ev.period_id))
    qs = qs.filter(agency__path__startswith=ev.agency.path[:-PATH_STEP], agency__depth=ev.agency.depth)
    return cap_for(qs, cap_percent)


def get_evaluation(user: Any, evaluation_id: Any) -> Evaluation:
    """One evaluation the user sees; NotFound (a 404) otherwise."""
    return get_visible_or_404(user, _related(), pk=evaluation_id)


def awaiting_count(user: Any) -> int:
    """How many evaluations wait for a step the user may take (for the home page)."""
    if not permissions.signed_in(user):
        return 0
    return visible_to(user, Evaluation.objects.filter(awaiting_q(user))).count()
