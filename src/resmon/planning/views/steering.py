"""A resolution's steering committee: its members see the resolution's tasks nationwide.
Everyone who may see the resolution sees the members; system administrators add and remove them."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from resmon.accounts.reauth import posting, reauth_required
from resmon.accounts.selectors import users_visible
from resmon.core.access import Role
from resmon.core.errors import DomainError, NotFound
from resmon.core.views import page, show_error

from .. import selectors
from ..models import SteeringMember
from ..services import programs as program_services


class MemberForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    position = forms.CharField(
        label=gettext_lazy("Position in the committee"), max_length=150, required=False
    )


@page
@reauth_required(when=posting)
def steering_committee(request, pk):
    user = request.user
    resolution = selectors.get_resolution(user, pk)
    is_admin = user.scope.role == Role.SYSTEM_ADMIN
    form = MemberForm(request.POST or None) if is_admin else None
    if request.method == "POST":
        if not is_admin:
            raise NotFound(_("Not found, or you do not have access to it."))
        try:
            if "remove" in request.POST:
                member = SteeringMember.objects.get(
                    pk=int(request.POST["remove"]), committee__resolution=resolution
                )
                program_services.remove_steering_member(user, member)
                messages.success(request, _("The member has been removed."))
                return redirect("planning:steering", pk=resolution.pk)
            if form.is_valid():
                username = form.cleaned_data["username"].strip()
                member_user = users_visible(user).filter(username__iexact=username).first()
                if member_user is None:
                    form.add_error("username", _("No account with this username."))
                else:
                    program_services.add_steering_member(
                        user, resolution, member_user, position=form.cleaned_data["position"]
                    )
                    messages.success(request, _("The member has been added."))
                    return redirect("planning:steering", pk=resolution.pk)
        except (SteeringMember.DoesNotExist, ValueError):
            raise NotFound(_("Not found, or you do not have access to it.")) from None
        except DomainError as exc:
            show_error(form, exc)
    return render(
        request,
        "planning/steering.html",
        {"resolution": resolution, "committee": selectors.steering_committee(resolution), "form": form},
    )
