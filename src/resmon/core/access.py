"""Scope: one rule for every read and every write.

core knows two protocols only:

* a user exposes ``scope`` (a :class:`Scope`: agency-path prefixes it may read and act in, and
  the resolutions a grant opens nationwide), computed by the accounts app;
* a model declares which of its fields carry agency paths:
  ``scope_paths`` (lookups to a path on the same row, e.g. ``"lead_agency__path"``),
  ``scope_paths_many`` (lookups through a many-relation, e.g. ``"coordinations__agency__path"``),
  optionally ``scope_resolution`` (the lookup of a resolution id a steering grant opens), and
  ``scope_actions`` (action -> roles allowed to perform it) with ``owner_paths()`` (the paths
  whose write scope allows changing the object).

``visible_to`` scopes a queryset (lists, counts, search, exports and the API all start from it);
``can`` answers whether a user may perform an action on one object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

PATH_STEP = 4  # characters per level of the materialised path (django-treebeard's default)


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    AGENCY_ADMIN = "agency_admin", _("Agency administrator")
    LEADER = "leader", _("Leader")
    FOCAL_OFFICER = "focal_officer", _("Focal officer")
    INSPECTOR = "inspector", _("Inspector / supervisor")


@dataclass(frozen=True)
class Scope:
    role: str = ""
    agency_id: int | None = None
    read_paths: tuple[str, ...] = ()
    write_paths: tuple[str, ...] = ()
    resolution_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def everything(self) -> bool:
        """A system administrator, or a user whose agency is the root of the whole tree."""
        return self.role == Role.SYSTEM_ADMIN or any(len(p) <= PATH_STEP for p in self.read_paths)

    def reads(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.read_paths)

    def writes(self, path: str) -> bool:
        return self.role == Role.SYSTEM_ADMIN or any(path.startswith(p) for p in self.write_paths)


EMPTY_SCOPE = Scope()


class HasScope(Protocol):
    is_authenticated: bool
    scope: Scope


def _paths_q(lookup: str, prefixes: Iterable[str]) -> Q:
    q = Q()
    for prefix in prefixes:
        q |= Q(**{f"{lookup}__startswith": prefix})
    return q


def scope_filter(model: type[models.Model], scope: Scope) -> Q | None:
    """The Q object that limits ``model`` to ``scope``; None means no limit."""
    if scope.everything:
        return None
    if getattr(model, "scope_public", False):
        return None
    if not any(getattr(model, a, None) for a in ("scope_paths", "scope_paths_many", "scope_resolution")):
        raise TypeError(f"{model.__name__} declares no scope fields (scope_paths or scope_public)")
    if not scope.read_paths and not scope.resolution_ids:
        return Q(pk__in=[])
    q = Q(pk__in=[])
    for lookup in getattr(model, "scope_paths", ()):
        q |= _paths_q(lookup, scope.read_paths)
    for lookup in getattr(model, "scope_paths_many", ()):
        inner = model._default_manager.filter(_paths_q(lookup, scope.read_paths)).values("pk")
        q |= Q(pk__in=inner)
    resolution_lookup = getattr(model, "scope_resolution", None)
    if resolution_lookup and scope.resolution_ids:
        q |= Q(**{f"{resolution_lookup}__in": sorted(scope.resolution_ids)})
    return q


ResolutionGrantProvider = Callable[[Any], Iterable[int]]
_resolution_grant_providers: list[ResolutionGrantProvider] = []


def register_resolution_grants(provider: ResolutionGrantProvider) -> None:
    """A higher layer (planning: steering committees) tells which resolutions a user sees nationwide."""
    if provider not in _resolution_grant_providers:
        _resolution_grant_providers.append(provider)


def granted_resolution_ids(user: Any) -> frozenset[int]:
    ids: set[int] = set()
    for provider in _resolution_grant_providers:
        ids.update(provider(user))
    return frozenset(ids)


def visible_to(user: Any, queryset: QuerySet) -> QuerySet:
    """Every read starts here: the part of ``queryset`` the user may see."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return queryset.none()
    q = scope_filter(queryset.model, user.scope)
    return queryset if q is None else queryset.filter(q)


def can(user: Any, action: str, obj: models.Model) -> bool:
    """May ``user`` perform ``action`` on ``obj``? "view" is scope; other actions need a role
    the model allows for that action and the object inside the user's write scope."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return False
    scope: Scope = user.scope
    if action == "view":
        return visible_to(user, type(obj)._default_manager.filter(pk=obj.pk)).exists()
    allowed_roles = getattr(obj, "scope_actions", {}).get(action, set())
    if scope.role == Role.SYSTEM_ADMIN:
        return True
    if scope.role not in allowed_roles:
        return False
    owner_paths: Callable[[], Iterable[str]] | None = getattr(obj, "owner_paths", None)
    if owner_paths is None:
        return False
    return any(scope.writes(p) for p in owner_paths())


def get_visible_or_404(user: Any, queryset: QuerySet, **lookup: Any) -> Any:
    """The object if the user may see it; NotFound (a 404) whether it is missing or forbidden."""
    from .errors import NotFound

    try:
        return visible_to(user, queryset).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Not found, or you do not have access to it.")) from None
