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
