from django.urls import path

from . import views, views_compare, views_kpis, views_trends

app_name = "dashboards"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("kpis/", views_kpis.kpi_view, name="kpis"),
    path("kpis/rule/", views_kpis.kpi_rule, name="kpi_rule"),
    path("compare/", views_compare.compare_view, name="compare"),
    path("trends/", views_trends.trends_view, name="trends"),
]
