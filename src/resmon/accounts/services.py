"""Every write on accounts: permission, validation, write and audit row in one transaction."""

from __future__ import annotations

import os
import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.contrib.auth.hashers import Argon2PasswordHasher, get_hasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from resmon.agencies.models import Agency
from resmon.audit.services import record, snapshot
from resmon.core import classified, clock
from resmon.core.access import Role, can
from resmon.core.errors import PermissionRefused, ValidationFailed

from .imports import ImportResult, RowError, parse_upload
from .models import User

USERNAME_RE = re.compile(r"^[a-z0-9._-]{3,150}$")
ADMIN_ROLES = {Role.SYSTEM_ADMIN, Role.AGENCY_ADMIN}
# Characters that cannot be confused with each other when read aloud or copied from paper.
_TEMP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_AUDIT_FIELDS = [
    "username",
    "full_name",
    "email",
    "position",
    "phone",
    "agency",
    "role",
    "is_active",
    "must_change_password",
]


class _TemporaryPasswordHasher(Argon2PasswordHasher):
    """Argon2id with OWASP's minimum parameters (19 MiB, t=2, p=1) for generated temporary
    passwords: they carry ~59 bits of randomness and must be replaced at first sign-in, so the
    full cost (~120 ms each here) is not needed. Measured on a 2-core machine: a 500-row import
    takes about 7 s instead of about a minute. The result is an ordinary "argon2" hash (its
    parameters are stored in it), verified by the configured hasher and upgraded when the user
    sets their own password."""

    memory_cost = 19456
    time_cost = 2
    parallelism = 1


def _outside_subtree() -> str:
    return _("You may only manage accounts in your own agency and the agencies under it.")


def _only_sysadmin() -> str:
    return _("Only a system administrator may create or appoint a system administrator.")


def _agency_path(user: User) -> str:
    return user.agency.path if user.agency_id else ""


def generate_temporary_password() -> str:
    """Three groups of four readable characters, e.g. ``k7mp-x3qa-9wtd`` (about 59 bits)."""
    groups = ("".join(secrets.choice(_TEMP_ALPHABET) for _ in range(4)) for _ in range(3))
    return "-".join(groups)


def _hash_temporary(raw: str) -> str:
    if get_hasher().algorithm == "argon2":
        hasher = _TemporaryPasswordHasher()
        return hasher.encode(raw, hasher.salt())
    return make_password(raw)


def _hash_many(raws: list[str]) -> list[str]:
    if len(raws) < 4:
        return [_hash_temporary(r) for r in raws]
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return list(pool.map(_hash_temporary, raws))


def is_account_admin(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role in ADMIN_ROLES)


def _require_manage(actor: User, target: User) -> None:
    if not can(actor, "manage", target):
        raise PermissionRefused(_("You may not manage this account."))
    if target.role == Role.SYSTEM_ADMIN and actor.role != Role.SYSTEM_ADMIN:
        raise PermissionRefused(_("Only a system administrator may manage a system administrator's account."))


def can_manage(actor: User, target: User) -> bool:
    try:
        _require_manage(actor, target)
    except PermissionRefused:
        return False
    return True


def _username_taken(username: str, exclude_pk: int | None = None) -> bool:
    qs = User.objects.annotate(lname=Lower("username")).filter(lname=username.lower())
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def normalise_username(value: str) -> str:
    return (value or "").strip().lower()


def check_username(username: str) -> str | None:
    """The message for a malformed username, or None."""
    if not username:
        return _("Enter a username.")
    if not USERNAME_RE.match(username):
        return _(
            "A username has 3 to 150 characters: lowercase letters without accents, digits, "
            "dots, dashes or underscores (for example nguyen.van.a)."
        )
    return None


def check_fields(actor: User, *, full_name: str, agency: Agency | None, role: str, email: str) -> dict:
    """Field -> message for everything wrong with these account fields (besides the username)."""
    errors: dict[str, str] = {}
    if not full_name.strip():
        errors["full_name"] = _("Enter the person's full name.")
    elif classified.mark_in_text(full_name):
        errors["full_name"] = str(classified.TEXT_MESSAGE)
    if role not in Role.values:
        errors["role"] = _("Choose a valid role.")
    elif role == Role.SYSTEM_ADMIN and actor.role != Role.SYSTEM_ADMIN:
        errors["role"] = _only_sysadmin()
    if agency is None:
        errors["agency"] = _("Choose an agency.")
    elif not agency.is_active_on(clock.today()):
        errors["agency"] = _("The agency %(name)s is no longer active (merged or dissolved).") % {
            "name": agency.name
        }
    elif not can(actor, "manage_accounts", agency):
        errors["agency"] = _outside_subtree()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Enter a valid e-mail address, e.g. ten@co-quan.gov.vn.")
    return errors


def _raise_if(errors: dict[str, str]) -> None:
    if errors:
        first = next(iter(errors.values()))
        listed = {k: [v] for k, v in errors.items()}
        raise ValidationFailed(
            first, field=next(iter(errors)), errors=listed, code=classified.code_of(listed)
        )


def _require_admin(actor: User) -> None:
    if not is_account_admin(actor):
        raise PermissionRefused(_("Only agency administrators and system administrators manage accounts."))


def create_user(
    actor: User,
    *,
    username: str,
    full_name: str,
    agency: Agency | None,
    role: str,
    email: str = "",
    position: str = "",
    phone: str = "",
) -> tuple[User, str]:
    """Create an account with a temporary password (returned once; the user must change it)."""
    _require_admin(actor)
    if agency is not None and not can(actor, "manage_accounts", agency):
        raise PermissionRefused(_outside_subtree(), field="agency")
    if role == Role.SYSTEM_ADMIN and actor.role != Role.SYSTEM_ADMIN:
        raise PermissionRefused(_only_sysadmin(), field="role")
    username = normalise_username(username)
    email = (email or "").strip()
    errors: dict[str, str] = {}
    if msg := check_username(username):
        errors["username"] = msg
    elif _username_taken(username):
        errors["username"] = _("The username %(username)s is already taken.") % {"username": username}
    errors.update(check_fields(actor, full_name=full_name, agency=agency, role=role, email=email))
    _raise_if(errors)
    temp = generate_temporary_password()
    with transaction.atomic():
        user = User(
            username=username,
            full_name=full_name.strip(),
            agency=agency,
            role=role,
            email=email,
            position=(position or "").strip(),
            phone=(phone or "").strip(),
            must_change_password=True,
        )
        user.password = _hash_temporary(temp)
        user.save()
        record(
            actor,
            "accounts.user_created",
            user,
            after=snapshot(user, _AUDIT_FIELDS),
            agency_path=_agency_path(user),
        )
    return user, temp


def update_user(
    actor: User,
    target: User,
    *,
    full_name: str,
    position: str,
    phone: str,
    email: str,
    role: str,
    agency: Agency | None,
) -> User:
    _require_manage(actor, target)
    email = (email or "").strip()
    errors = check_fields(actor, full_name=full_name, agency=agency, role=role, email=email)
    if target.pk == actor.pk and role != actor.role:
        errors["role"] = _("You cannot change your own role.")
    _raise_if(errors)
    with transaction.atomic():
        target = User.objects.select_for_update(of=("self",)).get(pk=target.pk)
        before = snapshot(target, _AUDIT_FIELDS)
        target.full_name = full_name.strip()
        target.position = (position or "").strip()
        target.phone = (phone or "").strip()
        target.email = email
        target.role = role
        target.agency = agency
        target.updated_by_name = actor.get_username()
        target.save()
        record(
            actor,
            "accounts.user_updated",
            target,
            before=before,
            after=snapshot(target, _AUDIT_FIELDS),
            agency_path=_agency_path(target),
        )
    return target


def deactivate_user(actor: User, target: User, reason: str) -> User:
    _require_manage(actor, target)
    if target.pk == actor.pk:
        raise ValidationFailed(_("You cannot deactivate your own account."), field="reason")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give the reason for deactivating this account."), field="reason")
    if not target.is_active:
        raise ValidationFailed(_("This account is already deactivated."), field="reason")
    with transaction.atomic():
        before = snapshot(target, _AUDIT_FIELDS)
        target.is_active = False
        target.updated_by_name = actor.get_username()
        target.save(update_fields=["is_active", "updated_by_name"])
        record(
            actor,
            "accounts.user_deactivated",
            target,
            before=before,
            after=snapshot(target, _AUDIT_FIELDS),
            reason=reason,
            agency_path=_agency_path(target),
        )
    return target


def reactivate_user(actor: User, target: User) -> User:
    _require_manage(actor, target)
    if target.is_active:
        raise ValidationFailed(_("This account is already active."))
    if target.agency_id and not target.agency.is_active_on(clock.today()):
        raise ValidationFailed(
            _("The account's agency is no longer active; move the account to an active agency first.")
        )
    with transaction.atomic():
        before = snapshot(target, _AUDIT_FIELDS)
        target.is_active = True
        target.updated_by_name = actor.get_username()
        target.save(update_fields=["is_active", "updated_by_name"])
        record(
            actor,
            "accounts.user_reactivated",
            target,
            before=before,
            after=snapshot(target, _AUDIT_FIELDS),
            agency_path=_agency_path(target),
        )
    return target


def reset_password(actor: User, target: User) -> str:
    """A new temporary password (returned once); clears any sign-in lockout of the account."""
    from axes.utils import reset as axes_reset

    _require_manage(actor, target)
    if target.pk == actor.pk:
        raise ValidationFailed(_("Change your own password on the password page instead."))
    temp = generate_temporary_password()
    with transaction.atomic():
        before = snapshot(target, ["must_change_password"])
        target.password = _hash_temporary(temp)
        target.must_change_password = True
        target.updated_by_name = actor.get_username()
        target.save(update_fields=["password", "must_change_password", "updated_by_name"])
        record(
            actor,
            "accounts.password_reset",
            target,
            before=before,
            after=snapshot(target, ["must_change_password"]),
            agency_path=_agency_path(target),
        )
    axes_reset(username=target.username)
    return temp


def bulk_import(actor: User, uploaded_file: Any) -> ImportResult:
    """Create every account in the file, or none: if any row is wrong, all row errors come back."""
    _require_admin(actor)
    name = getattr(uploaded_file, "name", "") or ""
    parsed = parse_upload(uploaded_file)
    if parsed.errors:
        return ImportResult(errors=parsed.errors)
    rows = parsed.rows
    errors: list[RowError] = []

    codes = {r["agency_code"].strip() for r in rows if r["agency_code"].strip()}
    agencies: dict[str, Agency] = {}
    if codes:
        lookup = codes | {c.upper() for c in codes}
        for ag in Agency.objects.filter(code__in=lookup):
            agencies[ag.code.upper()] = ag
    usernames = [normalise_username(r["username"]) for r in rows]
    taken = set(
        User.objects.annotate(lname=Lower("username"))
        .filter(lname__in=[u for u in usernames if u])
        .values_list("lname", flat=True)
    )
    seen: dict[str, int] = {}
    prepared = []
    for r in rows:
        line = r["_row"]
        username = normalise_username(r["username"])
        if msg := check_username(username):
            errors.append(RowError(line, "username", msg))
        elif username in taken:
            msg = _("The username %(username)s is already taken.") % {"username": username}
            errors.append(RowError(line, "username", msg))
        elif username in seen:
            msg = _("The username %(username)s also appears on row %(row)s.") % {
                "username": username,
                "row": seen[username],
            }
            errors.append(RowError(line, "username", msg))
        else:
            seen[username] = line
        code = r["agency_code"].strip()
        agency = agencies.get(code.upper()) if code else None
        role = parsed.role_code(r["role"])
        field_errors = check_fields(
            actor, full_name=r["full_name"], agency=agency, role=role or "", email=r["email"].strip()
        )
        if not code:
            field_errors["agency"] = _("Enter the agency code.")
        elif agency is None:
            field_errors["agency"] = _("No agency has the code %(code)s.") % {"code": code}
        if role is None:
            field_errors["role"] = (
                _("Unknown role %(role)s; use one of: %(choices)s.")
                % {"role": r["role"] or "—", "choices": ", ".join(Role.values)}
                if r["role"].strip()
                else _("Enter the role.")
            )
        import_fields = {"agency": "agency_code"}
        errors.extend(RowError(line, import_fields.get(f, f), m) for f, m in field_errors.items())
        prepared.append((r, username, agency, role))
    if errors:
        errors.sort(key=lambda e: e.row or 0)
        return ImportResult(errors=errors)

    temps = [generate_temporary_password() for _ in prepared]
    hashes = _hash_many(temps)
    created: list[tuple[User, str]] = []
    with transaction.atomic():
        for (r, username, agency, role), temp, hashed in zip(prepared, temps, hashes, strict=True):
            user = User(
                username=username,
                full_name=r["full_name"].strip(),
                agency=agency,
                role=role,
                email=r["email"].strip(),
                position=r["position"].strip(),
                phone=r["phone"].strip(),
                must_change_password=True,
                password=hashed,
            )
            user.save()
            record(
                actor,
                "accounts.user_created",
                user,
                after=snapshot(user, _AUDIT_FIELDS),
                agency_path=_agency_path(user),
                reason=_("Bulk import"),
            )
            created.append((user, temp))
        record(
            actor,
            "accounts.bulk_import",
            None,
            object_type="accounts.import",
            object_repr=name[:300],
            after={"file": name, "count": len(created), "usernames": [u.username for u, _t in created]},
            agency_path=_agency_path(actor),
        )
    return ImportResult(created=created)


@transaction.atomic
def change_password(user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ValidationFailed(_("The current password is not correct."), field="old_password")
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="new_password1") from None
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    record(user, "accounts.password_changed", user, agency_path=_agency_path(user))
