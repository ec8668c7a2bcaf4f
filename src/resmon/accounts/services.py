"""Every write on accounts: permission, validation, write and audit row in one transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from resmon.audit.services import record
from resmon.core.errors import ValidationFailed

from .models import User


def _agency_path(user: User) -> str:
    return user.agency.path if user.agency_id else ""


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


def audit_login(user: Any) -> None:
    with transaction.atomic():
        record(user, "accounts.login", user, agency_path=_agency_path(user))
