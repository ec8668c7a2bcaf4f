from django.urls import path

from . import views, views_kpis

app_name = "dashboards"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("kpis/", views_kpis.kpi_view, name="kpis"),
    path("kpis/rule/", views_kpis.kpi_rule, name="kpi_rule"),
]
