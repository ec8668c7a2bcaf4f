"""Every page renders for an allowed user, sends the CSP and carries no inline script or style;
anonymous users are sent to sign in; what lies outside the scope is a 404."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from .helpers import assert_safe_page, login

TODAY = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen_day():
    with time_machine.travel(TODAY, tick=False):
        yield


def page_urls(w, agency=None):
    program = w.tasks["hni"].program
    agency = agency or w.hni
    return [
        reverse("web:home"),
        reverse("web:agency_tree"),
        reverse("web:agency_tree") + f"?parent={agency.pk}",
        reverse("web:agency_tree") + "?q=Hà Nội",
        reverse("web:agency_detail", args=[agency.pk]),
        reverse("web:resolution_list"),
        reverse("web:resolution_detail", args=[w.res.pk]),
        reverse("web:program_detail", args=[program.pk]),
        reverse("web:task_list"),
        reverse("web:task_detail", args=[w.tasks["hni"].pk]),
        reverse("web:agency_children", args=[agency.pk]),
        reverse("web:task_children", args=[w.tasks["hni"].pk]),
        reverse("web:agency_picker") + "?agency_q=Tân",
    ]


def test_anonymous_users_are_sent_to_sign_in(client, world):
    for url in page_urls(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("accounts:login")), url


@pytest.mark.parametrize("username", ["hni_officer", "sysadmin", "inspector", "steering"])
def test_every_page_renders_safely_for_an_allowed_user(client, world, username):
    login(client, world.users[username])
    # the steering member (Văn phòng TW) sees 57-NQ/TW's tasks nationwide, not Hà Nội's agencies
    agency = world.vptw if username == "steering" else world.hni
    for url in page_urls(world, agency):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_safe_page(response)


def test_layout_shows_agency_role_navigation_and_sign_out(client, world):
    login(client, world.users["hni_officer"])
    html = client.get(reverse("web:home")).content.decode()
    assert "Thành ủy Hà Nội" in html
    assert str(world.users["hni_officer"].get_role_display()) in html
    for name in ("web:home", "web:resolution_list", "web:task_list", "web:agency_tree"):
        assert f'href="{reverse(name)}"' in html
    assert f'action="{reverse("accounts:logout")}"' in html
    assert f'action="{reverse("set_language")}"' in html
    assert 'name="viewport"' in html


def test_administration_link_only_for_administrators(client, world):
    try:
        admin_url = reverse("accounts:user_list")
    except Exception:
        pytest.skip("account administration pages are not installed")
    login(client, world.users["hni_officer"])
    assert f'href="{admin_url}"' not in client.get(reverse("web:home")).content.decode()
    client.force_login(world.users["hni_admin"])
    assert f'href="{admin_url}"' in client.get(reverse("web:home")).content.decode()


def test_login_and_password_pages_render_safely(client, world):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    html = assert_safe_page(response)
    assert 'name="username"' in html and 'name="password"' in html
    assert 'class="form-control' in html
    login(client, world.users["hni_officer"])
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 200
    html = assert_safe_page(response)
    assert 'name="new_password1"' in html


def test_wrong_password_shows_the_message_on_the_login_page(client, world):
    response = client.post(reverse("accounts:login"), {"username": "hni_officer", "password": "wrong"})
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()


def test_commune_officer_gets_404_for_another_province(client, world):
    login(client, world.users["xa_officer"])
    for url in (
        reverse("web:task_detail", args=[world.tasks["hcm"].pk]),
        reverse("web:task_detail", args=[world.tasks["hni"].pk]),
        reverse("web:agency_detail", args=[world.hcm.pk]),
        reverse("web:agency_children", args=[world.hcm.pk]),
        reverse("web:task_children", args=[world.tasks["hcm"].pk]),
        reverse("web:program_detail", args=[world.tasks["hcm"].program.pk]),
        reverse("web:agency_tree") + f"?parent={world.hcm.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        html = assert_safe_page(response)
        assert "Thành ủy Thành phố Hồ Chí Minh" not in html
    # the commune's own task is there
    assert client.get(reverse("web:task_detail", args=[world.tasks["hni_xa"].pk])).status_code == 200


def test_missing_objects_are_404(client, world):
    login(client, world.users["sysadmin"])
    assert client.get(reverse("web:task_detail", args=[999999])).status_code == 404
    assert client.get(reverse("web:resolution_detail", args=[999999])).status_code == 404
    assert client.get(reverse("web:agency_tree") + "?parent=abc").status_code == 404
