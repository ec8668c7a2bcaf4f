from django.urls import path

from . import views

app_name = "directives"

urlpatterns = [
    path("", views.directive_list, name="list"),
    path("new/", views.directive_new, name="new"),
    path("<int:pk>/", views.directive_detail, name="detail"),
    path("reminders/", views.reminder_list, name="reminder_list"),
    path("reminders/new/", views.reminder_new, name="reminder_new"),
]
