from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "resmon.demo"
    label = "demo"
