"""Writes on notifications: tell users something happened, in the inbox and by e-mail.

``notify`` is called by the layers above (planning today; reporting next) inside their writing
transaction, after their audit row: the inbox rows commit or roll back with the change they
announce, and e-mail leaves only after the commit (``transaction.on_commit``), so nobody is
e-mailed about a change that did not happen. Users who chose the daily digest get their rows
marked ``digest_pending``; ``send_digests`` (a daily command) sends each of them one e-mail.

Marking notifications read is personal inbox state, not a change to the monitored record, so
it writes no audit row; a change of preference does.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from resmon.accounts.models import User
from resmon.audit.services import record, snapshot
from resmon.core import clock
from resmon.core.access import Role
from resmon.core.errors import PermissionRefused, ValidationFailed

from . import selectors
from .models import Kind, Mode, Notification, NotificationPreference

logger = logging.getLogger(__name__)

# Who in an agency hears about work arriving there, unless the caller says otherwise.
AGENCY_ROLES = (Role.LEADER, Role.FOCAL_OFFICER)
DIGEST_MAX_ITEMS = 50  # items listed in one digest e-mail; the rest are counted and linked
TITLE_MAX = 300
URL_MAX = 500


def _signed_in(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", True)


def absolute(url: str) -> str:
    """A link for an e-mail: the site's address (settings.SITE_URL) before an internal path."""
    site = str(getattr(settings, "SITE_URL", None) or "")
    return site + url if site and url.startswith("/") else url


# --- creating notifications ---------------------------------------------------------------------


def notify(
    recipients: Iterable[Any],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    *,
    actor: Any = None,
) -> list[Notification]:
    """One inbox row per active recipient (each once; never the ``actor`` who caused it).

    Runs in the caller's transaction. Recipients who chose immediate e-mail and have an address
    are e-mailed after the commit; those on the daily digest are collected by ``send_digests``."""
    if kind not in Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    users: dict[int, Any] = {}
    for user in recipients:
        if user is None or not user.is_active or (actor is not None and user.pk == actor.pk):
            continue
        users.setdefault(user.pk, user)
    if not users:
        return []
    prefs = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=list(users))}
    title = str(title).strip()[:TITLE_MAX]
    body = str(body).strip()
    url = str(url)[:URL_MAX]
    rows: list[Notification] = []
    immediate: list[bool] = []
    for user in users.values():
        pref = prefs.get(user.pk) or selectors.default_preference(user)
        emailable = bool(user.email) and pref.email_enabled
        rows.append(
            Notification(
                recipient=user,
                kind=kind,
                title=title,
                body=body,
                url=url,
                digest_pending=emailable and pref.mode == Mode.DAILY_DIGEST,
            )
        )
        immediate.append(emailable and pref.mode == Mode.IMMEDIATE)
    with transaction.atomic():
        created = Notification.objects.bulk_create(rows)
    to_email = [n.pk for n, now in zip(created, immediate, strict=True) if now]
    if to_email:
        language = translation.get_language()
        transaction.on_commit(lambda: send_immediate(to_email, language=language))
    return created


def agency_users(agencies: Iterable[Any], roles: Iterable[str] = AGENCY_ROLES) -> list[User]:
    """The active users of ``agencies`` holding one of ``roles`` (one query)."""
    ids = {a.pk for a in agencies if a is not None}
    if not ids:
        return []
    return list(User.objects.filter(agency_id__in=ids, role__in=list(roles), is_active=True).order_by("pk"))


def notify_agency(
    agency: Any,
    roles: Iterable[str] = AGENCY_ROLES,
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    actor: Any = None,
) -> list[Notification]:
    """Notify the users of ``agency`` who hold one of ``roles``."""
    return notify(agency_users([agency], roles), kind, title, body, url, actor=actor)


def notify_agencies(
    agencies: Iterable[Any],
    roles: Iterable[str] = AGENCY_ROLES,
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    actor: Any = None,
) -> list[Notification]:
    """The same notification to the users of several agencies: one per user, however many of
    the agencies' items it is about."""
    return notify(agency_users(agencies, roles), kind, title, body, url, actor=actor)


# --- e-mail -------------------------------------------------------------------------------------


def _footer() -> str:
    from django.urls import reverse

    return _("You receive this e-mail from Resmon. Choose how you are notified: %(url)s") % {
        "url": absolute(reverse("notifications:preferences"))
    }


def _message(n: Notification) -> str:
    parts = [n.body] if n.body else []
    if n.url:
        parts.append(absolute(n.url))
    parts.append("-- \n" + _footer())
    return "\n\n".join(parts)


def send_immediate(ids: list[int], *, language: str | None = None) -> int:
    """E-mail the notifications ``ids`` not e-mailed yet; returns how many were sent. A failure
    is logged and leaves the row un-e-mailed (the inbox still has it)."""
    rows = list(
        Notification.objects.filter(pk__in=ids, emailed_at__isnull=True)
        .select_related("recipient")
        .order_by("pk")
    )
    if not rows:
        return 0
    sent: list[int] = []
    with translation.override(language or settings.LANGUAGE_CODE), mail.get_connection() as connection:
        for n in rows:
            message = mail.EmailMessage(
                subject=f"[Resmon] {n.title}",
                body=_message(n),
                to=[n.recipient.email],
                connection=connection,
            )
            try:
                message.send()
            except Exception:  # noqa: BLE001 - one failed address must not stop the others
                logger.exception("notification e-mail %s to user %s failed", n.pk, n.recipient_id)
            else:
                sent.append(n.pk)
    if sent:
        Notification.objects.filter(pk__in=sent).update(emailed_at=clock.now())
    return len(sent)


def _digest_body(user: Any, items: list[Notification], more: int) -> str:
    from django.urls import reverse

    lines = [
        _("Dear %(name)s, here is what happened in Resmon since your last digest:")
        % {"name": user.display_name},
        "",
    ]
    for n in items:
        when = date_format(n.created_at.astimezone(clock.tz()), "d/m/Y H:i")
        lines.append(f"- {when} · {n.title}")
        if n.url:
            lines.append(f"  {absolute(n.url)}")
    if more:
        lines += ["", _("… and %(n)s more.") % {"n": more}]
    lines += ["", _("Your inbox: %(url)s") % {"url": absolute(reverse("notifications:inbox"))}]
    lines += ["", "-- ", _footer()]
    return "\n".join(lines)


def _send_digest(user_id: int) -> bool:
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update()
            .filter(recipient_id=user_id, digest_pending=True)
            .select_related("recipient")
            .order_by("created_at", "id")
        )
        if not pending:
            return False
        user = pending[0].recipient
        pref = selectors.preference_of(user)
        unread = [n for n in pending if n.read_at is None]
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(digest_pending=False)
        # already read in the inbox, no longer e-mailable: nothing to send
        if not unread or not user.email or not user.is_active or not pref.email_enabled:
            return False
        shown = unread[-DIGEST_MAX_ITEMS:]
        subject = _("[Resmon] %(n)s new notifications") % {"n": len(unread)}
        mail.EmailMessage(
            subject=subject, body=_digest_body(user, shown, len(unread) - len(shown)), to=[user.email]
        ).send()
        Notification.objects.filter(pk__in=[n.pk for n in unread]).update(emailed_at=clock.now())
        return True


def send_digests() -> int:
    """One e-mail per user with unread notifications waiting for the digest; returns how many
    e-mails were sent. Each user is handled in its own transaction: a failed e-mail leaves that
    user's rows waiting for the next run, and a second run sends nothing twice."""
    user_ids = list(
        Notification.objects.filter(digest_pending=True)
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for user_id in user_ids:
            try:
                sent += _send_digest(user_id)
            except Exception:  # noqa: BLE001 - one user's failure must not stop the others
                logger.exception("digest e-mail to user %s failed", user_id)
    return sent


# --- the recipient's own actions ----------------------------------------------------------------


def mark_read(actor: Any, notification_id: Any) -> Notification:
    """Mark one of the actor's own notifications read (someone else's is "not found")."""
    n = selectors.get_notification(actor, notification_id)
    if n.read_at is None:
        now = clock.now()
        Notification.objects.filter(pk=n.pk, read_at__isnull=True).update(read_at=now)
        n.read_at = now
    return n


def mark_all_read(actor: Any) -> int:
    """Mark all the actor's unread notifications read; returns how many."""
    return selectors.notifications_of(actor).filter(read_at__isnull=True).update(read_at=clock.now())


@transaction.atomic
def set_preference(actor: Any, *, mode: str, email_enabled: bool) -> NotificationPreference:
    """The actor's own choice: e-mail immediately or in a daily digest, or no e-mail at all."""
    if not _signed_in(actor):
        raise PermissionRefused(_("Sign in to change your notification settings."))
    if mode not in Mode.values:
        raise ValidationFailed(
            _("Choose how you receive e-mail: %(choices)s.")
            % {"choices": ", ".join(str(label) for label in Mode.labels)},
            field="mode",
        )
    if not isinstance(email_enabled, bool):
        raise ValidationFailed(_("Enter true or false."), field="email_enabled")
    pref = NotificationPreference.objects.select_for_update().filter(user_id=actor.pk).first()
    before = snapshot(pref) if pref else None
    if pref is None:
        pref = NotificationPreference(user_id=actor.pk)
    pref.mode = mode
    pref.email_enabled = email_enabled
    pref.save()
    record(
        actor,
        "notifications.preference_changed",
        pref,
        before=before,
        after=snapshot(pref),
        agency_path=actor.agency.path if actor.agency_id else "",
        object_repr=actor.get_username(),
    )
    return pref
