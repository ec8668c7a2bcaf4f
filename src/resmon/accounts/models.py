"""Users, their one agency and role, extra grants, and personal API tokens."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from resmon.core.access import Role, Scope, granted_resolution_ids
from resmon.core.models import TimeStamped


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    position = models.CharField(_("position"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("agency"),
        null=True,
        blank=True,
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.FOCAL_OFFICER)
    must_change_password = models.BooleanField(_("must change password"), default=False)
    updated_by_name = models.CharField(max_length=150, blank=True)

    objects = UserManager()

    scope_paths = ("agency__path",)
    scope_actions = {"manage": {Role.AGENCY_ADMIN}}

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def owner_paths(self) -> tuple[str, ...]:
        return (self.agency.path,) if self.agency_id else ()

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def scope(self) -> Scope:
        """Own agency's subtree (read and act), inspection grants (read only), and the
        resolutions a steering-committee membership opens nationwide. Cached per instance."""
        cached = getattr(self, "_scope_cache", None)
        if cached is not None:
            return cached
        if not self.is_active:
            scope = Scope()
        else:
            own = (self.agency.path,) if self.agency_id else ()
            read = set(own)
            read.update(self.grants.filter(kind=Grant.Kind.INSPECTION).values_list("agency__path", flat=True))
            # drop prefixes already covered by a shorter one
            minimal = tuple(sorted(p for p in read if not any(p != q and p.startswith(q) for q in read)))
            scope = Scope(
                role=self.role,
                agency_id=self.agency_id,
                read_paths=minimal,
                write_paths=own if self.role != Role.INSPECTOR else (),
                resolution_ids=granted_resolution_ids(self),
            )
        self._scope_cache = scope
        return scope


class Grant(TimeStamped):
    """Extra reach beyond the user's own agency. Steering-committee membership lives with the
    resolution (planning); here: an inspection body's mandated subtree, read only."""

    class Kind(models.TextChoices):
        INSPECTION = "inspection", _("Inspection of a subtree (read only)")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency subtree")
    )
    note = models.CharField(_("mandate"), max_length=255, blank=True)

    scope_paths = ("agency__path", "user__agency__path")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind", "agency"], name="uniq_grant")]


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(TimeStamped):
    """A personal API token: only its SHA-256 is stored; the secret is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    # the last "confirm it is you" (POST /api/v1/auth/confirm, or the sign-in that issued the token):
    # sensitive operations need it within RESMON_REAUTH_MINUTES (accounts.reauth)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    scope_paths = ("user__agency__path",)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class SignInEvent(models.Model):
    """One line of a user's sign-in history: a sign-in, a refused attempt, a lockout or a change
    to the two-factor setup, with the address and browser it came from. Only the user reads it."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Signed in")
        WRONG_PASSWORD = "wrong_password", _("Wrong password")
        WRONG_CODE = "wrong_code", _("Wrong code")
        LOCKED = "locked", _("Locked out")
        ENROLLED = "enrolled", _("Two-factor sign-in turned on")
        DISABLED = "disabled", _("Two-factor sign-in turned off")
        CODES_RENEWED = "codes_renewed", _("New recovery codes made")
        RESET = "reset", _("Two-factor sign-in reset by an administrator")

    class Method(models.TextChoices):
        PASSWORD = "password", _("Password")
        TOTP = "totp", _("Password and authenticator code")
        RECOVERY_CODE = "recovery_code", _("Password and recovery code")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_in_events")
    at = models.DateTimeField(_("time"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    scope_paths = ("user__agency__path",)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["user", "-at"], name="accounts_signin_user_at"),
            models.Index(fields=["at"], name="accounts_signin_at"),  # the daily pruning
        ]
        verbose_name = _("sign-in event")
        verbose_name_plural = _("sign-in events")

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.user_id} {self.outcome}"
