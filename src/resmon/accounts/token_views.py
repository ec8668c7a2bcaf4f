"""The personal API tokens page: list, create (the secret is shown once), revoke with confirmation.

The secret is rendered only in the response to the POST that created it (never stored in clear,
never put in a URL or the session); that page is sent with ``Cache-Control: no-store``.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from resmon.core import clock
from resmon.core.errors import DomainError

from . import tokens

EXPIRY_CHOICES = [
    ("30", gettext_lazy("30 days")),
    ("90", gettext_lazy("90 days")),
    ("365", gettext_lazy("1 year")),
    ("never", gettext_lazy("Never (revoke it when no longer needed)")),
]


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=tokens.NAME_MAX,
        help_text=gettext_lazy("What the token is for, e.g. “Báo cáo tổng hợp của Sở”."),
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    expires = forms.ChoiceField(
        label=gettext_lazy("Expires after"),
        choices=EXPIRY_CHOICES,
        initial="90",
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def expires_at(self) -> dt.datetime | None:
        value = self.cleaned_data["expires"]
        return None if value == "never" else clock.now() + dt.timedelta(days=int(value))


def _confirm_target(request):
    """The token named by ?revoke=<id>, if it is one of the user's own usable tokens."""
    raw = request.GET.get("revoke", "")
    if not raw.isdigit():
        return None
    token = tokens.list_tokens(request.user).filter(pk=int(raw)).first()
    return token if token is not None and token.revoked_at is None else None


@never_cache
@login_required
def token_page(request):
    form = TokenForm()
    created = None
    raw_token = ""
    revoke_error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            form = TokenForm(request.POST)
            if form.is_valid():
                try:
                    created, raw_token = tokens.create_token(
                        request.user, form.cleaned_data["name"], expires_at=form.expires_at()
                    )
                except DomainError as exc:
                    form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
                else:
                    form = TokenForm()
        elif action == "revoke":
            try:
                token = tokens.revoke_token(request.user, request.POST.get("token_id"))
            except DomainError as exc:
                revoke_error = str(exc.message)
            else:
                messages.success(request, _("The token “%(name)s” has been revoked.") % {"name": token.name})
                return redirect("accounts:tokens")
    items = [(t, tokens.is_usable(t)) for t in tokens.list_tokens(request.user)]
    status = 400 if (request.method == "POST" and (form.errors or revoke_error)) else 200
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "items": items,
            "created": created,
            "raw_token": raw_token,
            "confirm": _confirm_target(request) if request.method == "GET" else None,
            "revoke_error": revoke_error,
        },
        status=status,
    )
