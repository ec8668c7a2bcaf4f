from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from resmon.agencies.models import Agency
from resmon.core.access import Role


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Wrong username or password. Note that both are case-sensitive."),
        "inactive": _("This account has been deactivated. Contact your agency administrator."),
    }

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if self._is_deactivated():
                raise ValidationError(self.error_messages["inactive"], code="inactive") from None
            raise

    def _is_deactivated(self) -> bool:
        """Tell a deactivated user why, but only when the password is right (no account probing)."""
        from .models import User

        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not username or not password:
            return False
        user = User.objects.filter(username=username, is_active=False).first()
        return bool(user and user.check_password(password))


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; avoid common passwords."),
    )
    new_password2 = forms.CharField(
        label=_("New password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two new passwords do not match."))
        return data


class BootstrapMixin:
    """Bootstrap 5 classes on every widget, and ``is-invalid`` on fields with an error."""

    fields: dict

    def style_fields(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css

    def add_error(self, field, error):
        super().add_error(field, error)  # type: ignore[misc]
        names = [field] if field else []
        if isinstance(error, dict):
            names = list(error)
        for name in names:
            if name not in self.fields:
                continue
            attrs = self.fields[name].widget.attrs
            if "is-invalid" not in attrs.get("class", ""):
                attrs["class"] = (attrs.get("class", "") + " is-invalid").strip()


def role_choices(actor) -> list[tuple[str, str]]:
    return [(c, lbl) for c, lbl in Role.choices if c != Role.SYSTEM_ADMIN or actor.role == Role.SYSTEM_ADMIN]


def agency_label(agency: Agency) -> str:
    return f"{agency.code} · {agency.name}"


class _AccountFieldsForm(BootstrapMixin, forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    position = forms.CharField(label=_("Position"), max_length=150, required=False)
    agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.all(),
        error_messages={"invalid_choice": _("Choose an agency from the list.")},
    )
    role = forms.ChoiceField(label=_("Role"))
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)

    def __init__(self, actor, agencies: list[Agency], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(actor)
        selected = self._selected_agency()
        options = list(agencies)
        if selected is not None and selected not in options:
            options.insert(0, selected)
        # only the listed agencies are rendered; any id is accepted and checked by the service
        choices = [(a.pk, agency_label(a)) for a in options]
        self.fields["agency"].widget.choices = [("", "---------"), *choices]
        self.style_fields()

    def _selected_agency(self) -> Agency | None:
        value = self.data.get("agency") if self.is_bound else self.initial.get("agency")
        if isinstance(value, Agency):
            return value
        try:
            return Agency.objects.filter(pk=int(value)).first() if value else None
        except (TypeError, ValueError):
            return None


class UserCreateForm(_AccountFieldsForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_(
            "Lowercase letters without accents, digits, dots, dashes or underscores, e.g. nguyen.van.a"
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    field_order = ["username", "full_name", "position", "agency", "role", "email", "phone"]


class UserEditForm(_AccountFieldsForm):
    field_order = ["full_name", "position", "agency", "role", "email", "phone"]


class DeactivateForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the reason for deactivating this account.")},
    )
    confirm = forms.BooleanField(
        label=_("I confirm: this person will no longer be able to sign in."),
        error_messages={"required": _("Tick the box to confirm.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()


class ImportForm(BootstrapMixin, forms.Form):
    file = forms.FileField(
        label=_("File (.xlsx or .csv)"),
        help_text=_("At most 2000 rows and 2 MB. If any row is wrong, no account is created."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()


class UserFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    agency = forms.IntegerField(label=_("Agency"), required=False, widget=forms.Select)
    role = forms.ChoiceField(label=_("Role"), required=False)
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("1", _("Active")), ("0", _("Deactivated"))],
    )

    def __init__(self, agencies: list[Agency], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("All"))] + list(Role.choices)
        self.fields["agency"].widget.choices = [("", _("All my agencies"))] + [
            (a.pk, agency_label(a)) for a in agencies
        ]
        self.style_fields()


# --- two-factor sign-in -----------------------------------------------------------------------------


def _code_field(
    label: Any, help_text: Any = "", *, digits_only: bool = False, autofocus: bool = False
) -> forms.CharField:
    attrs: dict[str, Any] = {
        "autocomplete": "one-time-code",
        "autocapitalize": "none",
        "spellcheck": "false",
    }
    if autofocus:
        attrs["autofocus"] = True
    if digits_only:
        attrs.update(inputmode="numeric", pattern="[0-9 ]*", maxlength="7")
    return forms.CharField(
        label=label,
        max_length=20,
        help_text=help_text,
        widget=forms.TextInput(attrs=attrs),
        error_messages={"required": _("Enter the code.")},
    )


class CodeForm(forms.Form):
    """The one-time-code step of the sign-in: the app's 6 digits or a recovery code."""

    code = _code_field(
        _("Code"),
        _("The 6 digits your authenticator app shows for Resmon, or one of your recovery codes."),
        autofocus=True,
    )


class EnrolForm(forms.Form):
    code = _code_field(
        _("Code shown by the app"),
        _("After scanning, the app shows a new 6-digit code every 30 seconds: enter the current one."),
        digits_only=True,
    )


def _password_field(label: Any, *, autofocus: bool = False) -> forms.CharField:
    attrs: dict[str, Any] = {"autocomplete": "current-password"}
    if autofocus:
        attrs["autofocus"] = True
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.PasswordInput(attrs=attrs),
        error_messages={"required": _("Enter your password.")},
    )


class ConfirmForm(forms.Form):
    """ "Confirm it is you": the password, and a code when two-factor sign-in is on. Its fields carry
    the prefix "reauth" so that they can travel with the form of the action being confirmed."""

    password = _password_field(_("Your password"), autofocus=True)
    code = _code_field(_("Code"), _("The 6 digits of your authenticator app, or a recovery code."))

    def __init__(self, *args, with_code: bool, **kwargs):
        kwargs.setdefault("prefix", "reauth")
        super().__init__(*args, **kwargs)
        if not with_code:
            del self.fields["code"]


class DisableForm(forms.Form):
    password = _password_field(_("Your password"))
    code = _code_field(_("Code"), _("The 6 digits of your authenticator app, or a recovery code."))
