from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "resmon.api"
    label = "api"
