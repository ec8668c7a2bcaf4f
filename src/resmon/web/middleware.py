import logging

from django.http import HttpResponse
from django.template import loader

from resmon.core.storage import STORAGE_FULL_MESSAGE, is_storage_full

log = logging.getLogger(__name__)


class VietnameseFirstMiddleware:
    """Vietnamese unless the user chose English with the language switch (a cookie).

    The browser's Accept-Language is ignored: officials' browsers are often set to English, and
    the product speaks Vietnamese first. Runs before django's LocaleMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class StorageFullMiddleware:
    """A page whose write met a full disk (the database's or the files': resmon.core.storage)
    answers 507 with a page saying so — the write was rolled back, nothing was saved — instead of
    the generic server error page. The API answers the same with problem+json (api.errors)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_storage_full(exception):
            return None
        log.error("Disk full on %s %s: %s", request.method, request.path, exception)
        html = loader.render_to_string("storage_full.html", {"message": STORAGE_FULL_MESSAGE})
        return HttpResponse(html, status=507)
