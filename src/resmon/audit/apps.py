from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "resmon.audit"
    label = "audit"
