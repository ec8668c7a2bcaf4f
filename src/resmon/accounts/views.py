from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from resmon.core.errors import DomainError

from . import services, services_otp, signin
from .forms import LoginForm, PasswordChangeForm


class LoginView(auth_views.LoginView):
    """The password step. An account with two-factor sign-in on (or whose role requires it) is not
    signed in yet: it goes on to the code step (or to setting it up); see signin_views."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not services_otp.needs_code_step(user):
            return super().form_valid(form)
        signin.start_pending(self.request, user, self.get_success_url())
        if services_otp.is_enrolled(user):
            return redirect("accounts:login_code")
        return redirect("accounts:login_enrol")


def locked_out(request, credentials=None, *args, **kwargs):
    """django-axes calls this when an account/address pair is locked."""
    message = _(
        "Too many failed sign-in attempts. The account is locked for 15 minutes; "
        "try again later or ask your agency administrator."
    )
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"type": "about:blank", "title": message, "status": 429, "code": "locked_out"},
            status=429,
            content_type="application/problem+json",
        )
    form = LoginForm(request, data=None)
    return render(request, "accounts/login.html", {"form": form, "locked_message": message}, status=429)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(
                request.user, form.cleaned_data["old_password"], form.cleaned_data["new_password1"]
            )
        except DomainError as exc:
            form.add_error(exc.field, exc.message)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed."))
            return redirect("web:home")
    return render(request, "accounts/password_change.html", {"form": form})
