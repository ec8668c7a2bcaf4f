from .views.documents import urlpatterns as document_urls
from .views.signatures import urlpatterns as signature_urls

app_name = "exports"
urlpatterns = [*document_urls, *signature_urls]
