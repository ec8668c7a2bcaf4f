"""/api/v1/notifications: the signed-in user's own inbox and e-mail settings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Query, Router, Schema

from resmon.core.apikit import PageQuery, PathId, paginate

from . import selectors, services
from .models import Notification, NotificationPreference

router = Router(tags=["Notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    is_read: bool


class NotificationPage(Schema):
    count: int
    unread: int
    items: list[NotificationOut]


class NotificationFilters(Schema):
    unread: bool = Field(False, description="Only unread notifications.")


class ReadAllOut(Schema):
    marked: int


class PreferenceIn(Schema):
    mode: str = Field(..., max_length=20, description="immediate or daily_digest")
    email_enabled: bool = True


class PreferenceOut(Schema):
    mode: str
    email_enabled: bool
    has_email: bool


def _notification(n: Notification) -> dict[str, Any]:
    return {
        "id": n.pk,
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "url": n.url,
        "created_at": n.created_at,
        "read_at": n.read_at,
        "is_read": n.read_at is not None,
    }


def _preference(user: Any, pref: NotificationPreference) -> dict[str, Any]:
    return {"mode": pref.mode, "email_enabled": pref.email_enabled, "has_email": bool(user.email)}


@router.get(
    "/notifications",
    response=NotificationPage,
    summary="My notifications, unread first",
)
def list_notifications(request, filters: Query[NotificationFilters], page: Query[PageQuery]):
    qs = selectors.inbox(request.auth, unread_only=filters.unread)
    return paginate(qs, page, _notification) | {"unread": selectors.unread_count(request.auth)}


@router.post("/notifications/read-all", response=ReadAllOut, summary="Mark all my notifications read")
def read_all_notifications(request):
    return {"marked": services.mark_all_read(request.auth)}


@router.get("/notifications/preferences", response=PreferenceOut, summary="How I receive e-mail")
def get_notification_preferences(request):
    return _preference(request.auth, selectors.preference_of(request.auth))


@router.put("/notifications/preferences", response=PreferenceOut, summary="Choose how I receive e-mail")
def set_notification_preferences(request, payload: PreferenceIn):
    pref = services.set_preference(request.auth, mode=payload.mode, email_enabled=payload.email_enabled)
    return _preference(request.auth, pref)


@router.post("/notifications/{notification_id}/read", response=NotificationOut, summary="Mark one read")
def read_notification(request, notification_id: PathId):
    return _notification(services.mark_read(request.auth, notification_id))
