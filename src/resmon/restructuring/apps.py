from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RestructuringConfig(AppConfig):
    name = "resmon.restructuring"
    label = "restructuring"
    verbose_name = _("Agency restructuring")
