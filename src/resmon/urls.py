from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("resmon.api.urls")),
    path("accounts/", include("resmon.accounts.urls")),
    path("catalogue/", include("resmon.catalogue.urls")),
    path("planning/", include("resmon.planning.urls")),
    path("reports/", include("resmon.reporting.urls")),
    path("notifications/", include("resmon.notifications.urls")),
    path("restructuring/", include("resmon.restructuring.urls")),
    path("audit/", include("resmon.audit.urls")),
    path("dashboards/", include("resmon.dashboards.urls")),
    path("exports/", include("resmon.exports.urls")),
    path("monitoring/alerts/", include("resmon.monitoring.alerts.urls")),
    path("monitoring/forecasts/", include("resmon.monitoring.forecasts.urls")),
    path("monitoring/bottlenecks/", include("resmon.monitoring.bottlenecks.urls")),
    path("monitoring/evaluation/", include("resmon.monitoring.evaluation.urls")),
    path("monitoring/directives/", include("resmon.monitoring.directives.urls")),
    path("", include("resmon.ops.urls")),  # /healthz, /readyz, /metrics
    path("", include("resmon.web.urls")),
]
