from django.urls import path, re_path

from .api import api, api_index
from .views import not_found

urlpatterns = [
    path("", api_index, name="api_index"),
    path("", api.urls),
    # anything else under /api/v1/ is a problem+json 404, not the HTML error page
    re_path(r"^.*$", not_found, name="api_not_found"),
]
