from django.urls import path

from . import views

app_name = "bottlenecks"
urlpatterns = [
    path("", views.ranking, name="ranking"),
    path("links/", views.links, name="links"),
    path("graph/", views.graph, name="graph"),
    path("agencies/<int:pk>/", views.agency, name="agency"),
]
