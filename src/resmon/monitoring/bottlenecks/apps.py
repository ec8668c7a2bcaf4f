from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BottlenecksConfig(AppConfig):
    name = "resmon.monitoring.bottlenecks"
    label = "bottlenecks"
    verbose_name = _("Bottlenecks")
