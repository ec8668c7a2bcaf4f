from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "resmon.web"
    label = "web"
