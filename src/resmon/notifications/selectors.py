"""Reads of notifications. A notification is personal: every read starts from the signed-in
user's own rows, so another user's notification is "not found" (a 404), whatever their role."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext as _

from resmon.core.errors import NotFound

from .models import Notification, NotificationPreference, default_mode


def _signed_in(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", True)


def notifications_of(user: Any) -> QuerySet[Notification]:
    """The user's own notifications (none for anonymous or deactivated users)."""
    if not _signed_in(user):
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk)


def inbox(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    """Unread first, then newest first."""
    qs = notifications_of(user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.annotate(
        read_rank=Case(
            When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("read_rank", "-created_at", "-id")


def unread_count(user: Any) -> int:
    """One indexed COUNT: the number in the header's badge."""
    if not _signed_in(user):
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def get_notification(user: Any, notification_id: Any) -> Notification:
    try:
        return notifications_of(user).get(pk=int(notification_id))
    except (Notification.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound(_("Not found, or you do not have access to it.")) from None


def default_preference(user: Any) -> NotificationPreference:
    """What applies while the user has chosen nothing (unsaved): by the user's role."""
    return NotificationPreference(user_id=user.pk, mode=default_mode(user), email_enabled=True)


def preference_of(user: Any) -> NotificationPreference:
    """The user's saved choice, or the default for the user's role."""
    return NotificationPreference.objects.filter(user_id=user.pk).first() or default_preference(user)
