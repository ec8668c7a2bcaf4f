from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "resmon.ops"
    label = "ops"
