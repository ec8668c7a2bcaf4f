from .views.documents import urlpatterns as document_urls
from .views.overview import urlpatterns as overview_urls
from .views.signatures import urlpatterns as signature_urls
from .views.stored import urlpatterns as stored_urls

app_name = "exports"
urlpatterns = [*document_urls, *signature_urls, *overview_urls, *stored_urls]
