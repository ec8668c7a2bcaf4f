"""notify(): inbox rows in the caller's transaction, e-mail only after commit and only for users
on immediate delivery; the daily digest; reading and preferences (own only)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction

from resmon.audit.models import AuditEntry
from resmon.core.access import Role
from resmon.core.errors import NotFound, PermissionRefused, ValidationFailed
from resmon.notifications import selectors, services
from resmon.notifications.models import Kind, Mode, Notification, NotificationPreference

from .helpers import give_emails, send

pytestmark = pytest.mark.django_db


def rows(user):
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


# --- recipients --------------------------------------------------------------------------------


def test_notify_agency_resolves_users_by_role(world):
    created = services.notify_agency(
        world.hni, kind=Kind.TASK_ASSIGNED, title="Nhiệm vụ mới", body="", url="/tasks/1/"
    )
    assert {n.recipient.username for n in created} == {"hni_leader", "hni_officer"}
    # the agency administrator, other agencies and the agency's subtree are not told
    for other in ("hni_admin", "hni_so_officer", "xa_officer", "hcm_officer"):
        assert rows(world.users[other]) == [], other
    only_leaders = services.notify_agency(world.hni, [Role.LEADER], kind=Kind.TASK_ASSIGNED, title="x")
    assert [n.recipient.username for n in only_leaders] == ["hni_leader"]


def test_each_recipient_once_never_the_actor_never_inactive(world):
    users = world.users
    users["hcm_officer"].is_active = False
    users["hcm_officer"].save()
    created = services.notify(
        [users["xa_officer"], users["xa_officer"], users["hni_leader"], users["hcm_officer"]],
        Kind.EXTENSION_DECIDED,
        "Đã gia hạn",
        actor=users["hni_leader"],
    )
    assert [n.recipient.username for n in created] == ["xa_officer"]
    assert Notification.objects.count() == 1


def test_unknown_kind_is_a_programming_error(world):
    with pytest.raises(ValueError):
        services.notify([world.users["xa_officer"]], "no_such_kind", "x")


# --- e-mail after commit ----------------------------------------------------------------------


def test_immediate_users_are_emailed_only_after_commit(world, django_capture_on_commit_callbacks):
    give_emails(world, "xa_officer", "hni_leader")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        send(world, "xa_officer", "hni_leader", "hni_officer")
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    # the officer (immediate) is e-mailed; the leader is on the digest; hni_officer has no address
    assert [m.to for m in mail.outbox] == [["xa_officer@example.vn"]]
    message = mail.outbox[0]
    assert message.subject == "[Resmon] Báo cáo quý I cần bổ sung"
    assert "Nội dung thông báo" in message.body and "/tasks/1/" in message.body
    n = Notification.objects.get(recipient=world.users["xa_officer"])
    assert n.emailed_at is not None and not n.digest_pending
    leader = Notification.objects.get(recipient=world.users["hni_leader"])
    assert leader.emailed_at is None and leader.digest_pending
    assert not Notification.objects.get(recipient=world.users["hni_officer"]).digest_pending


def test_a_rolled_back_change_notifies_nobody(world, django_capture_on_commit_callbacks):
    give_emails(world, "xa_officer")
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        send(world, "xa_officer")
        raise RuntimeError("the change failed")
    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_preferences_decide_the_delivery(world, django_capture_on_commit_callbacks):
    give_emails(world, "xa_officer", "hni_leader", "hni_officer")
    services.set_preference(world.users["xa_officer"], mode=Mode.DAILY_DIGEST, email_enabled=True)
    services.set_preference(world.users["hni_leader"], mode=Mode.IMMEDIATE, email_enabled=True)
    services.set_preference(world.users["hni_officer"], mode=Mode.IMMEDIATE, email_enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        send(world, "xa_officer", "hni_leader", "hni_officer")
    assert [m.to for m in mail.outbox] == [["hni_leader@example.vn"]]
    assert list(
        Notification.objects.filter(digest_pending=True).values_list("recipient__username", flat=True)
    ) == ["xa_officer"]
    assert Notification.objects.count() == 3  # the inbox always has them


# --- the daily digest -------------------------------------------------------------------------


def test_digest_collects_and_sends_once(world, django_capture_on_commit_callbacks):
    give_emails(world, "hni_leader", "national_leader")
    with django_capture_on_commit_callbacks(execute=True):
        send(world, "hni_leader", "national_leader", title="Thông báo thứ nhất")
        send(world, "hni_leader", title="Thông báo thứ hai")
    assert mail.outbox == []  # leaders default to the digest
    assert services.send_digests() == 2
    by_user = {m.to[0]: m for m in mail.outbox}
    assert set(by_user) == {"hni_leader@example.vn", "national_leader@example.vn"}
    body = by_user["hni_leader@example.vn"].body
    assert "Thông báo thứ nhất" in body and "Thông báo thứ hai" in body
    assert "2 new notifications" in by_user["hni_leader@example.vn"].subject
    assert not Notification.objects.filter(digest_pending=True).exists()
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 3
    # a second run the same day sends nothing
    mail.outbox.clear()
    call_command("send_digests", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert mail.outbox == []


def test_digest_skips_what_was_already_read(world, django_capture_on_commit_callbacks):
    give_emails(world, "hni_leader")
    with django_capture_on_commit_callbacks(execute=True):
        (n,) = send(world, "hni_leader")
    services.mark_read(world.users["hni_leader"], n.pk)
    assert services.send_digests() == 0
    assert mail.outbox == []
    assert not Notification.objects.filter(digest_pending=True).exists()


def test_digest_lists_at_most_the_newest_items(world, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(services, "DIGEST_MAX_ITEMS", 2)
    give_emails(world, "hni_leader")
    for i in range(4):
        send(world, "hni_leader", title=f"Mục số {i}")
    assert services.send_digests() == 1
    body = mail.outbox[0].body
    assert "Mục số 3" in body and "Mục số 2" in body and "Mục số 0" not in body
    assert "and 2 more" in body


# --- reading: own notifications only ----------------------------------------------------------


def test_mark_read_is_for_the_recipient_only(world):
    (n,) = send(world, "xa_officer")
    for other in ("xa2_officer", "hni_leader", "sysadmin"):
        with pytest.raises(NotFound):
            services.mark_read(world.users[other], n.pk)
    n.refresh_from_db()
    assert n.read_at is None
    assert services.mark_read(world.users["xa_officer"], n.pk).read_at is not None
    assert selectors.unread_count(world.users["xa_officer"]) == 0


def test_mark_all_read_touches_only_own_rows(world):
    send(world, "xa_officer", "xa2_officer")
    send(world, "xa_officer")
    assert services.mark_all_read(world.users["xa_officer"]) == 2
    assert selectors.unread_count(world.users["xa_officer"]) == 0
    assert selectors.unread_count(world.users["xa2_officer"]) == 1


def test_inbox_lists_unread_first(world):
    (old,) = send(world, "xa_officer", title="Cũ")
    (new,) = send(world, "xa_officer", title="Mới")
    services.mark_read(world.users["xa_officer"], new.pk)
    assert [n.title for n in selectors.inbox(world.users["xa_officer"])] == ["Cũ", "Mới"]
    assert [n.title for n in selectors.inbox(world.users["xa_officer"], unread_only=True)] == ["Cũ"]


# --- preferences ------------------------------------------------------------------------------


def test_default_preference_by_role(world):
    assert selectors.preference_of(world.users["hni_leader"]).mode == Mode.DAILY_DIGEST
    assert selectors.preference_of(world.users["xa_officer"]).mode == Mode.IMMEDIATE
    assert not NotificationPreference.objects.exists()


def test_set_preference_is_audited(world):
    user = world.users["xa_officer"]
    pref = services.set_preference(user, mode=Mode.DAILY_DIGEST, email_enabled=False)
    assert (pref.mode, pref.email_enabled) == (Mode.DAILY_DIGEST, False)
    entry = AuditEntry.objects.get(action="notifications.preference_changed")
    assert entry.actor_id == user.pk and entry.before is None
    assert entry.after["mode"] == "daily_digest" and entry.agency_path == world.hni_xa.path
    services.set_preference(user, mode=Mode.IMMEDIATE, email_enabled=True)
    second = AuditEntry.objects.filter(action="notifications.preference_changed").latest("id")
    assert second.before["mode"] == "daily_digest" and second.after["mode"] == "immediate"


def test_bad_preference_is_refused_and_nothing_changes(world):
    user = world.users["xa_officer"]
    with pytest.raises(ValidationFailed) as exc:
        services.set_preference(user, mode="hourly", email_enabled=True)
    assert exc.value.field == "mode" and "Choose how you receive e-mail" in str(exc.value)
    with pytest.raises(PermissionRefused):
        services.set_preference(None, mode=Mode.IMMEDIATE, email_enabled=True)
    assert not NotificationPreference.objects.exists()
    assert not AuditEntry.objects.filter(action="notifications.preference_changed").exists()


def test_email_links_use_the_site_address(world, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://resmon.example.vn"
    give_emails(world, "xa_officer")
    with django_capture_on_commit_callbacks(execute=True):
        send(world, "xa_officer", url="/tasks/7/")
    body = mail.outbox[0].body
    assert "https://resmon.example.vn/tasks/7/" in body
    assert "https://resmon.example.vn/notifications/preferences/" in body
