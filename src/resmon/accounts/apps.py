from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _on_logged_in(sender, request, user, **kwargs):
    from .services_otp import record_sign_in
    from .signin import mark_signed_in

    mark_signed_in(request, user)
    record_sign_in(request, user)


def _on_login_failed(sender, credentials, request=None, **kwargs):
    from .services_otp import record_failure

    record_failure(request, credentials)


class AccountsConfig(AppConfig):
    name = "resmon.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        # A sign-in is an audit event and a line of the user's sign-in history; a refused attempt
        # (wrong password or code, lockout) is counted by django-axes first (its receivers are
        # connected earlier), then written to the history here.
        user_logged_in.connect(_on_logged_in, dispatch_uid="resmon.accounts.audit_login")
        user_login_failed.connect(_on_login_failed, dispatch_uid="resmon.accounts.login_failed")
