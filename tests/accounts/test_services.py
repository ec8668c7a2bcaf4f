"""Account administration services: permission, validation, audit."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password
from django.test import override_settings

from resmon.accounts import services
from resmon.accounts.models import User
from resmon.audit.models import AuditEntry
from resmon.core.access import Role
from resmon.core.errors import PermissionRefused, ValidationFailed

pytestmark = pytest.mark.django_db


def create(actor, **kw):
    data = {
        "username": "nguyen.van.a",
        "full_name": "Nguyễn Văn A",
        "agency": None,
        "role": Role.FOCAL_OFFICER,
    }
    data.update(kw)
    return services.create_user(actor, **data)


def test_agency_admin_creates_account_in_subtree_with_temporary_password(world):
    admin = world.users["hni_admin"]
    user, temp = create(admin, agency=world.hni_so, email="a@hanoi.gov.vn", position="Chuyên viên")
    assert user.must_change_password
    assert user.check_password(temp)
    assert len(temp) >= 12
    assert user.agency == world.hni_so
    entry = AuditEntry.objects.get(action="accounts.user_created", object_id=str(user.pk))
    assert entry.actor_name == "hni_admin"
    assert entry.agency_path == world.hni_so.path
    assert entry.after["username"] == "nguyen.van.a"
    assert "password" not in entry.after


def test_temporary_passwords_differ_and_are_readable():
    passwords = {services.generate_temporary_password() for _ in range(50)}
    assert len(passwords) == 50
    for p in passwords:
        assert all(c not in p for c in "01ilo")


@pytest.mark.parametrize(
    "actor_key, agency_attr",
    [
        ("hni_officer", "hni"),  # a focal officer is not an administrator
        ("hni_leader", "hni"),
        ("hcm_admin", "hni_xa"),  # another province's admin
        ("hni_admin", "hcm"),  # outside the admin's subtree
        ("hni_admin", "root"),  # above the admin's agency
    ],
)
def test_create_refused_outside_permission(world, actor_key, agency_attr):
    before = User.objects.count()
    with pytest.raises(PermissionRefused):
        create(world.users[actor_key], agency=getattr(world, agency_attr))
    assert User.objects.count() == before
    assert not AuditEntry.objects.filter(action="accounts.user_created").exists()


def test_agency_admin_cannot_create_system_admin(world):
    with pytest.raises(PermissionRefused):
        create(world.users["hni_admin"], agency=world.hni, role=Role.SYSTEM_ADMIN)
    assert not User.objects.filter(username="nguyen.van.a").exists()


def test_system_admin_creates_anywhere_including_system_admins(world):
    user, _ = create(world.users["sysadmin"], agency=world.hcm_xa, role=Role.SYSTEM_ADMIN)
    assert user.role == Role.SYSTEM_ADMIN


@pytest.mark.parametrize(
    "kw, field, text",
    [
        ({"username": "ab"}, "username", "3 to 150"),
        ({"username": "nguyễn văn"}, "username", "3 to 150"),
        ({"username": "hni_officer"}, "username", "already taken"),
        ({"username": "HNI_Officer"}, "username", "already taken"),  # case-insensitive
        ({"full_name": "  "}, "full_name", "full name"),
        ({"role": "boss"}, "role", "valid role"),
        ({"email": "not-an-email"}, "email", "valid e-mail"),
        ({"agency": None}, "agency", "Choose an agency"),
    ],
)
def test_create_bad_input_refused_with_clear_message(world, kw, field, text):
    kw.setdefault("agency", world.hni)
    before = User.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        create(world.users["hni_admin"], **kw)
    assert field in exc.value.errors
    assert text in " ".join(exc.value.errors[field])
    assert User.objects.count() == before
    assert not AuditEntry.objects.filter(action="accounts.user_created").exists()


def test_create_refused_in_dissolved_agency(world):
    import datetime as dt

    world.hni_xa2.valid_to = dt.date(2025, 6, 30)
    world.hni_xa2.save()
    with pytest.raises(ValidationFailed) as exc:
        create(world.users["hni_admin"], agency=world.hni_xa2)
    assert "no longer active" in str(exc.value)


def test_deactivate_and_reactivate_with_audit(world):
    admin, target = world.users["hni_admin"], world.users["xa_officer"]
    services.deactivate_user(admin, target, "Nghỉ hưu")
    target.refresh_from_db()
    assert not target.is_active
    entry = AuditEntry.objects.get(action="accounts.user_deactivated")
    assert entry.reason == "Nghỉ hưu"
    assert entry.before["is_active"] is True and entry.after["is_active"] is False
    services.reactivate_user(admin, target)
    target.refresh_from_db()
    assert target.is_active
    assert AuditEntry.objects.filter(action="accounts.user_reactivated", object_id=str(target.pk)).exists()


def test_deactivate_requires_reason_and_changes_nothing(world):
    target = world.users["xa_officer"]
    with pytest.raises(ValidationFailed) as exc:
        services.deactivate_user(world.users["hni_admin"], target, "   ")
    assert "reason" in str(exc.value)
    target.refresh_from_db()
    assert target.is_active
    assert not AuditEntry.objects.filter(action="accounts.user_deactivated").exists()


def test_admin_cannot_deactivate_themselves(world):
    admin = world.users["hni_admin"]
    with pytest.raises(ValidationFailed):
        services.deactivate_user(admin, admin, "thử")
    admin.refresh_from_db()
    assert admin.is_active


@pytest.mark.parametrize(
    "actor_key, target_key",
    [
        ("hni_officer", "xa_officer"),
        ("hcm_admin", "xa_officer"),
        ("hni_admin", "hcm_officer"),
        ("hni_admin", "national_leader"),
        ("inspector", "xa_officer"),
    ],
)
def test_manage_refused_outside_scope(world, actor_key, target_key):
    actor, target = world.users[actor_key], world.users[target_key]
    with pytest.raises(PermissionRefused):
        services.deactivate_user(actor, target, "lý do")
    with pytest.raises(PermissionRefused):
        services.reset_password(actor, target)
    target.refresh_from_db()
    assert target.is_active and not target.must_change_password
    assert not AuditEntry.objects.filter(action__in=["accounts.user_deactivated", "accounts.password_reset"])


def test_agency_admin_cannot_manage_a_system_admin_in_their_subtree(world):
    from tests.factories import user

    sa = user("sa.hni", world.hni, Role.SYSTEM_ADMIN)
    with pytest.raises(PermissionRefused):
        services.reset_password(world.users["hni_admin"], sa)


def test_reset_password_forces_change_and_clears_lockout(world):
    from axes.models import AccessAttempt

    target = world.users["xa_officer"]
    AccessAttempt.objects.create(
        username="xa_officer", ip_address="10.0.0.9", user_agent="t", failures_since_start=5
    )
    temp = services.reset_password(world.users["hni_admin"], target)
    target.refresh_from_db()
    assert target.check_password(temp)
    assert not target.check_password("s3cret-pass!")
    assert target.must_change_password
    assert not AccessAttempt.objects.filter(username="xa_officer").exists()
    entry = AuditEntry.objects.get(action="accounts.password_reset")
    assert entry.after == {"must_change_password": True}


def test_update_user_changes_fields_with_audit(world):
    target = world.users["xa_officer"]
    services.update_user(
        world.users["hni_admin"],
        target,
        full_name="Trần Thị B",
        position="Phó Chủ tịch",
        phone="0912",
        email="b@hanoi.gov.vn",
        role=Role.LEADER,
        agency=world.hni_xa_ubnd,
    )
    target.refresh_from_db()
    assert (target.full_name, target.role, target.agency) == ("Trần Thị B", Role.LEADER, world.hni_xa_ubnd)
    entry = AuditEntry.objects.get(action="accounts.user_updated")
    assert entry.before["role"] == Role.FOCAL_OFFICER and entry.after["role"] == Role.LEADER


def test_update_user_cannot_move_account_out_of_subtree(world):
    target = world.users["xa_officer"]
    with pytest.raises(ValidationFailed):
        services.update_user(
            world.users["hni_admin"],
            target,
            full_name="X",
            position="",
            phone="",
            email="",
            role=Role.FOCAL_OFFICER,
            agency=world.hcm,
        )
    target.refresh_from_db()
    assert target.agency == world.hni_xa


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_temporary_password_hash_is_argon2_and_verifies():
    encoded = services._hash_temporary("abcd-efgh-jkmn")
    assert encoded.startswith("argon2$argon2id$")
    assert check_password("abcd-efgh-jkmn", encoded)
