"""The inbox, the settings page, the header badge and /api/v1/notifications: each user reaches
only their own notifications; anyone else's is a 404."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from resmon.notifications.models import Mode, Notification, NotificationPreference

from .helpers import send

pytestmark = pytest.mark.django_db


def client_for(world, name):
    c = Client()
    c.force_login(world.users[name])
    return c


def api_for(world, name):
    from resmon.accounts.tokens import create_token

    _t, raw = create_token(world.users[name], "test")
    return Client(headers={"Authorization": f"Bearer {raw}"})


# --- pages ------------------------------------------------------------------------------------


def test_inbox_shows_own_notifications_unread_first(world):
    (read,) = send(world, "xa_officer", title="Đã đọc rồi")
    send(world, "xa_officer", title="Chưa đọc")
    send(world, "xa2_officer", title="Của xã khác")
    read.read_at = read.created_at
    read.save()
    html = client_for(world, "xa_officer").get(reverse("notifications:inbox")).content.decode()
    assert html.index("Chưa đọc") < html.index("Đã đọc rồi")
    assert "Của xã khác" not in html
    assert "1 unread" in html
    unread = client_for(world, "xa_officer").get(reverse("notifications:inbox") + "?unread=1")
    assert "Chưa đọc" in unread.content.decode() and "Đã đọc rồi" not in unread.content.decode()


def test_inbox_paginates(world):
    for i in range(30):
        send(world, "xa_officer", title=f"Thông báo {i:02d}")
    c = client_for(world, "xa_officer")
    first = c.get(reverse("notifications:inbox")).content.decode()
    assert "Thông báo 29" in first and "Thông báo 00" not in first
    assert "Page 1 of 2" in first
    assert "Thông báo 00" in c.get(reverse("notifications:inbox") + "?page=2").content.decode()


def test_open_marks_read_and_follows_the_link(world):
    (n,) = send(world, "xa_officer", url=f"/tasks/{world.tasks['hni_xa'].pk}/")
    response = client_for(world, "xa_officer").get(reverse("notifications:open", args=[n.pk]))
    assert response.status_code == 302 and response["Location"] == n.url
    n.refresh_from_db()
    assert n.read_at is not None


def test_open_never_leaves_the_site(world):
    (n,) = send(world, "xa_officer", url="https://evil.example/")
    response = client_for(world, "xa_officer").get(reverse("notifications:open", args=[n.pk]))
    assert response["Location"] == reverse("notifications:inbox")


def test_someone_elses_notification_is_not_found(world):
    (n,) = send(world, "xa_officer")
    for other in ("xa2_officer", "hni_leader", "sysadmin"):
        c = client_for(world, other)
        assert c.get(reverse("notifications:open", args=[n.pk])).status_code == 404
        assert c.post(reverse("notifications:mark_read", args=[n.pk])).status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_mark_read_and_mark_all_read(world):
    (a,) = send(world, "xa_officer")
    send(world, "xa_officer")
    send(world, "xa2_officer")
    c = client_for(world, "xa_officer")
    response = c.post(reverse("notifications:mark_read", args=[a.pk]), {"next": "/notifications/?page=1"})
    assert response.status_code == 302 and response["Location"] == "/notifications/?page=1"
    assert Notification.objects.filter(recipient=world.users["xa_officer"], read_at__isnull=True).count() == 1
    response = c.post(reverse("notifications:mark_all_read"), follow=True)
    assert "1 notifications marked as read" in response.content.decode()
    assert not Notification.objects.filter(recipient=world.users["xa_officer"], read_at__isnull=True).exists()
    assert (
        Notification.objects.filter(recipient=world.users["xa2_officer"], read_at__isnull=True).count() == 1
    )
    assert c.get(reverse("notifications:mark_all_read")).status_code == 405


def test_header_badge_counts_unread_in_one_query(world, django_assert_num_queries):
    from django.test import RequestFactory

    from resmon.web.context import navigation

    send(world, "xa_officer")
    send(world, "xa_officer")
    html = client_for(world, "xa_officer").get(reverse("web:home")).content.decode()
    assert 'data-unread-count="2"' in html
    assert (
        "data-unread-count" not in client_for(world, "xa2_officer").get(reverse("web:home")).content.decode()
    )
    request = RequestFactory().get("/")
    user = world.users["xa_officer"]
    user.agency  # noqa: B018 - loaded as the authentication middleware would
    _ = user.scope
    request.user = user
    with django_assert_num_queries(1):
        assert navigation(request)["nav_unread"] == 2


def test_preferences_page(world):
    c = client_for(world, "hni_leader")
    page = c.get(reverse("notifications:preferences")).content.decode()
    assert "One e-mail a day" in page and "has no e-mail address" in page
    response = c.post(reverse("notifications:preferences"), {"mode": "immediate", "email_enabled": "on"})
    assert response.status_code == 302
    pref = NotificationPreference.objects.get(user=world.users["hni_leader"])
    assert (pref.mode, pref.email_enabled) == (Mode.IMMEDIATE, True)
    bad = c.post(reverse("notifications:preferences"), {"mode": "hourly"})
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()
    pref.refresh_from_db()
    assert pref.mode == Mode.IMMEDIATE


# --- API --------------------------------------------------------------------------------------


def test_api_lists_own_notifications(world):
    (read,) = send(world, "xa_officer", title="Đã đọc")
    send(world, "xa_officer", title="Chưa đọc")
    send(world, "xa2_officer", title="Của người khác")
    read.read_at = read.created_at
    read.save()
    api = api_for(world, "xa_officer")
    body = api.get("/api/v1/notifications").json()
    assert body["count"] == 2 and body["unread"] == 1
    assert [i["title"] for i in body["items"]] == ["Chưa đọc", "Đã đọc"]
    assert [i["is_read"] for i in body["items"]] == [False, True]
    unread = api.get("/api/v1/notifications?unread=true").json()
    assert [i["title"] for i in unread["items"]] == ["Chưa đọc"]
    assert api.get("/api/v1/notifications?unread=maybe").status_code == 400
    assert api.get("/api/v1/notifications?limit=1&offset=1").json()["items"][0]["title"] == "Đã đọc"


def test_api_read_own_only(world):
    (n,) = send(world, "xa_officer")
    other = api_for(world, "xa2_officer").post(f"/api/v1/notifications/{n.pk}/read")
    assert other.status_code == 404 and other["Content-Type"].startswith("application/problem+json")
    assert api_for(world, "xa_officer").post("/api/v1/notifications/999999999/read").status_code == 404
    own = api_for(world, "xa_officer").post(f"/api/v1/notifications/{n.pk}/read")
    assert own.status_code == 200 and own.json()["is_read"] is True
    send(world, "xa_officer")
    send(world, "xa_officer")
    assert api_for(world, "xa_officer").post("/api/v1/notifications/read-all").json() == {"marked": 2}


def test_api_preferences(world):
    api = api_for(world, "hni_leader")
    assert api.get("/api/v1/notifications/preferences").json() == {
        "mode": "daily_digest",
        "email_enabled": True,
        "has_email": False,
    }
    ok = api.put(
        "/api/v1/notifications/preferences",
        {"mode": "immediate", "email_enabled": False},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["mode"] == "immediate"
    bad = api.put("/api/v1/notifications/preferences", {"mode": "hourly"}, content_type="application/json")
    assert bad.status_code == 400 and "mode" in bad.json()["errors"]
    pref = NotificationPreference.objects.get(user=world.users["hni_leader"])
    assert (pref.mode, pref.email_enabled) == ("immediate", False)


def test_anonymous_is_refused(world):
    assert Client().get("/api/v1/notifications").status_code == 401
    response = Client().get(reverse("notifications:inbox"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
