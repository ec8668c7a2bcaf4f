from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "resmon.planning"
    label = "planning"
    verbose_name = _("Planning")

    def ready(self) -> None:
        from resmon.core.access import register_resolution_grants

        from .selectors import steering_resolution_ids

        register_resolution_grants(steering_resolution_ids)
