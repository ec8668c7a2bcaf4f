from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("", views.alert_list, name="list"),
    path("rules/", views.rule_page, name="rules"),
    path("<int:pk>/", views.alert_detail, name="detail"),
]
