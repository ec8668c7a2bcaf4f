from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("agencies/", views.agency_tree, name="agency_tree"),
    path("agencies/pick/", views.agency_picker, name="agency_picker"),
    path("agencies/<int:pk>/", views.agency_detail, name="agency_detail"),
    path("agencies/<int:pk>/children/", views.agency_children, name="agency_children"),
    path("resolutions/", views.resolution_list, name="resolution_list"),
    path("resolutions/<int:pk>/", views.resolution_detail, name="resolution_detail"),
    path("programs/<int:pk>/", views.program_detail, name="program_detail"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/children/", views.task_children, name="task_children"),
]
