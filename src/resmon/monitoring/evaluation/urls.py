from django.urls import path

from . import views

app_name = "evaluation"

urlpatterns = [
    path("", views.evaluation_list, name="list"),
    path("<int:pk>/", views.evaluation_detail, name="detail"),
    path("rule/", views.evaluation_rule, name="rule"),
    path("export.xlsx", views.evaluation_export, name="export"),
]
