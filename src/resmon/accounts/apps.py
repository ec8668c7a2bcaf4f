from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _audit_login(sender, request, user, **kwargs):
    from .services import audit_login

    audit_login(user)


class AccountsConfig(AppConfig):
    name = "resmon.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        # A successful sign-in is an audit event; failures are counted by django-axes.
        user_logged_in.connect(_audit_login, dispatch_uid="resmon.accounts.audit_login")
