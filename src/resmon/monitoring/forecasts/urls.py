from django.urls import path

from . import views

app_name = "forecasts"

urlpatterns = [
    path("", views.at_risk, name="at_risk"),
]
