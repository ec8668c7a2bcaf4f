"""What the evaluation steps tell people: each step notifies the next actor. Runs inside the
calling service's transaction, after its audit row (see notifications.services.notify)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from resmon.agencies.models import Agency
from resmon.core.access import Role
from resmon.notifications import services as notifications
from resmon.notifications.models import Kind

from ..models import Evaluation, Level

KIND = Kind.EVALUATION


def evaluation_url(ev: Evaluation) -> str:
    return reverse("evaluation:detail", args=[ev.pk])


def _level(value: str) -> str:
    return str(Level(value).label) if value in Level.values else ""


def _parent(ev: Evaluation) -> Agency | None:
    return ev.supervisor


def computed(agencies: Iterable[Agency], label: str, query: dict[str, Any], actor: Any) -> None:
    """New evaluations: the leaders of the agencies evaluated self-assess (one notification each,
    linking to the list of what waits for them)."""
    url = reverse("evaluation:list") + "?" + urlencode({**query, "todo": 1})
    notifications.notify_agencies(
        list(agencies),
        (Role.LEADER,),
        kind=KIND,
        title=_("Evaluation %(period)s: your agency's self-assessment is awaited") % {"period": label},
        body=_(
            "The system has computed your agency's score and proposed level for %(period)s. "
            "Review the inputs behind it and record your self-assessment."
        )
        % {"period": label},
        url=url,
        actor=actor,
    )


def self_assessed(ev: Evaluation, actor: Any) -> None:
    """The supervising agency (the parent) appraises: its leaders and focal officers."""
    parent = _parent(ev)
    if parent is None:
        return
    notifications.notify_agency(
        parent,
        (Role.LEADER, Role.FOCAL_OFFICER),
        kind=KIND,
        title=_("%(agency)s has self-assessed for %(period)s: your appraisal is awaited")
        % {"agency": ev.agency.name, "period": ev.period_label},
        body=_("Self-assessed level: %(level)s. Proposed by the system: %(proposed)s.")
        % {"level": _level(ev.self_level), "proposed": _level(ev.proposed_level) or "—"},
        url=evaluation_url(ev),
        actor=actor,
    )


def appraised(ev: Evaluation, actor: Any) -> None:
    """The competent body decides: the leaders of the supervising agency."""
    parent = _parent(ev)
    if parent is None:
        return
    notifications.notify_agency(
        parent,
        (Role.LEADER,),
        kind=KIND,
        title=_("Evaluation of %(agency)s for %(period)s appraised: your decision is awaited")
        % {"agency": ev.agency.name, "period": ev.period_label},
        body=_("Appraised and proposed level: %(level)s.") % {"level": _level(ev.appraisal_level)},
        url=evaluation_url(ev),
        actor=actor,
    )


def decided(ev: Evaluation, actor: Any) -> None:
    """The evaluated agency learns the decision."""
    notifications.notify_agency(
        ev.agency,
        (Role.LEADER, Role.FOCAL_OFFICER),
        kind=KIND,
        title=_("Evaluation %(period)s decided: %(level)s")
        % {"period": ev.period_label, "level": _level(ev.decision_level)},
        body=_("Decision %(number)s.") % {"number": ev.decision_number},
        url=evaluation_url(ev),
        actor=actor,
    )
