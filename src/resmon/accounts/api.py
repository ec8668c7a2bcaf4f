"""API of accounts: token issue, "confirm it is you", the caller's own profile (/me) and account
administration."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, logout
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from resmon.agencies.api import AgencyRef, agency_ref, visible_parent
from resmon.agencies.models import Agency
from resmon.agencies.selectors import agencies_visible
from resmon.core import clock
from resmon.core.access import Role
from resmon.core.apikit import Id, PageQuery, PathId, Problem, clean_text, paginate, parse_choice
from resmon.core.errors import DomainError, NotFound, PermissionRefused, ValidationFailed

from . import reauth, selectors, services, services_otp, tokens
from .models import User

router = Router(tags=["accounts"])

TOKEN_TTL_DAYS = getattr(settings, "RESMON_API_TOKEN_TTL_DAYS", 30)


class LockedOut(DomainError):
    status = 429
    code = "locked_out"


class BadCredentials(DomainError):
    status = 401
    code = "invalid_credentials"


# --- token issue ---------------------------------------------------------------------------


class TokenIn(Schema):
    username: str
    password: str
    otp: str = ""  # the authenticator's 6 digits (or a recovery code) when two-factor sign-in is on


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"
    expires_at: dt.datetime | None


def _locked_message() -> str:
    return _(
        "Too many failed sign-in attempts. The account is locked for a while; "
        "try again later or ask your agency administrator."
    )


@router.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, 400: Problem, 401: Problem, 403: Problem, 429: Problem},
    summary="Exchange a username and password (and a one-time code) for a personal API token",
)
def issue_token(request, body: TokenIn):
    username = body.username.strip()
    if not username or not body.password:
        raise ValidationFailed(
            _("Enter both the username and the password."),
            errors={
                k: [_("This field is required.")]
                for k, v in (("username", username), ("password", body.password))
                if not v
            },
        )
    if any("\x00" in value for value in (username, body.password, body.otp)):
        # no account has a NUL in its name or password (and PostgreSQL refuses it in a query)
        raise BadCredentials(_("The username or password is not correct."))
    user = authenticate(request=request, username=username, password=body.password)
    if getattr(request, "axes_locked_out", False):
        # answered here as problem+json; the lockout middleware need not replace the response
        request.axes_locked_out = False
        raise LockedOut(_locked_message())
    if user is None or not user.is_active:
        raise BadCredentials(_("The username or password is not correct."))
    if user.must_change_password:
        raise PermissionRefused(
            _("Sign in on the web and replace your temporary password before using the API."),
            code="password_change_required",
        )
    _second_factor(request, user, body.otp)
    expires = clock.now() + dt.timedelta(days=TOKEN_TTL_DAYS)
    name = _("API sign-in %(when)s") % {"when": clock.now().strftime("%d/%m/%Y %H:%M")}
    token, raw = tokens.create_token(user, name, expires_at=expires, confirmed=True)
    return {"token": raw, "token_type": "Bearer", "expires_at": token.expires_at}


def _second_factor(request, user: User, otp: str) -> None:
    """An account with two-factor sign-in sends its code with the password; a wrong code counts
    towards the lockout like a wrong password. A role that requires it must set it up on the web."""
    if services_otp.is_enrolled(user):
        if not otp.strip():
            raise BadCredentials(
                _("This account uses two-factor sign-in: send the code of the authenticator app as otp."),
                code="otp_required",
            )
        try:
            services_otp.check_code(user, otp)
        except ValidationFailed as exc:
            if services_otp.count_failure(request, user):
                request.axes_locked_out = False
                raise LockedOut(_locked_message()) from None
            raise BadCredentials(exc.message, code="invalid_otp") from None
    elif services_otp.is_required(user):
        raise PermissionRefused(
            _("Your role requires two-factor sign-in: sign in on the web once to set it up, then ask again."),
            code="two_factor_setup_required",
        )


# --- confirm it is you -------------------------------------------------------------------------


class ConfirmIn(Schema):
    password: str = ""
    code: str = Field(
        "", description="When two-factor sign-in is on: the authenticator's 6 digits, or a recovery code"
    )


class ConfirmOut(Schema):
    confirmed_until: dt.datetime
    via: str = Field(..., description="token or session: what was confirmed")


@router.post(
    "/auth/confirm",
    response={200: ConfirmOut, 400: Problem, 429: Problem},
    summary="Confirm it is you (the password, and the one-time code) before a sensitive operation",
    description=(
        "Accepting or reopening a report, account administration and the exports of a whole province "
        "or the nation answer 403 `confirmation_required` when the bearer token (or the session) has "
        "not confirmed within RESMON_REAUTH_MINUTES (15 by default). A token from POST /auth/token and "
        "a session that has just signed in count as confirmed. Wrong passwords and codes count towards "
        "the account's lockout (429; a session is then signed out)."
    ),
)
def confirm_identity(request, body: ConfirmIn):
    user = request.auth
    token = getattr(request, "api_token", None)
    enrolled = services_otp.is_enrolled(user)
    missing = {}
    if not body.password:
        missing["password"] = [_("Enter your password.")]
    if enrolled and not body.code.strip():
        missing["code"] = [
            _("This account uses two-factor sign-in: send the code of the authenticator app as code.")
        ]
    if missing:
        raise ValidationFailed(" ".join(m for msgs in missing.values() for m in msgs), errors=missing)
    check = reauth.check_identity(request, user, body.password, body.code if enrolled else None)
    if check.outcome == reauth.LOCKED:
        request.axes_locked_out = False  # answered here as problem+json
        if token is None:
            logout(request)
            raise LockedOut(_("%(locked)s You have been signed out.") % {"locked": _locked_message()})
        raise LockedOut(_locked_message())
    if check.outcome == reauth.INVALID:
        [(name, message)] = check.errors.items()
        raise ValidationFailed(message, field=name, code=f"wrong_{name}")
    until = reauth.confirmed(request, user, check.device, token)
    return {"confirmed_until": until, "via": "token" if token is not None else "session"}


# --- /me -----------------------------------------------------------------------------------


class ResolutionRef(Schema):
    id: int
    number: str


class ScopeOut(Schema):
    everything: bool
    read_agencies: list[AgencyRef]
    write_agencies: list[AgencyRef]
    steering_resolution_ids: list[int]


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    email: str
    position: str
    role: str
    role_label: str
    agency: AgencyRef | None
    must_change_password: bool
    scope: ScopeOut


def _refs_for_paths(paths: tuple[str, ...]) -> list[dict[str, Any]]:
    agencies = Agency.objects.filter(path__in=list(paths)).order_by("path")
    return [agency_ref(a) for a in agencies]


@router.get("/me", response=MeOut, summary="The signed-in user, their agency, role and scope")
def me(request):
    user = request.auth
    scope = user.scope
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "position": user.position,
        "role": user.role,
        "role_label": str(user.get_role_display()),
        "agency": agency_ref(user.agency) if user.agency_id else None,
        "must_change_password": user.must_change_password,
        "scope": {
            "everything": scope.everything,
            "read_agencies": _refs_for_paths(scope.read_paths),
            "write_agencies": _refs_for_paths(scope.write_paths),
            "steering_resolution_ids": sorted(scope.resolution_ids),
        },
    }


# --- users ---------------------------------------------------------------------------------


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    email: str
    position: str
    phone: str
    role: str
    role_label: str
    agency: AgencyRef | None
    is_active: bool
    must_change_password: bool
    last_login: dt.datetime | None
    date_joined: dt.datetime


class UserPage(Schema):
    count: int
    items: list[UserOut]


class UserCreatedOut(UserOut):
    temporary_password: str


class UserFilters(Schema):
    agency: Id | None = None
    role: str | None = None
    active: bool | None = None
    q: str | None = None


class UserIn(Schema):
    username: str
    full_name: str
    agency: Id
    role: str
    email: str = ""
    position: str = ""
    phone: str = ""


class DeactivateIn(Schema):
    reason: str = ""


def serialize_user(u: User) -> dict[str, Any]:
    return {
        "id": u.pk,
        "username": u.username,
        "full_name": u.full_name,
        "email": u.email,
        "position": u.position,
        "phone": u.phone,
        "role": u.role,
        "role_label": str(u.get_role_display()),
        "agency": agency_ref(u.agency) if u.agency_id else None,
        "is_active": u.is_active,
        "must_change_password": u.must_change_password,
        "last_login": u.last_login,
        "date_joined": u.date_joined,
    }


def _administered_user(actor: Any, user_id: int) -> User:
    """An account an administrator may see; for everyone else account records do not exist."""
    if not selectors.may_administer(actor):
        raise NotFound(_("Not found, or you do not have access to it."))
    return selectors.get_user(actor, user_id)


@router.get("/users", response=UserPage, summary="Accounts in the administrator's subtree")
def list_users(request, filters: Query[UserFilters], page: Query[PageQuery]):
    actor = request.auth
    if not selectors.may_administer(actor):
        raise PermissionRefused(_("Only agency administrators and system administrators may list accounts."))
    role = parse_choice(filters.role, "role", Role.values)
    agency = visible_parent(actor, filters.agency, "agency") if filters.agency is not None else None
    qs = selectors.search_users(
        actor, q=clean_text(filters.q), agency=agency, role=role or "", active=filters.active
    )
    return paginate(qs, page, serialize_user)


@router.get("/users/{user_id}", response=UserOut, summary="One account")
def get_user(request, user_id: PathId):
    return serialize_user(_administered_user(request.auth, user_id))


@router.post(
    "/users",
    response={201: UserCreatedOut, 400: Problem, 403: Problem},
    summary="Create an account (the temporary password is returned once)",
    openapi_extra=reauth.documented(),
)
def create_user(request, body: UserIn):
    actor = request.auth
    if not selectors.may_administer(actor):
        raise PermissionRefused(_("Only agency administrators and system administrators manage accounts."))
    reauth.require_confirmation(request)
    try:
        agency = agencies_visible(actor, include_inactive=True).get(pk=body.agency)
    except Agency.DoesNotExist:
        raise ValidationFailed(
            _("No agency with id %(id)s in your scope.") % {"id": body.agency}, field="agency"
        ) from None
    user, temp = services.create_user(
        actor,
        username=body.username,
        full_name=body.full_name,
        agency=agency,
        role=body.role,
        email=body.email,
        position=body.position,
        phone=body.phone,
    )
    return Status(201, {**serialize_user(user), "temporary_password": temp})


@router.post(
    "/users/{user_id}/deactivate",
    response={200: UserOut, 400: Problem, 403: Problem, 404: Problem},
    summary="Deactivate an account (a reason is required)",
    openapi_extra=reauth.documented(),
)
def deactivate_user(request, user_id: PathId, body: DeactivateIn):
    target = _administered_user(request.auth, user_id)
    reauth.require_confirmation(request)
    return serialize_user(services.deactivate_user(request.auth, target, body.reason))
