from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "resmon.core"
    label = "core"
