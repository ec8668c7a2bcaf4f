"""The overview for a steering-committee member outside their own agencies.

A member of a resolution's steering committee sees that resolution's tasks nationwide (the grant
opens them in every scope check) but no agency subtree beyond their own, so the overview's agency
filter (``selectors.pick_agency``) refuses the nation. Here an agency outside their scope whose
subtree leads some task of a resolution they steer is opened to them, restricted to the
resolutions they steer: the overview is read by a :class:`SteeringReader`, the user as the
steering grant alone makes them (no agency scope, those resolutions), so every scoped read behind
it (roll-ups, reports, alerts) counts those resolutions only; the agencies listed are those leading
some of their tasks. Another resolution is refused with a clear message (the API: a 404; the page
shows their resolutions with the message); an agency leading none of their tasks stays a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from resmon.agencies.models import Agency
from resmon.agencies.selectors import active_q
from resmon.core.access import Scope, visible_to
from resmon.core.errors import NotFound
from resmon.planning import selectors as planning
from resmon.planning.models import Resolution
from resmon.rollups.models import ProgressRollup

from . import selectors


@dataclass(frozen=True)
class SteeringReader:
    """Who reads the overview of an agency outside a steering member's scope: the member with the
    steering grants only (``scope``: no agency path, the resolutions steered)."""

    user: Any
    scope: Scope
    is_authenticated: bool = True
    is_active: bool = True
    agency: None = None
    agency_id: None = None

    @property
    def pk(self) -> Any:
        return self.user.pk

    def listed_agencies(self) -> QuerySet[Agency]:
        """The current agencies whose subtree leads a task of the resolutions steered (those the
        overview lists and opens: its children, its tiles, its breadcrumb)."""
        leading = visible_to(self, ProgressRollup.objects.all()).values("agency_id")
        return Agency.objects.filter(active_q(), pk__in=leading)


def steering_reader(user: Any) -> SteeringReader | None:
    """The user as their steering grants alone make them; None for a user who steers nothing."""
    scope = getattr(user, "scope", None)
    if scope is None or not scope.resolution_ids:
        return None
    return SteeringReader(user, Scope(role=scope.role, resolution_ids=scope.resolution_ids))


def pick_reader(user: Any, agency_id: Any) -> tuple[Any, Agency]:
    """Who reads the overview, and of which agency: the user for an agency in their scope (or their
    default one, ``selectors.pick_agency``); their :class:`SteeringReader` for an agency leading some
    task of a resolution they steer; NotFound (a 404) otherwise."""
    try:
        return user, selectors.pick_agency(user, agency_id)
    except NotFound:
        reader = steering_reader(user)
        agency = planning.steered_agency(user, agency_id) if reader is not None else None
        if reader is None or agency is None:
            raise
        return reader, agency


def refused_resolution() -> str:
    return _(
        "Outside your own agencies you see only the resolutions your steering committee follows: "
        "choose one of them."
    )


def pick_resolution(user: Any, reader: Any, resolution_id: Any) -> Resolution | None:
    """The chosen resolution (``selectors.pick_resolution``: ValidationFailed when unknown); for a
    steering reader one it steers, NotFound with a clear message otherwise."""
    resolution = selectors.pick_resolution(user, resolution_id)
    steered = reader.scope.resolution_ids if isinstance(reader, SteeringReader) else None
    if steered is not None and resolution is not None and resolution.pk not in steered:
        raise NotFound(refused_resolution())
    return resolution


def resolution_choices(user: Any, reader: Any) -> QuerySet[Resolution]:
    """The resolutions the filter offers: every one the user sees; a steering reader's own."""
    qs = planning.resolutions_visible(user).order_by("issued_on", "number")
    if isinstance(reader, SteeringReader):
        qs = qs.filter(pk__in=sorted(reader.scope.resolution_ids))
    return qs


def single_resolution(reader: Any) -> Resolution | None:
    """The one resolution a steering reader steers (the lists behind its numbers are of it); None
    for a user, or a member of several committees."""
    if not isinstance(reader, SteeringReader) or len(reader.scope.resolution_ids) != 1:
        return None
    return Resolution.objects.filter(pk__in=reader.scope.resolution_ids).first()


def nation_url(user: Any, agency: Agency) -> str:
    """For a steering member looking at their own agencies: the link to the nation on the
    resolutions they steer (empty for anybody else, and on the nation itself)."""
    if agency.depth == 1 or steering_reader(user) is None:
        return ""
    root = Agency.objects.filter(depth=1).order_by("path").first()
    if root is None or user.scope.reads(root.path) or planning.steered_agency(user, root.pk) is None:
        return ""
    return reverse("dashboards:overview") + "?" + urlencode({"agency": root.pk})
