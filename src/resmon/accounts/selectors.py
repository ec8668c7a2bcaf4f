"""Reads of accounts; every one starts from the user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from resmon.agencies.models import Agency
from resmon.agencies.selectors import agencies_visible
from resmon.core.access import Role, get_visible_or_404, visible_to
from resmon.core.errors import NotFound

from .models import SignInEvent, User

ADMIN_ROLES = {Role.SYSTEM_ADMIN, Role.AGENCY_ADMIN}
MAX_AGENCY_OPTIONS = 500


def users_visible(user: Any) -> QuerySet[User]:
    return visible_to(user, User.objects.select_related("agency"))


def may_administer(user: Any) -> bool:
    """Account administration pages are for agency and system administrators only."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role in ADMIN_ROLES)


def require_administrator(user: Any) -> None:
    if not may_administer(user):
        raise NotFound("")


def get_user(user: Any, user_id: Any) -> User:
    """The account if ``user`` may see it; NotFound (a 404) otherwise."""
    return get_visible_or_404(user, User.objects.select_related("agency"), pk=user_id)


def search_users(
    user: Any,
    *,
    q: str = "",
    agency: Agency | None = None,
    role: str = "",
    active: bool | None = None,
) -> QuerySet[User]:
    qs = users_visible(user)
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(username__icontains=q)
            | Q(full_name__icontains=q)
            | Q(email__icontains=q)
            | Q(position__icontains=q)
        )
    if agency is not None:
        qs = qs.filter(agency__path__startswith=agency.path)
    if role:
        qs = qs.filter(role=role)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("agency__path", "username")


def manageable_agencies(user: Any, text: str = "", limit: int = MAX_AGENCY_OPTIONS) -> list[Agency]:
    """Active agencies in which ``user`` may create accounts (own subtree; everything for a system
    administrator), searched by code or name, at most ``limit``."""
    if not may_administer(user):
        return []
    qs = agencies_visible(user)
    if user.role != Role.SYSTEM_ADMIN:
        paths = user.scope.write_paths
        if not paths:
            return []
        cond = Q()
        for p in paths:
            cond |= Q(path__startswith=p)
        qs = qs.filter(cond)
    text = (text or "").strip()
    if text:
        qs = qs.filter(Q(code__icontains=text) | Q(name__icontains=text) | Q(short_name__icontains=text))
    return list(qs.order_by("path")[:limit])


SIGN_IN_HISTORY_LIMIT = 50
_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def sign_in_history(user: Any) -> list[SignInEvent]:
    """The user's own last sign-ins, refused attempts and two-factor changes, newest first."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(SignInEvent.objects.filter(user_id=user.pk).order_by("-at", "-id")[:SIGN_IN_HISTORY_LIMIT])


def browser_label(user_agent: str) -> str:
    """ "Chrome, Windows" from a browser's User-Agent; the raw text when it is not recognised."""
    browser = next((name for key, name in _BROWSERS if key in user_agent), "")
    system = next((name for key, name in _SYSTEMS if key in user_agent), "")
    if browser or system:
        return ", ".join(p for p in (browser, system) if p)
    return user_agent[:80]
