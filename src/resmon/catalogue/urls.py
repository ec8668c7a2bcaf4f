from django.urls import path

from . import views, views_periods

app_name = "catalogue"
urlpatterns = [
    path("indicators/", views.indicator_list, name="indicator_list"),
    path("indicators/new/", views.indicator_create, name="indicator_create"),
    path("indicators/<int:pk>/", views.indicator_detail, name="indicator_detail"),
    path("indicators/<int:pk>/revise/", views.indicator_revise, name="indicator_revise"),
    path("indicators/<int:pk>/active/", views.indicator_set_active, name="indicator_set_active"),
    path("periods/", views_periods.period_list, name="period_list"),
    path("periods/<int:pk>/close/", views_periods.period_close, name="period_close"),
    path("periods/<int:pk>/reopen/", views_periods.period_reopen, name="period_reopen"),
]
